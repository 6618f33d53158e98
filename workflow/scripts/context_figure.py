"""Rule context_figure: contextual processing, as PDF and PNG."""
from rnn_dynamics.figures.context import plot_context
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0]):
    plot_context(**dict(snakemake.input.items()), pdf=snakemake.output.pdf, png=snakemake.output.png,
        dataset=snakemake.wildcards.dataset, arch=snakemake.wildcards.arch, **snakemake.params.plot)
