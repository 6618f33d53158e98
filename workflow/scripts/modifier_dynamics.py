"""Rule modifier_dynamics: modifier gains over intervening neutral words."""
from rnn_dynamics.context.stages.modifier_dynamics import run_dynamics_stage
from rnn_dynamics.pipeline.stage import run_stage
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    run_stage(run_dynamics_stage, snakemake.input.model, dict(snakemake.input.items()), snakemake.output.table,
              snakemake.params.args)
