"""Rule exact_fixed_points: the kept slow points polished in float64."""
from rnn_dynamics.analysis.stages.exact_fixed_points import run_exact_fixed_points_stage
from rnn_dynamics.pipeline.stage import run_stage
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    run_stage(run_exact_fixed_points_stage, snakemake.input.model, dict(snakemake.input.items()), snakemake.output.table,
              snakemake.params.args)
