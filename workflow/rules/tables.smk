# Summary tables across the grid, next to the papers' numbers.


rule accuracy_table:
    input:
        models=expand("results/models/{dataset}/{arch}/metrics.parquet", dataset=DATASETS, arch=ARCHS),
        bow=expand("results/baselines/{dataset}/bow_metrics.parquet", dataset=DATASETS),
        sources=expand("results/data/{dataset}/source.parquet", dataset=DATASETS),
    output:
        table="results/tables/accuracy.parquet",
        markdown="results/tables/accuracy.md",
    params:
        code=source_hash("tables"),
    log:
        "logs/tables/accuracy.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/accuracy_table.py"


rule tables:
    input:
        rules.accuracy_table.output,
