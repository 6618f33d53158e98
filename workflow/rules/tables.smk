# Summary tables across the grid, next to the papers' numbers.


rule accuracy_table:
    input:
        models=expand(f"{RESULTS}/models/{{dataset}}/{{arch}}/metrics.parquet", dataset=DATASETS, arch=ARCHS),
        bow=expand(f"{RESULTS}/baselines/{{dataset}}/bow_metrics.parquet", dataset=DATASETS),
        sources=expand(f"{RESULTS}/data/{{dataset}}/source.parquet", dataset=DATASETS),
    output:
        table=f"{RESULTS}/tables/accuracy.parquet",
        markdown=f"{RESULTS}/tables/accuracy.md",
        html=report(
            f"{RESULTS}/tables/accuracy.html",
            caption="../report/table_accuracy.rst",
            category="Tables",
            labels={"table": "accuracy"},
        ),
    params:
        code=code("accuracy_table.py"),
    log:
        "logs/tables/accuracy.log",
    benchmark:
        "benchmarks/tables/accuracy.tsv",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/accuracy_table.py"


rule line_attractor_table:
    input:
        **cell_tables(
            "analysis",
            ["pca", "fixed_points", "exact_fixed_points", "spectra", "geometry", "word_effects", "linearised"],
        ),
    output:
        table=f"{RESULTS}/tables/line_attractor.parquet",
        markdown=f"{RESULTS}/tables/line_attractor.md",
        html=report(
            f"{RESULTS}/tables/line_attractor.html",
            caption="../report/table_line_attractor.rst",
            category="Tables",
            labels={"table": "line_attractor"},
        ),
    params:
        code=code("line_attractor_table.py"),
    log:
        "logs/tables/line_attractor.log",
    benchmark:
        "benchmarks/tables/line_attractor.tsv",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/line_attractor_table.py"


rule context_table:
    input:
        **cell_tables("context", ["modifiers", "subspace", "dynamics", "position", "augmented_bow", "perturbation"]),
    output:
        table=f"{RESULTS}/tables/context.parquet",
        markdown=f"{RESULTS}/tables/context.md",
        html=report(
            f"{RESULTS}/tables/context.html",
            caption="../report/table_context.rst",
            category="Tables",
            labels={"table": "context"},
        ),
    params:
        code=code("context_table.py"),
    log:
        "logs/tables/context.log",
    benchmark:
        "benchmarks/tables/context.tsv",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/context_table.py"


rule search_table:
    input:
        expand(f"{RESULTS}/models/{{dataset}}/{{arch}}/search.parquet", dataset=DATASETS, arch=ARCHS),
    output:
        table=f"{RESULTS}/tables/search.parquet",
        markdown=f"{RESULTS}/tables/search.md",
        html=report(
            f"{RESULTS}/tables/search.html",
            caption="../report/table_search.rst",
            category="Tables",
            labels={"table": "search"},
        ),
    params:
        code=code("search_table.py"),
    log:
        "logs/tables/search.log",
    benchmark:
        "benchmarks/tables/search.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../../envs/core.yaml"
    script:
        "../scripts/search_table.py"


rule tables:
    input:
        rules.accuracy_table.output,
        rules.search_table.output,
        rules.line_attractor_table.output,
        rules.context_table.output,
