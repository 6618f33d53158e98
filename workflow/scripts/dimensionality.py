"""Rule dimensionality: PCA of visited states, trained model vs an untrained twin."""
from rnn_dynamics.pipeline.dimensionality import run_dimensionality_stage
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    run_dimensionality_stage(snakemake.input.model, snakemake.input.test, snakemake.output.table,
                             n_docs=snakemake.params.n_docs, seed=snakemake.params.seed,
                             device=snakemake.params.device)
