"""Reliability of training in real processes: a SIGKILLed run resumes to the same result, runs
are bit-for-bit repeatable across processes, and two grid cells training at once into one
results tree never touch each other's files.

Each run is ``train_grid_cell`` (the workflow's ``train`` rule) in a fresh Python process, with
the rule's layout: outputs under ``results/models/{dataset}/{arch}``, resume state under
``results/checkpoints/{dataset}/{arch}``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch

from rnn_dynamics.data.prepare import prepare_dataset
from rnn_dynamics.io import read_parquet
from rnn_dynamics.models import load_model

CELL = {
    "model": {"embed_dim": 8, "hidden_size": 16, "num_layers": 1},
    "training": {"epochs": 3, "batch_size": 16, "lr": 0.01, "patience": 5, "search_trials": 2,
                 "search_space": {"lr": [1e-3, 3e-2]}, "eval_batch_size": 256},
    "seed": 7,
}
OUTPUTS = ("model.pt", "history.parquet", "metrics.parquet")

WORKER = """
import json, logging, os, sys, time
from pathlib import Path
import torch
torch.set_num_threads(1)
logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
from rnn_dynamics.pipeline.training import train_grid_cell
args = json.loads(sys.argv[1])
if "barrier" in args:  # start training only when every worker has imported everything
    barrier = Path(args.pop("barrier"))
    (barrier.parent / (barrier.name + "." + args["arch"])).touch()
    while not barrier.exists():
        time.sleep(0.01)
train_grid_cell(**args)
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("data") / "results" / "data" / "synthetic"
    prepare_dataset("synthetic", out, data_dir=None, vocab_size=200, valid_fraction=0.1,
                    max_length=None, seed=0,
                    synthetic={"n_train": 700, "n_valid": 100, "n_test": 100,
                               "min_length": 8, "max_length": 30})
    return out


def _args(data_dir: Path, root: Path, arch: str) -> dict:
    models = root / "results" / "models" / "synthetic" / arch
    return {
        **{f"{name}_path": str(data_dir / f"{name}.parquet")
           for name in ("train", "valid", "test", "vocab")},
        "arch": arch, "cell": CELL, "device": "cpu", "dataset": "synthetic",
        "work_dir": str(root / "results" / "checkpoints" / "synthetic" / arch),
        "model_path": str(models / "model.pt"), "history_path": str(models / "history.parquet"),
        "metrics_path": str(models / "metrics.parquet"),
    }


def _start(data_dir: Path, root: Path, arch: str, hash_seed: str = "0",
           barrier: Path | None = None) -> subprocess.Popen:
    args = _args(data_dir, root, arch)
    if barrier is not None:
        args["barrier"] = str(barrier)
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen) -> str:
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    return err


def _train(data_dir: Path, root: Path, arch: str = "gru", hash_seed: str = "0") -> str:
    return _finish(_start(data_dir, root, arch, hash_seed))


def _cell(root: Path, arch: str = "gru") -> dict:
    models = root / "results" / "models" / "synthetic" / arch
    blob = torch.load(models / "model.pt", map_location="cpu", weights_only=True)
    return {"state": blob["state_dict"], "meta": blob["meta"],
            "history": read_parquet(models / "history.parquet"),
            "metrics": read_parquet(models / "metrics.parquet"),
            "sha256": {name: hashlib.sha256((models / name).read_bytes()).hexdigest()
                       for name in OUTPUTS}}


def _assert_same_cell(a: dict, b: dict) -> None:
    """Weights bit for bit, meta and tables exactly, and every output file byte for byte."""
    assert a["state"].keys() == b["state"].keys()
    for key in a["state"]:
        assert torch.equal(a["state"][key], b["state"][key]), key
    assert a["meta"] == b["meta"]
    pd.testing.assert_frame_equal(a["history"], b["history"])
    pd.testing.assert_frame_equal(a["metrics"], b["metrics"])
    assert a["sha256"] == b["sha256"]


@pytest.fixture(scope="module")
def reference(data_dir, tmp_path_factory) -> dict:
    """One uninterrupted run of the gru cell."""
    root = tmp_path_factory.mktemp("reference")
    _train(data_dir, root, hash_seed="1")
    cell = _cell(root)
    assert len(cell["history"]) == 6 and cell["meta"]["arch"] == "gru"
    return cell


def _resume_state(path: Path) -> dict | None:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (FileNotFoundError, RuntimeError, EOFError):
        return None


