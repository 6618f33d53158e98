"""Rule line_attractor_table: one summary row per grid cell."""
from rnn_dynamics.tables.line_attractor import write_line_attractor_table
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0]):
    write_line_attractor_table(dict(snakemake.input.items()), table_path=snakemake.output.table,
                               markdown_path=snakemake.output.markdown,
                               html_path=snakemake.output.html)
