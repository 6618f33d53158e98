# Line-attractor analysis (NeurIPS 2019), one rule and one Parquet table per stage and grid cell.
# q = 1/N ||h - F(h, 0)||^2 throughout (the paper's normalisation).

ANALYSIS = f"{RESULTS}/analysis/{{dataset}}/{{arch}}"
MODEL = f"{RESULTS}/models/{{dataset}}/{{arch}}/model.pt"


rule dimensionality:
    input:
        model=MODEL,
        test=f"{RESULTS}/data/{{dataset}}/test.parquet",
    output:
        table=f"{ANALYSIS}/pca.parquet",
    params:
        n_docs=config["analysis"]["n_docs"],
        seed=config["seed"],
        device=config["device"],
        code=code("dimensionality.py"),
    log:
        "logs/analysis/{dataset}/{arch}/dimensionality.log",
    benchmark:
        "benchmarks/analysis/{dataset}/{arch}/dimensionality.tsv",
    threads: 1
    resources:
        mem_mb=6000,
        runtime=30,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/dimensionality.py"


rule states:
    input:
        model=MODEL,
        test=f"{RESULTS}/data/{{dataset}}/test.parquet",
    output:
        table=f"{ANALYSIS}/states.parquet",
    params:
        args=analysis_args("states"),
        code=code("states.py"),
    log:
        "logs/analysis/{dataset}/{arch}/states.log",
    benchmark:
        "benchmarks/analysis/{dataset}/{arch}/states.tsv",
    threads: 1
    resources:
        mem_mb=6000,
        runtime=30,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/states.py"


rule fixed_points:
    input:
        model=MODEL,
        states=rules.states.output.table,
    output:
        table=f"{ANALYSIS}/fixed_points.parquet",
    params:
        args=analysis_args("fixed_points"),
        code=code("fixed_points.py"),
    log:
        "logs/analysis/{dataset}/{arch}/fixed_points.log",
    benchmark:
        "benchmarks/analysis/{dataset}/{arch}/fixed_points.tsv"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
        gpu=GPU_JOBS,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/fixed_points.py"


rule exact_fixed_points:
    input:
        model=MODEL,
        fixed_points=rules.fixed_points.output.table,
    output:
        table=f"{ANALYSIS}/exact_fixed_points.parquet",
    params:
        args=analysis_args("exact_fixed_points"),
        code=code("exact_fixed_points.py"),
    log:
        "logs/analysis/{dataset}/{arch}/exact_fixed_points.log",
    benchmark:
        "benchmarks/analysis/{dataset}/{arch}/exact_fixed_points.tsv",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/exact_fixed_points.py"


rule spectra:
    input:
        model=MODEL,
        fixed_points=rules.fixed_points.output.table,
        test=f"{RESULTS}/data/{{dataset}}/test.parquet",
        bow_coefficients=f"{RESULTS}/baselines/{{dataset}}/bow_coefficients.parquet",
    output:
        table=f"{ANALYSIS}/spectra.parquet",
    params:
        args=analysis_args("spectra"),
        code=code("spectra.py"),
    log:
        "logs/analysis/{dataset}/{arch}/spectra.log",
    benchmark:
        "benchmarks/analysis/{dataset}/{arch}/spectra.tsv",
    threads: 1
    resources:
        mem_mb=6000,
        runtime=30,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/spectra.py"


rule geometry:
    input:
        model=MODEL,
        fixed_points=rules.fixed_points.output.table,
        spectra=rules.spectra.output.table,
    output:
        table=f"{ANALYSIS}/geometry.parquet",
    params:
        args=analysis_args("geometry"),
        code=code("geometry.py"),
    log:
        "logs/analysis/{dataset}/{arch}/geometry.log",
    benchmark:
        "benchmarks/analysis/{dataset}/{arch}/geometry.tsv",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/geometry.py"


rule word_effects:
    input:
        model=MODEL,
        fixed_points=rules.fixed_points.output.table,
        spectra=rules.spectra.output.table,
        bow_coefficients=f"{RESULTS}/baselines/{{dataset}}/bow_coefficients.parquet",
    output:
        table=f"{ANALYSIS}/word_effects.parquet",
    params:
        args=analysis_args("word_effects"),
        code=code("word_effects.py"),
    log:
        "logs/analysis/{dataset}/{arch}/word_effects.log",
    benchmark:
        "benchmarks/analysis/{dataset}/{arch}/word_effects.tsv",
    threads: 1
    resources:
        mem_mb=6000,
        runtime=30,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/word_effects.py"


rule linearised:
    input:
        model=MODEL,
        fixed_points=rules.fixed_points.output.table,
        test=f"{RESULTS}/data/{{dataset}}/test.parquet",
    output:
        table=f"{ANALYSIS}/linearised.parquet",
    params:
        args=analysis_args("linearised"),
        code=code("linearised.py"),
    log:
        "logs/analysis/{dataset}/{arch}/linearised.log",
    benchmark:
        "benchmarks/analysis/{dataset}/{arch}/linearised.tsv",
    threads: 1
    resources:
        mem_mb=6000,
        runtime=30,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/linearised.py"
