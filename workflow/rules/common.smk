# Config resolution and validation, the grid, wildcard constraints and input functions.
import os
import shutil
import sys
from pathlib import Path

from rnn_dynamics.config import all_datasets, cell_config, check_data_dir, check_device, resolve
from rnn_dynamics.errors import ConfigError
from rnn_dynamics.data.prepare import DATASETS as PREPARED_DATASETS
from rnn_dynamics.preflight import archive_warnings
from rnn_dynamics import stage_args
from rnn_dynamics.versioning import script_code_hash

WORKFLOW_DIR = Path(workflow.basedir) / "workflow"

try:
    _resolved = resolve(config, WORKFLOW_DIR / "presets", WORKFLOW_DIR / "schemas" / "config.schema.yaml")
    check_data_dir(_resolved)
    if workflow.local_exec and not workflow.remote_exec:
        check_device(_resolved)     # cluster jobs run elsewhere: the GPU node decides there
except ConfigError as _error:
    sys.stderr.write(f"rnn-dynamics: invalid configuration: {_error}\n")
    sys.exit(1)
config.clear()
config.update(_resolved)

DATASETS = config["datasets"]              # binary: the two papers' analyses
ALL_DATASETS = all_datasets(config)         # and the multi-class ones (integration.smk)
DATASET_CHOICES = PREPARED_DATASETS
ARCHS = config["archs"]
RESULTS = config["results_dir"].rstrip("/")       # every output of this preset lives here

for _line in archive_warnings(config, RESULTS):
    print(_line, file=sys.stderr)


def _gpu_jobs():
    """GPUs a training or fixed-point job holds: 1 where it runs on CUDA, else 0.

    With the default profile's `gpu: 1` limit, GPU jobs then queue for the one card while CPU-only
    runs keep all their parallelism. Decided without importing torch (device: auto sees a GPU
    when nvidia-smi is on PATH and CUDA_VISIBLE_DEVICES does not hide it).
    """
    device = str(config.get("device", "auto"))
    if device.startswith("cuda"):
        return 1
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "unset") not in ("", "-1")
    return int(device == "auto" and visible and shutil.which("nvidia-smi") is not None)


GPU_JOBS = _gpu_jobs()


def code(script):
    """The hash of every library module ``workflow/scripts/<script>`` reaches by imports: a
    rule's ``params.code``, so that editing code the rule runs reruns it (and only it)."""
    return script_code_hash(WORKFLOW_DIR / "scripts" / script)


wildcard_constraints:
    dataset="|".join(sorted(DATASET_CHOICES, key=len, reverse=True)),
    arch="lstm|gru|ugrnn|vanilla",


def data_params(wildcards):
    """Everything that changes a prepared dataset."""
    params = dict(cell_config(config, wildcards.dataset)["data"], seed=config["seed"])
    if wildcards.dataset in ("synthetic", "synthetic_categories"):
        params["synthetic"] = config.get(wildcards.dataset, {})
    return params


def train_params(wildcards):
    """Everything that changes one trained grid cell (its own overrides only)."""
    cell = cell_config(config, wildcards.dataset, wildcards.arch)
    return {"model": cell["model"], "training": cell["training"], "seed": config["seed"]}


FIGURES = f"{RESULTS}/figures/{{dataset}}/{{arch}}"


def data_outputs(dataset):
    return {
        split: f"{RESULTS}/data/{dataset}/{split}.parquet"
        for split in ("train", "valid", "test", "vocab", "source")
    }


def prepared(wildcards):
    return data_outputs(wildcards.dataset)


def archive_input(wildcards):
    """The dataset's archive when it is already on disk, so replacing it reruns the stage.

    A missing archive is not an input: the job downloads it (or says where to put it).
    """
    if wildcards.dataset.startswith("synthetic"):
        return []
    from rnn_dynamics.data.archives import candidate_paths

    for path in candidate_paths(wildcards.dataset, Path(config["data_dir"])):
        if path.is_file():
            return [str(path)]
    return []


def analysis_args(stage):
    """Keyword arguments of one line-attractor stage (rnn_dynamics.stage_args)."""
    return stage_args.analysis_args(config)[stage]


def context_args(stage):
    """Keyword arguments of one contextual-processing stage (rnn_dynamics.stage_args)."""
    return stage_args.context_args(config)[stage]


def integration_args():
    """Keyword arguments of the integration analysis (rnn_dynamics.stage_args)."""
    return stage_args.integration_args(config)


def cell_tables(stage_dir, names):
    """For each table name, its Parquet path in every grid cell (same cell order for all)."""
    return {
        name: expand(f"{RESULTS}/{stage_dir}/{{dataset}}/{{arch}}/{name}.parquet", dataset=DATASETS, arch=ARCHS)
        for name in names
    }


def plot_params(name):
    """The figure's drawing parameters from config key figures.<name> (rnn_dynamics.stage_args)."""
    return stage_args.plot_args(config, name)


def figure_outputs(name, category):
    """PDF and PNG of one per-cell figure; the PNG goes into the HTML report with its caption."""
    return {
        "pdf": f"{FIGURES}/{name}.pdf",
        "png": report(
            f"{FIGURES}/{name}.png",
            caption=f"../report/{name}.rst",
            category=category,
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "arch": "{arch}", "figure": name},
        ),
    }
