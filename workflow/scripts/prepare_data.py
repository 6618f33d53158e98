"""Rule prepare_data: one dataset from its release archive (or the generator) to Parquet splits."""
from pathlib import Path

from rnn_dynamics.data.prepare import prepare_dataset
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    data = dict(snakemake.params.data)
    prepare_dataset(
        snakemake.wildcards.dataset,
        Path(snakemake.output.train).parent,
        data_dir=Path(snakemake.params.data_dir),
        download=snakemake.params.download,
        **data,
    )
