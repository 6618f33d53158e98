"""The workflow on a real SLURM cluster with profiles/slurm gives what a local run gives.

Needs a SLURM whose only node is this host (`.ci/slurm-up` starts one from Debian's packages;
`.ci/run` does that before pytest) and the `slurm` extra; skipped, with the reason, otherwise.
One reduced demo grid (the tiny config of test_workflow.py), targets: the accuracy table and the
fixed points of both cells (prepare_data, bow, train, states, fixed_points, accuracy_table), run
once locally and once through sbatch with the same seeds; every Parquet table must be equal
(wall-time columns excepted) and every model state dict bit-identical.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from .conftest import REPO
from .test_workflow import TINY_DEMO

ARCHS = TINY_DEMO["archs"]
TARGETS = ["results/tables/accuracy.parquet",
           *(f"results/analysis/synthetic/{arch}/fixed_points.parquet" for arch in ARCHS)]
EXPECTED_JOBS = {"prepare_data": 1, "bow": 1, "train": 2, "accuracy_table": 1, "states": 2,
                 "fixed_points": 2}
WALL_TIME = re.compile(r"seconds|per_s$")      # seconds, wall_seconds, tokens_per_s
STATUS_FILE = Path(os.environ.get("SLURM_UP_STATUS", "/tmp/rnn-dynamics-slurm/status"))
JOB_MEM_MB = 2000          # every job's request on the test node (tiny models need < 1 GB)

pytestmark = pytest.mark.slow


def _why_no_cluster() -> str | None:
    """None when a SLURM cluster whose only node is this host answers, else why not."""
    hint = "start one with .ci/slurm-up (Debian, as root)"
    if STATUS_FILE.exists() and STATUS_FILE.read_text().startswith("unavailable"):
        hint = f".ci/slurm-up said: {STATUS_FILE.read_text().strip()}"
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        return "snakemake-executor-plugin-slurm is not installed (pip install -e '.[slurm]')"
    for tool in ("sbatch", "squeue", "sinfo", "scontrol"):
        if shutil.which(tool) is None:
            return f"no SLURM here ({tool} not on PATH); {hint}"
    try:
        proc = subprocess.run(["sinfo", "-h", "-o", "%N %T"], check=False, capture_output=True,
                              text=True, timeout=15)
    except subprocess.TimeoutExpired:
        return f"sinfo did not answer within 15 s; {hint}"
    if proc.returncode != 0:
        return f"sinfo failed ({proc.stderr.strip() or proc.returncode}); {hint}"
    rows = [line.split() for line in proc.stdout.splitlines() if line.strip()]
    nodes = {row[0] for row in rows}
    here = socket.gethostname().split(".")[0]
    if nodes != {here}:
        return f"the SLURM cluster's nodes are {sorted(nodes)}, not only this host ({here}): " \
               "the test needs its tmp dir shared with the compute node"
    if not any(row[1].rstrip("*~#") in ("idle", "mixed") for row in rows):
        return f"node {here} is not idle ({', '.join(row[1] for row in rows)}); {hint}"
    return None


def _node_memory_mb() -> int:
    out = subprocess.run(["scontrol", "show", "node", socket.gethostname().split(".")[0]],
                         check=False, capture_output=True, text=True, timeout=15).stdout
    match = re.search(r"RealMemory=(\d+)", out)
    return int(match.group(1)) if match else 0


def _rule_names() -> list[str]:
    names = []
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        names += re.findall(r"^rule (\w+):", smk.read_text(), flags=re.MULTILINE)
    return names


def ci_overlay(directory: Path) -> Path:
    """A workflow profile given on top of ``--profile profiles/slurm`` to fit the test node.

    It changes only what this node and this comparison need (per top-level key, as Snakemake
    merges profiles): squeue for job status (no accounting database), no account, no GPUs, a
    small memory request, quick status polls, no retries, and the same thread counts as the
    local run (so that both runs do bit-identical arithmetic).
    """
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    set_resources = {rule: {k: v for k, v in res.items() if k not in ("gpu", "cpus_per_gpu")}
                     for rule, res in profile.get("set-resources", {}).items()}
    for rule in _rule_names():
        set_resources.setdefault(rule, {})["mem_mb"] = JOB_MEM_MB
    overlay = {
        "slurm-status-command": "squeue",
        "slurm-no-account": True,
        "slurm-init-seconds-before-status-checks": 2,
        "slurm-keep-successful-logs": True,
        "latency-wait": 5,
        "retries": 0,
        "jobs": 4,
        "set-resources": set_resources,
        "set-threads": {"train": TINY_DEMO["train_threads"], "fixed_points": 2},
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.yaml").write_text(yaml.safe_dump(overlay, sort_keys=False))
    return directory


def run_snakemake(workdir: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir),
           *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env,
                          cwd=workdir, timeout=timeout)
    if proc.returncode != 0:
        slurm_logs = sorted((workdir / ".snakemake" / "slurm_logs").rglob("*.log"))
        tails = "\n".join(f"--- {p}\n{p.read_text()[-1500:]}" for p in slurm_logs[-3:])
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n"
                             f"{proc.stderr[-6000:]}\n{tails}")
    return proc


def _project(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.yaml").write_text(yaml.safe_dump(TINY_DEMO))
    return directory


def assert_tables_equal(left: Path, right: Path, relative: str) -> None:
    a, b = pd.read_parquet(left / relative), pd.read_parquet(right / relative)
    drop = [c for c in a.columns if WALL_TIME.search(c)]
    a, b = a.drop(columns=drop), b.drop(columns=drop, errors="ignore")
    assert list(a.columns) == list(b.columns), relative
    assert len(a) == len(b), relative
    for column in a.columns:
        x, y = a[column].to_numpy(), b[column].to_numpy()
        if x.dtype != object:
            assert np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"), f"{relative}:{column}"
            continue
        for i, (u, v) in enumerate(zip(x, y)):
            u, v = np.asarray(u), np.asarray(v)
            same = (np.array_equal(u, v, equal_nan=True) if u.dtype.kind in "fc"
                    else np.array_equal(u, v))
            assert same, f"{relative}:{column} row {i}: {u!r} != {v!r}"


@pytest.fixture(scope="module")
def cluster() -> None:
    reason = _why_no_cluster()
    if reason:
        pytest.skip(reason)
    if _node_memory_mb() < JOB_MEM_MB:
        pytest.skip(f"the SLURM node has less than {JOB_MEM_MB} MB")


def test_slurm_run_matches_local_run(cluster, tmp_path):
    local = _project(tmp_path / "local")
    start = time.perf_counter()
    run_snakemake(local, "--cores", "2", "--workflow-profile", "none", *TARGETS)
    local_s = time.perf_counter() - start

    remote = _project(tmp_path / "slurm")
    overlay = ci_overlay(tmp_path / "ci-profile")
    start = time.perf_counter()
    proc = run_snakemake(remote, "--profile", str(REPO / "profiles" / "slurm"),
                         "--workflow-profile", str(overlay), *TARGETS)
    slurm_s = time.perf_counter() - start
    print(f"local run {local_s:.0f} s, SLURM run {slurm_s:.0f} s")

    # every job went through sbatch (one SLURM log per job, all kept for this test)
    log = proc.stdout + proc.stderr
    submitted = re.findall(r"Job \d+ has been submitted with SLURM jobid (\d+)", log)
    logdir = remote / ".snakemake" / "slurm_logs"
    slurm_logs = [p.relative_to(logdir) for p in logdir.rglob("*.log")]
    assert len(submitted) == sum(EXPECTED_JOBS.values()), log[-3000:]
    assert len(slurm_logs) == sum(EXPECTED_JOBS.values())
    assert {p.parts[0] for p in slurm_logs} == {f"rule_{rule}" for rule in EXPECTED_JOBS}

    tables = sorted(str(p.relative_to(local)) for p in (local / "results").rglob("*.parquet"))
    assert tables == sorted(str(p.relative_to(remote))
                            for p in (remote / "results").rglob("*.parquet"))
    assert set(TARGETS) <= set(tables)
    for relative in tables:
        assert_tables_equal(local, remote, relative)
    for arch in ARCHS:
        relative = f"results/models/synthetic/{arch}/model.pt"
        a = torch.load(local / relative, weights_only=True)
        b = torch.load(remote / relative, weights_only=True)
        assert a["meta"] == b["meta"]
        assert a["state_dict"].keys() == b["state_dict"].keys()
        for name, tensor in a["state_dict"].items():
            assert torch.equal(tensor, b["state_dict"][name]), f"{relative}: {name} differs"
