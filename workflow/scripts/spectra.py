"""Rule spectra: spectrum of J_rec and the integrating mode at every kept point."""
from rnn_dynamics.analysis.stages.spectra import run_spectra_stage
from rnn_dynamics.pipeline.stage import run_stage
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    run_stage(run_spectra_stage, snakemake.input.model, dict(snakemake.input.items()), snakemake.output.table,
              snakemake.params.args)
