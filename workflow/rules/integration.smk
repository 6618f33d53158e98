# Integration with K classes (Aitken et al., ICLR 2021): the attractor dimension of every
# multi-class grid cell, its figure, and the summary table. Build all of it with
#   snakemake --cores all results/tables/integration_dimension.parquet

INTEGRATION = f"{RESULTS}/integration/{{dataset}}/{{arch}}"
MULTICLASS_DATASETS = config["multiclass_datasets"]


rule integration:
    input:
        model=MODEL,
        train=f"{RESULTS}/data/{{dataset}}/train.parquet",
        test=f"{RESULTS}/data/{{dataset}}/test.parquet",
    output:
        summary=f"{INTEGRATION}/summary.parquet",
        projection=f"{INTEGRATION}/projection.parquet",
        spectrum=f"{INTEGRATION}/spectrum.parquet",
        words=f"{INTEGRATION}/words.parquet",
    params:
        analysis=integration_args(),
        code=code("integration.py"),
    log:
        "logs/integration/{dataset}/{arch}/integration.log",
    benchmark:
        "benchmarks/integration/{dataset}/{arch}/integration.tsv",
    threads: 1
    resources:
        mem_mb=6000,
        runtime=60,
        gpu=GPU_JOBS,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/integration.py"


rule integration_figure:
    input:
        projection=f"{INTEGRATION}/projection.parquet",
        spectrum=f"{INTEGRATION}/spectrum.parquet",
        summary=f"{INTEGRATION}/summary.parquet",
    output:
        **figure_outputs("integration", "Integration with K classes (ICLR 2021)"),
    params:
        code=code("integration_figure.py"),
    log:
        "logs/figures/{dataset}/{arch}/integration.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/figures.yaml"
    script:
        "../scripts/integration_figure.py"


rule integration_table:
    input:
        summaries=expand(f"{RESULTS}/integration/{{dataset}}/{{arch}}/summary.parquet",
                         dataset=MULTICLASS_DATASETS, arch=ARCHS),
        metrics=expand(f"{RESULTS}/models/{{dataset}}/{{arch}}/metrics.parquet",
                       dataset=MULTICLASS_DATASETS, arch=ARCHS),
        # the table's target builds the figures too: one command gives the whole analysis
        figures=expand(f"{FIGURES}/integration.png", dataset=MULTICLASS_DATASETS, arch=ARCHS),
    output:
        table=f"{RESULTS}/tables/integration_dimension.parquet",
        markdown=f"{RESULTS}/tables/integration_dimension.md",
        html=report(
            f"{RESULTS}/tables/integration_dimension.html",
            caption="../report/table_integration.rst",
            category="Tables",
            labels={"table": "integration dimension"},
        ),
    params:
        code=code("integration_table.py"),
    log:
        "logs/tables/integration_dimension.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/integration_table.py"
