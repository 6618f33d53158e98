"""Rule fig6: one summary figure (and its numbers) across every architecture x dataset cell."""
from rnn_dynamics.figures.fig6 import plot_fig6
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0]):
    plot_fig6(snakemake.input.pca, snakemake.input.fixed_points, snakemake.input.spectra,
              snakemake.input.geometry, snakemake.input.linearised,
              snakemake.output.pdf, snakemake.output.png, summary=snakemake.output.summary,
              datasets=snakemake.params.datasets, archs=snakemake.params.archs)
