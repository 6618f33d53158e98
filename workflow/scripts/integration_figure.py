"""Rule integration_figure: one K-class cell's states, slow points and slow modes (PDF + PNG)."""
from rnn_dynamics.figures.integration import integration_figure
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0]):
    integration_figure(snakemake.input.projection, snakemake.input.spectrum, snakemake.input.summary,
                       snakemake.output.pdf, snakemake.output.png,
                       dataset=snakemake.wildcards.dataset, arch=snakemake.wildcards.arch)
