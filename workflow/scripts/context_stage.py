"""Rules modifiers, subspace, modifier_dynamics, ...: one contextual-processing stage of one cell."""
from rnn_dynamics.pipeline.context import run_context_stage
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    tables = {name: path for name, path in snakemake.input.items() if name != "model"}
    run_context_stage(snakemake.params.stage, snakemake.input.model, tables,
                      snakemake.output.table, snakemake.params.args)
