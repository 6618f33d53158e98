"""Rule subspace: the modifier subspace and its eigenmodes."""
from rnn_dynamics.context.stages.subspace import run_subspace_stage
from rnn_dynamics.pipeline.stage import run_stage
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    run_stage(run_subspace_stage, snakemake.input.model, dict(snakemake.input.items()), snakemake.output.table,
              snakemake.params.args)
