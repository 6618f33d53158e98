"""Rule bow: bag-of-words logistic regression, regularisation chosen on validation."""
from rnn_dynamics.baselines.bow import run_bow
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    run_bow(
        snakemake.input.train, snakemake.input.valid, snakemake.input.test, snakemake.input.vocab,
        metrics_path=snakemake.output.metrics,
        coefficients_path=snakemake.output.coefficients,
        C_grid=snakemake.params.C_grid,
        seed=snakemake.params.seed,
    )
