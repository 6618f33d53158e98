"""Rule geometry: manifold direction m, LLE coordinate, r.m overlap."""
from rnn_dynamics.analysis.stages.geometry import run_geometry_stage
from rnn_dynamics.pipeline.stage import run_stage
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    run_stage(run_geometry_stage, snakemake.input.model, dict(snakemake.input.items()), snakemake.output.table,
              snakemake.params.args)
