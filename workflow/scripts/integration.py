"""Rule integration: attractor dimension of one K-class grid cell (four tables)."""
from rnn_dynamics.pipeline.integration import OUTPUTS, run_integration
from rnn_dynamics.workflow_glue import logged

with logged(snakemake.log[0], snakemake.threads):
    run_integration(snakemake.input.model, snakemake.input.train, snakemake.input.test,
                    {name: snakemake.output[name] for name in OUTPUTS},
                    dataset=snakemake.wildcards.dataset, **snakemake.params.analysis)
