"""Rule fig4: word inputs and the integrating mode, as PDF and PNG."""
from rnn_dynamics.figures.fig4 import plot_fig4
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0]):
    plot_fig4(**dict(snakemake.input.items()), pdf=snakemake.output.pdf, png=snakemake.output.png,
        dataset=snakemake.wildcards.dataset, arch=snakemake.wildcards.arch, **snakemake.params.plot)
