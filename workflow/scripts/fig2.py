"""Rule fig2: the visited states, their PCA and the fixed points, as PDF and PNG."""
from rnn_dynamics.figures.fig2 import plot_fig2
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0]):
    plot_fig2(**dict(snakemake.input.items()), pdf=snakemake.output.pdf, png=snakemake.output.png,
        dataset=snakemake.wildcards.dataset, arch=snakemake.wildcards.arch, **snakemake.params.plot)
