"""train_cell learns, is deterministic, resumes exactly after a kill and survives divergence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rnn_dynamics.errors import NumericalError
from rnn_dynamics.training import HISTORY_COLUMNS, ModelConfig, TrainConfig, evaluate, train_cell
from rnn_dynamics.training import loop as loop_module

VOCAB = 12
TIMING = ["seconds", "tokens_per_s", "wall_seconds"]


def counting_task(n: int, seed: int) -> pd.DataFrame:
    """Label 1 when token 2 occurs more often than token 3 (ties dropped); fillers 4..11."""
    rng = np.random.default_rng(seed)
    rows = []
    while len(rows) < n:
        length = int(rng.integers(4, 25))
        ids = rng.choice(np.arange(2, VOCAB), size=length,
                         p=[0.15, 0.15] + [0.7 / (VOCAB - 4)] * (VOCAB - 4)).astype(np.int32)
        diff = int((ids == 2).sum()) - int((ids == 3).sum())
        if diff != 0:
            rows.append({"ids": ids, "label": int(diff > 0), "length": length})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def data():
    return counting_task(400, 0), counting_task(150, 1), counting_task(150, 2)


MODEL = ModelConfig(embed_dim=8, hidden_size=12)


def _train(data, work_dir, **overrides):
    cfg = {"epochs": 3, "batch_size": 32, "lr": 0.01, "patience": 5, "eval_batch_size": 128,
           **overrides.pop("cfg", {})}
    return train_cell(*data, arch=overrides.pop("arch", "gru"), vocab_size=VOCAB, model_cfg=MODEL,
                      train_cfg=TrainConfig.from_dict(cfg), seed=overrides.pop("seed", 0),
                      device="cpu", work_dir=work_dir, progress=False, **overrides)


def _same_weights(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def _untimed(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in TIMING if c in df.columns])


def test_small_gru_learns_the_counting_task(data, tmp_path):
    result = _train(data, tmp_path, cfg={"epochs": 12, "lr": 0.02})
    m = result.metrics.iloc[0]
    assert m["test_acc"] > 0.9, result.history
    assert list(result.history.columns) == list(HISTORY_COLUMNS)
    assert {"arch", "train_acc", "valid_acc", "test_acc", "best_trial", "best_epoch", "n_params",
            "device"} <= set(result.metrics.columns)
    assert not {"seconds", "wall_seconds", "tokens_per_s"} & set(result.metrics.columns)
    assert list(result.timings.columns) == ["trial", "epoch", "seconds", "tokens_per_s"]
    assert (result.timings["seconds"] > 0).all()
    assert m["valid_acc"] == pytest.approx(result.history["valid_acc"].max())
    assert (result.history["padding_fraction"] < 0.5).all()
    assert evaluate(result.model, data[2], 64, "cpu")[1] == pytest.approx(m["test_acc"])


def test_same_seed_same_weights(data, tmp_path):
    a = _train(data, tmp_path / "a", arch="lstm", cfg={"epochs": 2})
    b = _train(data, tmp_path / "b", arch="lstm", cfg={"epochs": 2})
    c = _train(data, tmp_path / "c", arch="lstm", cfg={"epochs": 2}, seed=1)
    assert _same_weights(a.model, b.model) and not _same_weights(a.model, c.model)
    pd.testing.assert_frame_equal(_untimed(a.history), _untimed(b.history))


class Killed(Exception):
    pass


def _kill_at(trial: int, epoch: int):
    def callback(t: int, e: int) -> None:
        if (t, e) == (trial, epoch):
            raise Killed
    return callback


def test_resume_after_kills_matches_uninterrupted_run(data, tmp_path):
    cfg = {"epochs": 3, "search_trials": 2, "search_space": {"lr": [1e-3, 3e-2]}}
    whole = _train(data, tmp_path / "whole", arch="ugrnn", cfg=cfg)
    for trial, epoch in [(0, 1), (1, 2)]:
        with pytest.raises(Killed):
            _train(data, tmp_path / "killed", arch="ugrnn", cfg=cfg,
                   on_epoch_end=_kill_at(trial, epoch))
    visited = []
    resumed = _train(data, tmp_path / "killed", arch="ugrnn", cfg=cfg,
                     on_epoch_end=lambda t, e: visited.append((t, e)))
    assert visited == [(1, 3)]  # only the epoch after the last kill was trained again
    assert _same_weights(whole.model, resumed.model)
    pd.testing.assert_frame_equal(_untimed(whole.metrics), _untimed(resumed.metrics))
    pd.testing.assert_frame_equal(_untimed(whole.history), _untimed(resumed.history))
    assert len(resumed.history) == 6 and whole.best_trial == resumed.best_trial


def test_changed_config_starts_fresh(data, tmp_path):
    with pytest.raises(Killed):
        _train(data, tmp_path, cfg={"epochs": 2}, on_epoch_end=_kill_at(0, 1))
    result = _train(data, tmp_path, cfg={"epochs": 2, "lr": 0.005})
    assert result.history["lr"].tolist() == [0.005, 0.005]


def test_diverged_trial_is_recorded_and_never_chosen(data, tmp_path, monkeypatch):
    real_build = loop_module.build_model
    poisoned = {1}
    calls = []

    def build(*args, **kwargs):
        model = real_build(*args, **kwargs)
        if len(calls) in poisoned:
            with torch.no_grad():
                model.embedding.weight[5] = float("nan")
        calls.append(1)
        return model

    monkeypatch.setattr(loop_module, "build_model", build)
    cfg = {"epochs": 2, "search_trials": 2, "search_space": {"lr": [1e-3, 3e-2]}}
    result = _train(data, tmp_path / "one", cfg=cfg)
    h = result.history
    assert h.loc[h["trial"] == 1, "diverged"].tolist() == [True]
    assert not h.loc[h["trial"] == 0, "diverged"].any()
    assert result.best_trial["trial"] == 0 and result.metrics.iloc[0]["best_trial"] == 0

    calls.clear()
    poisoned.update({0})
    with pytest.raises(NumericalError, match="all 2 training trial"):
        _train(data, tmp_path / "all", cfg=cfg)
