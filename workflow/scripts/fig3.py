"""Rule fig3: eigenvalue spectra and time constants at the fixed points, as PDF and PNG."""
from rnn_dynamics.figures.fig3 import plot_fig3
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0]):
    plot_fig3(**dict(snakemake.input.items()), pdf=snakemake.output.pdf, png=snakemake.output.png,
        dataset=snakemake.wildcards.dataset, arch=snakemake.wildcards.arch, **snakemake.params.plot)
