"""Numerical trouble: a diverging run is never saved as best, and a fixed-point search that finds
nothing still lets every downstream stage and the summary table finish with explanatory output."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from rnn_dynamics.analysis import stages
from rnn_dynamics.errors import NumericalError
from rnn_dynamics.io import read_parquet, write_parquet
from rnn_dynamics.models import build_model, save_model
from rnn_dynamics.pipeline.dimensionality import run_dimensionality_stage
from rnn_dynamics.pipeline.stage import run_stage

STAGE_FUNCTIONS = {"states": stages.run_states_stage, "fixed_points": stages.run_fixed_point_stage,
                   "exact_fixed_points": stages.run_exact_fixed_points_stage,
                   "spectra": stages.run_spectra_stage, "geometry": stages.run_geometry_stage,
                   "word_effects": stages.run_word_effects_stage,
                   "linearised": stages.run_linearised_stage}
from rnn_dynamics.pipeline.training import train_grid_cell
from rnn_dynamics.tables.line_attractor import TABLES, line_attractor_table, summarise_cell
from rnn_dynamics.training import loop as loop_module

VOCAB = 30


def _docs(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = [rng.integers(2, VOCAB, size=int(rng.integers(3, 15))).astype(np.int32) for _ in range(n)]
    return pd.DataFrame({"ids": ids, "label": (np.arange(n) % 2).astype(np.int8),
                         "length": [len(d) for d in ids]})


@pytest.fixture(scope="module")
def cell(tmp_path_factory) -> dict[str, Path]:
    """A prepared-data folder, a BoW coefficient table and an (untrained) tiny saved model,
    laid out as the workflow lays them out."""
    root = tmp_path_factory.mktemp("cell")
    data = root / "results" / "data" / "synthetic"
    paths = {split: data / f"{split}.parquet" for split in ("train", "valid", "test")}
    for i, (split, path) in enumerate(paths.items()):
        write_parquet(_docs(40, i), path)
    vocab = pd.DataFrame({"token": ["<pad>", "<unk>"] + [f"w{i}" for i in range(2, VOCAB)],
                          "id": np.arange(VOCAB, dtype=np.int32),
                          "count": np.arange(VOCAB, dtype=np.int64)})
    paths["vocab"] = data / "vocab.parquet"
    write_parquet(vocab, paths["vocab"])
    coefs = vocab.assign(coef=np.linspace(-1, 1, VOCAB))[["token", "id", "coef", "count"]]
    bow = root / "results" / "baselines" / "synthetic"
    paths["bow_coefficients"] = bow / "bow_coefficients.parquet"
    write_parquet(coefs, paths["bow_coefficients"])
    torch.manual_seed(0)
    paths["model"] = root / "results" / "models" / "synthetic" / "gru" / "model.pt"
    save_model(build_model("gru", VOCAB, 4, 6, 1), paths["model"], {"dataset": "synthetic"})
    paths["root"] = root
    return paths


@pytest.mark.parametrize("search", [{"max_iters": 1, "tol": 1e-30}, {"max_iters": 1, "tol": 1e-12}],
                         ids=["one_iteration_tol_1e-30", "one_iteration"])
def test_nothing_converges_yet_every_stage_writes_its_table(cell, tmp_path, caplog, search):
    out = tmp_path / "results" / "analysis" / "synthetic" / "gru"
    written = {"pca": run_dimensionality_stage(cell["model"], cell["test"], out / "pca.parquet",
                                               n_docs=20, device="cpu")}
    tables = {"test": cell["test"], "bow_coefficients": cell["bow_coefficients"]}
    args = {"states": {"n_docs": 20, "device": "cpu"},
            "fixed_points": {"n_starts": 16, "noise_std": 0.01, "device": "cpu", **search},
            "exact_fixed_points": {"device": "cpu"}, "spectra": {"device": "cpu"},
            "geometry": {}, "word_effects": {"n_words": 3, "device": "cpu"},
            "linearised": {"n_docs": 10, "device": "cpu"}}
    with caplog.at_level(logging.WARNING, logger="rnn_dynamics"):
        for stage, kwargs in args.items():
            path = out / f"{stage}.parquet"
            written[stage] = run_stage(STAGE_FUNCTIONS[stage], cell["model"], tables, path, kwargs)
            assert path.is_file(), stage
            tables[stage] = path
    fixed = read_parquet(out / "fixed_points.parquet")
    assert len(fixed) == 16 and not fixed["kept"].any() and not fixed["converged"].any()
    for stage in ("exact_fixed_points", "spectra", "geometry", "word_effects", "linearised"):
        assert len(read_parquet(out / f"{stage}.parquet")) == 0, stage
    assert "No fixed points kept" in caplog.text and "Loosen the tolerance" in caplog.text

    row = summarise_cell({name: read_parquet(out / f"{name}.parquet") for name in TABLES})
    assert row["n_starts"] == 16 and row["n_converged"] == 0 and row["n_kept"] == 0
    assert row["exact_fixed_points"] == "" and row["pcs90_trained"] >= 1
    table = line_attractor_table({name: [out / f"{name}.parquet"] for name in TABLES})
    assert len(table) == 1 and table.loc[0, "dataset"] == "synthetic"
    assert table.loc[0, "arch"] == "gru" and table.loc[0, "n_kept"] == 0


def test_a_search_that_keeps_very_few_points_still_completes(cell, tmp_path):
    """tol = 1e-30 without an iteration limit: Newton reaches q = 0 exactly on this small GRU,
    and the converged starts collapse onto one or two distinct points (too few for PCA/LLE)."""
    out = tmp_path / "results" / "analysis" / "synthetic" / "gru"
    run_dimensionality_stage(cell["model"], cell["test"], out / "pca.parquet", n_docs=20,
                             device="cpu")
    tables = {"test": cell["test"], "bow_coefficients": cell["bow_coefficients"]}
    for stage, kwargs in [("states", {"n_docs": 20, "device": "cpu"}),
                          ("fixed_points", {"n_starts": 16, "noise_std": 0.01, "tol": 1e-30,
                                            "device": "cpu"}),
                          ("exact_fixed_points", {"device": "cpu"}), ("spectra", {"device": "cpu"}),
                          ("geometry", {}), ("word_effects", {"n_words": 3, "device": "cpu"}),
                          ("linearised", {"n_docs": 10, "device": "cpu"})]:
        run_stage(STAGE_FUNCTIONS[stage], cell["model"], tables, out / f"{stage}.parquet", kwargs)
        tables[stage] = out / f"{stage}.parquet"
    kept = int(read_parquet(out / "fixed_points.parquet")["kept"].sum())
    assert 1 <= kept <= 3
    assert len(read_parquet(out / "spectra.parquet")) == kept
    row = summarise_cell({name: read_parquet(out / f"{name}.parquet") for name in TABLES})
    assert row["n_kept"] == kept and np.isfinite(row["tau_1"])


def _poison_every_model(monkeypatch) -> None:
    real_build = loop_module.build_model

    def build(*args, **kwargs):
        model = real_build(*args, **kwargs)
        with torch.no_grad():
            model.embedding.weight[3] = float("inf")
        return model

    monkeypatch.setattr(loop_module, "build_model", build)


def _grid_args(cell: dict, root: Path, trials: int) -> dict:
    models = root / "models"
    return {"arch": "gru", "dataset": "synthetic", "device": "cpu",
            "work_dir": root / "checkpoints",
            "cell": {"model": {"embed_dim": 4, "hidden_size": 6},
                     "training": {"epochs": 2, "batch_size": 8, "search_trials": trials,
                                  "search_space": {"lr": [1e-3, 1e-2]}},
                     "seed": 0},
            "model_path": models / "model.pt", "history_path": models / "history.parquet",
            "metrics_path": models / "metrics.parquet"}


def test_a_diverged_run_is_never_saved(cell, tmp_path, monkeypatch):
    """Every trial diverges (non-finite loss): NumericalError, and neither a model nor its tables
    nor any trial checkpoint is written; the resume state records the divergence."""
    _poison_every_model(monkeypatch)
    args = _grid_args(cell, tmp_path, trials=2)
    with pytest.raises(NumericalError, match="diverged"):
        train_grid_cell(cell["train"], cell["valid"], cell["test"], cell["vocab"], **args)
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["resume.pt"]
    state = torch.load(tmp_path / "checkpoints" / "resume.pt", weights_only=True)
    assert [t["diverged"] for t in state["trials_done"]] == [True, True]
    assert all(state["history"]["diverged"])
    assert all(np.isnan(state["history"]["train_loss"]))


def test_a_diverged_trial_beside_a_good_one_is_not_chosen(cell, tmp_path, monkeypatch):
    real_build = loop_module.build_model
    built = []

    def build(*args, **kwargs):  # the second trial's model starts with an infinite weight
        model = real_build(*args, **kwargs)
        if built:
            with torch.no_grad():
                model.embedding.weight[3] = float("inf")
        built.append(model)
        return model

    monkeypatch.setattr(loop_module, "build_model", build)
    args = _grid_args(cell, tmp_path, trials=2)
    metrics = train_grid_cell(cell["train"], cell["valid"], cell["test"], cell["vocab"], **args)
    assert metrics.loc[0, "best_trial"] == 0 and np.isfinite(metrics.loc[0, "test_loss"])
    assert not (tmp_path / "checkpoints" / "trial_1.pt").exists()
    history = read_parquet(tmp_path / "models" / "history.parquet")
    assert history.loc[history["trial"] == 1, "diverged"].all()
    saved = torch.load(tmp_path / "models" / "model.pt", weights_only=True)["state_dict"]
    assert all(torch.isfinite(v).all() for v in saved.values())
