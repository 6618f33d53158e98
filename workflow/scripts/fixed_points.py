"""Rule fixed_points: approximate fixed points of F(., 0) from visited states."""
from rnn_dynamics.analysis.stages.fixed_points import run_fixed_point_stage
from rnn_dynamics.pipeline.stage import run_stage
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    run_stage(run_fixed_point_stage, snakemake.input.model, dict(snakemake.input.items()), snakemake.output.table,
              snakemake.params.args)
