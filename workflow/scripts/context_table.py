"""Rule context_table: one contextual-processing summary row per grid cell."""
from rnn_dynamics.tables.context import write_context_table
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0]):
    write_context_table(dict(snakemake.input.items()), table_path=snakemake.output.table,
                        markdown_path=snakemake.output.markdown,
                        html_path=snakemake.output.html)
