"""Rules states, fixed_points, spectra, ...: one line-attractor stage of one grid cell."""
from rnn_dynamics.pipeline.analysis import run_analysis_stage
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    tables = {name: path for name, path in snakemake.input.items() if name != "model"}
    run_analysis_stage(snakemake.params.stage, snakemake.input.model, tables,
                       snakemake.output.table, snakemake.params.args)
