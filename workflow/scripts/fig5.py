"""Rule fig5: the linearised dynamics against the network, as PDF and PNG."""
from rnn_dynamics.figures.fig5 import plot_fig5
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0]):
    plot_fig5(**dict(snakemake.input.items()), pdf=snakemake.output.pdf, png=snakemake.output.png,
        dataset=snakemake.wildcards.dataset, arch=snakemake.wildcards.arch, **snakemake.params.plot)
