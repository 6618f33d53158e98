"""Rule integration_table: measured vs predicted attractor dimension, one row per K-class cell."""
from rnn_dynamics.tables.integration import write_integration_table
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0]):
    write_integration_table(snakemake.input.summaries, snakemake.input.metrics,
                            table_path=snakemake.output.table, markdown_path=snakemake.output.markdown,
                            html_path=snakemake.output.html)
