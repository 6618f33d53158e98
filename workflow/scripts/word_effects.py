"""Rule word_effects: how valence words drive the integrating mode."""
from rnn_dynamics.analysis.stages.word_effects import run_word_effects_stage
from rnn_dynamics.pipeline.stage import run_stage
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    run_stage(run_word_effects_stage, snakemake.input.model, dict(snakemake.input.items()), snakemake.output.table,
              snakemake.params.args)
