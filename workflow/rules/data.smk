# Stage 1: raw release archives (or the synthetic language) -> tokenised, encoded Parquet splits.


rule prepare_data:
    input:
        archive=archive_input,
    output:
        **data_outputs("{dataset}"),
    params:
        data=data_params,
        data_dir=config["data_dir"],
        download=config["download"],
        code=code("prepare_data.py"),
    log:
        "logs/data/{dataset}.log",
    benchmark:
        "benchmarks/data/{dataset}.tsv",
    threads: 1
    resources:
        mem_mb=6000,
        runtime=30,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/prepare_data.py"
