"""Same config and seed -> identical tables, across separate processes (CPU).

Each run is a fresh interpreter with its own ``PYTHONHASHSEED``, so anything that depends on
set/dict iteration order of strings, or on state left over in a process, shows up as a
difference. Training's run-to-run identity is in tests/test_reliability_training.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rnn_dynamics.io import read_parquet

DATA_TABLES = ("train", "valid", "test", "vocab", "source")
WORKER = """
import json, sys
from pathlib import Path
from rnn_dynamics.baselines.bow import run_bow
from rnn_dynamics.data.prepare import prepare_dataset
args = json.loads(sys.argv[1])
root = Path(args["root"])
data = root / "results" / "data" / "synthetic"
prepare_dataset("synthetic", data, data_dir=None, vocab_size=300, valid_fraction=0.1,
                max_length=25, max_train=500, seed=args["seed"],
                synthetic={"n_train": 800, "n_valid": 120, "n_test": 120})
bow = root / "results" / "baselines" / "synthetic"
run_bow(*(data / f"{s}.parquet" for s in ("train", "valid", "test", "vocab")),
        metrics_path=bow / "bow_metrics.parquet",
        coefficients_path=bow / "bow_coefficients.parquet",
        C_grid=[0.1, 1.0, 10.0], seed=args["seed"])
"""


def _run(root: Path, seed: int, hash_seed: str) -> Path:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "OMP_NUM_THREADS": "1"}
    args = json.dumps({"root": str(root), "seed": seed})
    proc = subprocess.run([sys.executable, "-c", WORKER, args], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root / "results"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("determinism")
    return {"a": _run(base / "a", 5, "11"), "b": _run(base / "b", 5, "22"),
            "other_seed": _run(base / "c", 6, "11")}


def test_prepared_data_is_byte_identical(runs):
    for name in DATA_TABLES:
        a = runs["a"] / "data" / "synthetic" / f"{name}.parquet"
        b = runs["b"] / "data" / "synthetic" / f"{name}.parquet"
        assert a.read_bytes() == b.read_bytes(), name
    other = runs["other_seed"] / "data" / "synthetic" / "train.parquet"
    assert other.read_bytes() != (runs["a"] / "data" / "synthetic" / "train.parquet").read_bytes()


def test_bow_baseline_is_byte_identical(runs):
    a, b = (runs[k] / "baselines" / "synthetic" for k in ("a", "b"))
    for name in ("bow_coefficients.parquet", "bow_metrics.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ma = read_parquet(a / "bow_metrics.parquet")
    assert 0.5 < ma.loc[0, "test_acc"] <= 1.0
    coefs = read_parquet(a / "bow_coefficients.parquet")
    other = read_parquet(runs["other_seed"] / "baselines" / "synthetic"
                         / "bow_coefficients.parquet")
    assert not coefs.equals(other)  # a different seed is a different run: the test can fail


def test_batched_linear_algebra_gives_the_same_bytes_for_any_number_of_workers():
    """A rule's ``threads:`` (1 under ``--cores 1``, else 2) only sets how many workers share
    fixed blocks, so eigen-decompositions and solves come out bit for bit the same."""
    import torch

    from rnn_dynamics import runtime
    from rnn_dynamics.analysis._linalg import BLOCK, batched_solve, eig

    gen = torch.Generator().manual_seed(0)
    a = torch.randn(3 * BLOCK + 5, 40, 40, generator=gen, dtype=torch.float64)
    b = torch.randn(3 * BLOCK + 5, 40, generator=gen, dtype=torch.float64)
    results = []
    for threads in (1, 2, 3):
        runtime.set_threads(threads)
        assert runtime.workers() == threads and torch.get_num_threads() == 1
        values, vectors = eig(a)
        results.append((batched_solve(a, b), values, vectors))
    runtime.set_threads(1)
    for other in results[1:]:
        for x, y in zip(results[0], other):
            assert x.numpy().tobytes() == y.numpy().tobytes()
