"""Rules fig2 ... fig5, context_figure: one figure of one grid cell, as PDF and PNG."""
from rnn_dynamics.figures import plot_figure
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0]):
    tables = {name: path for name, path in snakemake.input.items()}
    plot_figure(snakemake.rule, tables, snakemake.output.pdf, snakemake.output.png,
                dataset=snakemake.wildcards.dataset, arch=snakemake.wildcards.arch,
                **snakemake.params.plot)
