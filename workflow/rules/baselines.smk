# Stage 2: bag-of-words logistic regression, the baseline and the valence lexicon.


rule bow:
    input:
        unpack(prepared),
    output:
        metrics=f"{RESULTS}/baselines/{{dataset}}/bow_metrics.parquet",
        coefficients=f"{RESULTS}/baselines/{{dataset}}/bow_coefficients.parquet",
    params:
        C_grid=config["bow"]["C_grid"],
        seed=config["seed"],
        code=code("bow.py"),
    log:
        "logs/bow/{dataset}.log",
    benchmark:
        "benchmarks/bow/{dataset}.tsv",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/bow.py"
