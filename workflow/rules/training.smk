# Stage 3: train one recurrent classifier per grid cell (dataset x architecture).
# Full training state is checkpointed every epoch under results/checkpoints/, outside the
# declared outputs, so a killed job resumes instead of starting over.


rule train:
    input:
        unpack(prepared),
    output:
        model=f"{RESULTS}/models/{{dataset}}/{{arch}}/model.pt",
        history=f"{RESULTS}/models/{{dataset}}/{{arch}}/history.parquet",
        metrics=f"{RESULTS}/models/{{dataset}}/{{arch}}/metrics.parquet",
        search=f"{RESULTS}/models/{{dataset}}/{{arch}}/search.parquet",
    params:
        cell=train_params,
        device=config["device"],
        work_dir=f"{RESULTS}/checkpoints/{{dataset}}/{{arch}}",
        torch_threads=config["train_threads"],  # fixed: results must not depend on --cores
        code=code("train.py"),
    log:
        "logs/train/{dataset}/{arch}.log",
    benchmark:
        "benchmarks/train/{dataset}/{arch}.tsv"
    threads: config["train_threads"]
    resources:
        mem_mb=6000,
        runtime=240,
        gpu=GPU_JOBS,
    conda:
        "../../envs/torch.yaml"
    script:
        "../scripts/train.py"
