"""Bag-of-words baseline: learns valence from word presence and picks C on validation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnn_dynamics.baselines.bow import fit_bow, presence_matrix, run_bow
from rnn_dynamics.io import read_parquet, write_parquet

GOOD, BAD = 2, 3
FILLER = np.arange(4, 30)


def _docs(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        label = int(rng.integers(2))
        ids = rng.choice(FILLER, size=rng.integers(5, 15)).tolist()
        ids.insert(int(rng.integers(len(ids))), GOOD if label else BAD)
        rows.append({"ids": np.array(ids, np.int32), "label": label, "length": len(ids)})
    return pd.DataFrame(rows)


def _vocab() -> pd.DataFrame:
    tokens = ["<pad>", "<unk>", "good", "bad"] + [f"w{i}" for i in FILLER]
    return pd.DataFrame({"token": tokens, "id": np.arange(len(tokens)), "count": np.ones(len(tokens), int)})


def test_presence_matrix_is_binary_and_ignores_pad_and_unk():
    X = presence_matrix([np.array([0, 1, 2, 2, 5]), np.array([3])], vocab_size=6)
    assert X.toarray().tolist() == [[0, 0, 1, 0, 0, 1], [0, 0, 0, 1, 0, 0]]


def test_bow_learns_valence_words_and_reports_test_accuracy():
    metrics, coefs, _ = fit_bow(_docs(400, 0), _docs(100, 1), _docs(200, 2), _vocab(), C_grid=[1e-4, 1.0])
    assert metrics.loc[0, "test_acc"] > 0.95
    grid = dict(zip(metrics.loc[0, "C_grid"], metrics.loc[0, "valid_acc_grid"]))
    assert grid[metrics.loc[0, "C"]] == max(grid.values()) == metrics.loc[0, "valid_acc"]
    by_token = coefs.set_index("token")["coef"]
    assert by_token["good"] > 0 > by_token["bad"]
    assert by_token.drop(["good", "bad"]).abs().max() < min(by_token["good"], -by_token["bad"])
    assert set(coefs.columns) == {"token", "id", "coef", "count"}


def test_run_bow_writes_both_tables(tmp_path):
    paths = {}
    for name, df in {"train": _docs(200, 0), "valid": _docs(50, 1), "test": _docs(50, 2), "vocab": _vocab()}.items():
        paths[name] = tmp_path / f"{name}.parquet"
        write_parquet(df, paths[name])
    run_bow(paths["train"], paths["valid"], paths["test"], paths["vocab"],
            metrics_path=tmp_path / "m.parquet", coefficients_path=tmp_path / "c.parquet", C_grid=[1.0])
    assert read_parquet(tmp_path / "m.parquet").loc[0, "model"] == "bow"
    assert len(read_parquet(tmp_path / "c.parquet")) == len(_vocab())
