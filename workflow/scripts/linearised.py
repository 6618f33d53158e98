"""Rule linearised: the network linearised around its nearest fixed point."""
from rnn_dynamics.analysis.stages.linearised import run_linearised_stage
from rnn_dynamics.pipeline.stage import run_stage
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    run_stage(run_linearised_stage, snakemake.input.model, dict(snakemake.input.items()), snakemake.output.table,
              snakemake.params.args)
