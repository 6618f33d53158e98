"""Rule fig6: one summary figure of the line-attractor table across every grid cell."""
from rnn_dynamics.figures.fig6 import plot_fig6
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0]):
    plot_fig6(snakemake.input.table, snakemake.output.pdf, snakemake.output.png)
