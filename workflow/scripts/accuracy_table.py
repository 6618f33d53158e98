"""Rule accuracy_table: test accuracy of BoW and every architecture, next to the paper."""
from rnn_dynamics.tables.accuracy import write_accuracy_table
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0]):
    write_accuracy_table(
        snakemake.input.models, snakemake.input.bow, snakemake.input.sources,
        table_path=snakemake.output.table, markdown_path=snakemake.output.markdown,
        html_path=snakemake.output.html,
    )