def _kill_when(proc: subprocess.Popen, resume: Path, wanted) -> dict:
    """SIGKILL ``proc`` as soon as the resume state on disk satisfies ``wanted(state)``."""
    seen = None
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the run finished before it could be killed: " + \
            proc.stderr.read()[-2000:]
        try:
            stat = resume.stat()
            key = (stat.st_ino, stat.st_mtime_ns)
        except FileNotFoundError:
            key = None
        if key is not None and key != seen:
            seen = key
            state = _resume_state(resume)
            if state is not None and wanted(state):
                os.kill(proc.pid, signal.SIGKILL)
                proc.communicate(timeout=60)
                assert proc.returncode == -signal.SIGKILL
                return state
        time.sleep(0.002)
    proc.kill()
    raise AssertionError("the wanted training state never appeared")


def _epochs_done(state: dict) -> int:
    return len(state["history"]["epoch"])


def test_sigkilled_training_resumes_to_the_uninterrupted_result(data_dir, tmp_path, reference):
    root = tmp_path / "killed"
    resume = root / "results" / "checkpoints" / "synthetic" / "gru" / "resume.pt"
    models = root / "results" / "models" / "synthetic" / "gru"

    # kill 1: in trial 0's second epoch (right after the first epoch's state is on disk)
    proc = _start(data_dir, root, "gru")
    state = _kill_when(proc, resume, lambda s: _epochs_done(s) == 1)
    assert _epochs_done(_resume_state(resume)) == 1  # killed before epoch 2 was saved: mid-epoch
    assert not models.exists() or not any(models.iterdir())  # no rule output yet

    # kill 2: in trial 1's second epoch, after trial 0 finished and its weights were saved
    proc = _start(data_dir, root, "gru")
    state = _kill_when(proc, resume, lambda s: s["current"] is not None
                       and s["current"]["trial"] == 1 and _epochs_done(s) == 4)
    assert [t["trial"] for t in state["trials_done"]] == [0]
    assert _epochs_done(_resume_state(resume)) == 4
    assert (resume.parent / "trial_0.pt").exists()
    assert not models.exists() or not any(models.iterdir())

    # the rerun continues (it does not start over) and ends exactly where an unkilled run ends
    log = _train(data_dir, root, hash_seed="2")
    assert "resuming after 1 finished trial(s)" in log
    trained = re.findall(r"gru trial (\d+) epoch (\d+): train loss", log)
    assert trained == [("1", "2"), ("1", "3")]  # only what the kills interrupted
    assert sorted(p.name for p in models.iterdir()) == sorted(OUTPUTS)
    resumed = _cell(root)
    _assert_same_cell(reference, resumed)
    assert not list(root.rglob("*.tmp"))


def test_training_is_bit_for_bit_repeatable_across_processes(data_dir, tmp_path, reference):
    _train(data_dir, tmp_path, hash_seed="3")
    again = _cell(tmp_path)
    _assert_same_cell(reference, again)
    model, meta = load_model(tmp_path / "results" / "models" / "synthetic" / "gru" / "model.pt",
                             expect={"arch": "gru", "vocab_hash": reference["meta"]["vocab_hash"]})
    assert meta["dataset"] == "synthetic" and not model.training


def test_two_cells_training_at_once_keep_to_their_own_files(data_dir, tmp_path, reference):
    barrier = tmp_path / "go"
    procs = {arch: _start(data_dir, tmp_path, arch, hash_seed=str(i), barrier=barrier)
             for i, arch in enumerate(("gru", "lstm"))}
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"go.{arch}").exists() for arch in procs):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs.values())
        time.sleep(0.01)
    barrier.touch()  # both start training at the same moment, into the same results tree
    for proc in procs.values():
        _finish(proc)
    results = tmp_path / "results"
    for arch in procs:
        models = results / "models" / "synthetic" / arch
        work_dir = results / "checkpoints" / "synthetic" / arch
        assert sorted(p.name for p in models.iterdir()) == sorted(OUTPUTS)
        assert sorted(p.name for p in work_dir.iterdir()) == [
            "resume.pt", "trial_0.pt", "trial_1.pt"]
        for name in ("trial_0.pt", "trial_1.pt"):
            load_model(work_dir / name, expect={"arch": arch})
    assert sorted(p.name for p in (results / "models" / "synthetic").iterdir()) == ["gru", "lstm"]
    assert not list(tmp_path.rglob("*.tmp"))

    gru, lstm = _cell(tmp_path, "gru"), _cell(tmp_path, "lstm")
    _assert_same_cell(reference, gru)  # exactly what the gru cell gives when trained alone
    assert lstm["meta"]["arch"] == "lstm" and (lstm["metrics"]["arch"] == "lstm").all()
    assert lstm["state"].keys() != gru["state"].keys() or any(
        not torch.equal(lstm["state"][k], gru["state"][k]) for k in lstm["state"])
    assert len(lstm["history"]) == 6
