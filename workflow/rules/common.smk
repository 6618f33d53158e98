# Config resolution and validation, the grid, wildcard constraints and input functions.
import sys
from pathlib import Path

from rnn_dynamics.config import cell_config, check_data_dir, resolve
from rnn_dynamics.errors import ConfigError
from rnn_dynamics.versioning import source_hash

WORKFLOW_DIR = Path(workflow.basedir) / "workflow"

try:
    _resolved = resolve(config, WORKFLOW_DIR / "presets", WORKFLOW_DIR / "schemas" / "config.schema.yaml")
    check_data_dir(_resolved)
except ConfigError as _error:
    sys.stderr.write(f"rnn-dynamics: invalid configuration: {_error}\n")
    sys.exit(1)
config.clear()
config.update(_resolved)

DATASETS = config["datasets"]
ARCHS = config["archs"]


wildcard_constraints:
    dataset="imdb|yelp|sst|synthetic",
    arch="lstm|gru|ugrnn|vanilla",


def data_params(wildcards):
    """Everything that changes a prepared dataset."""
    params = dict(cell_config(config, wildcards.dataset)["data"], seed=config["seed"])
    if wildcards.dataset == "synthetic":
        params["synthetic"] = config.get("synthetic", {})
    return params


def train_params(wildcards):
    """Everything that changes one trained grid cell (its own overrides only)."""
    cell = cell_config(config, wildcards.dataset, wildcards.arch)
    return {"model": cell["model"], "training": cell["training"], "seed": config["seed"]}


def data_outputs(dataset):
    return {
        split: f"results/data/{dataset}/{split}.parquet"
        for split in ("train", "valid", "test", "vocab", "source")
    }


def prepared(wildcards):
    return data_outputs(wildcards.dataset)


def archive_input(wildcards):
    """The dataset's archive when it is already on disk, so replacing it reruns the stage.

    A missing archive is not an input: the job downloads it (or says where to put it).
    """
    if wildcards.dataset == "synthetic":
        return []
    from rnn_dynamics.data.archives import candidate_paths

    for path in candidate_paths(wildcards.dataset, Path(config["data_dir"])):
        if path.is_file():
            return [str(path)]
    return []
