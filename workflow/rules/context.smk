# Contextual processing (ICML 2020): modifier words, modifier subspace and dynamics, start/end
# effects, augmented bag-of-words and the subspace perturbation, per grid cell.

CONTEXT = f"{RESULTS}/context/{{dataset}}/{{arch}}"
DATA = f"{RESULTS}/data/{{dataset}}"
BOW_COEFFICIENTS = f"{RESULTS}/baselines/{{dataset}}/bow_coefficients.parquet"


rule modifiers:
    input:
        model=MODEL,
        test=f"{DATA}/test.parquet",
        bow_coefficients=BOW_COEFFICIENTS,
    output:
        table=f"{CONTEXT}/modifiers.parquet",
    params:
        args=context_args("modifiers"),
        code=code("modifiers.py"),
    log:
        "logs/context/{dataset}/{arch}/modifiers.log",
    benchmark:
        "benchmarks/context/{dataset}/{arch}/modifiers.tsv",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/modifiers.py"


rule subspace:
    input:
        model=MODEL,
        test=f"{DATA}/test.parquet",
        bow_coefficients=BOW_COEFFICIENTS,
        modifiers=rules.modifiers.output.table,
        fixed_points=rules.fixed_points.output.table,
    output:
        table=f"{CONTEXT}/subspace.parquet",
    params:
        args=context_args("subspace"),
        code=code("subspace.py"),
    log:
        "logs/context/{dataset}/{arch}/subspace.log",
    benchmark:
        "benchmarks/context/{dataset}/{arch}/subspace.tsv",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/subspace.py"


rule modifier_dynamics:
    input:
        model=MODEL,
        test=f"{DATA}/test.parquet",
        bow_coefficients=BOW_COEFFICIENTS,
        modifiers=rules.modifiers.output.table,
    output:
        table=f"{CONTEXT}/dynamics.parquet",
    params:
        args=context_args("modifier_dynamics"),
        code=code("modifier_dynamics.py"),
    log:
        "logs/context/{dataset}/{arch}/dynamics.log",
    benchmark:
        "benchmarks/context/{dataset}/{arch}/dynamics.tsv",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/modifier_dynamics.py"


rule position:
    input:
        model=MODEL,
        test=f"{DATA}/test.parquet",
        bow_coefficients=BOW_COEFFICIENTS,
        subspace=rules.subspace.output.table,
    output:
        table=f"{CONTEXT}/position.parquet",
    params:
        args=context_args("position"),
        code=code("position.py"),
    log:
        "logs/context/{dataset}/{arch}/position.log",
    benchmark:
        "benchmarks/context/{dataset}/{arch}/position.tsv",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/position.py"


rule augmented_bow:
    input:
        model=MODEL,
        train=f"{DATA}/train.parquet",
        valid=f"{DATA}/valid.parquet",
        test=f"{DATA}/test.parquet",
        vocab=f"{DATA}/vocab.parquet",
        dynamics=rules.modifier_dynamics.output.table,
        position=rules.position.output.table,
    output:
        table=f"{CONTEXT}/augmented_bow.parquet",
    params:
        args=context_args("augmented_bow"),
        code=code("augmented_bow.py"),
    log:
        "logs/context/{dataset}/{arch}/augmented_bow.log",
    benchmark:
        "benchmarks/context/{dataset}/{arch}/augmented_bow.tsv",
    threads: 1
    resources:
        mem_mb=6000,
        runtime=30,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/augmented_bow.py"


rule perturbation:
    input:
        model=MODEL,
        test=f"{DATA}/test.parquet",
        bow_coefficients=BOW_COEFFICIENTS,
        modifiers=rules.modifiers.output.table,
        subspace=rules.subspace.output.table,
    output:
        table=f"{CONTEXT}/perturbation.parquet",
    params:
        args=context_args("perturbation"),
        code=code("perturbation.py"),
    log:
        "logs/context/{dataset}/{arch}/perturbation.log",
    benchmark:
        "benchmarks/context/{dataset}/{arch}/perturbation.tsv",
    threads: 1
    resources:
        mem_mb=6000,
        runtime=60,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/perturbation.py"
