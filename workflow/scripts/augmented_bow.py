"""Rule augmented_bow: plain and augmented bag-of-words beside the RNN."""
from rnn_dynamics.context.stages.augmented_bow import run_augmented_bow_stage
from rnn_dynamics.pipeline.stage import run_stage
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    run_stage(run_augmented_bow_stage, snakemake.input.model, dict(snakemake.input.items()), snakemake.output.table,
              snakemake.params.args)
