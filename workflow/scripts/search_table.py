"""Rule search_table: every cell's hyper-parameter trials and the one it keeps."""
from rnn_dynamics.tables.search import write_search_table
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0]):
    write_search_table(
        snakemake.input, table_path=snakemake.output.table,
        markdown_path=snakemake.output.markdown, html_path=snakemake.output.html,
    )
