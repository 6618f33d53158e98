"""Rule train: one architecture on one dataset, best of a small seeded search on validation."""
from rnn_dynamics.pipeline.training import train_grid_cell
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads, intra_op=snakemake.params.torch_threads):
    train_grid_cell(
        snakemake.input.train, snakemake.input.valid, snakemake.input.test, snakemake.input.vocab,
        arch=snakemake.wildcards.arch, dataset=snakemake.wildcards.dataset,
        cell=snakemake.params.cell, device=snakemake.params.device, work_dir=snakemake.params.work_dir,
        model_path=snakemake.output.model, history_path=snakemake.output.history,
        metrics_path=snakemake.output.metrics, search_path=snakemake.output.search,
    )
