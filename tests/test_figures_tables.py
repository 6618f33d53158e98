"""Real analysis and context tables for the figure tests, from the shared synthetic GRU.

``figure_tables()`` runs every analysis stage once per process (1 torch thread) on the GRU of
:mod:`.test_context_fixture` (trained once, shared with the context tests) and writes the tables
the figures read into a temporary directory; the context tables are the ones
:mod:`.test_context_synthetic` already computes (shared, not recomputed). Also writes the
PCA table (trained vs a freshly initialised network of the same shape) and empty tables with
the stages' schemas, for the "no fixed points" cases.
"""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from rnn_dynamics.analysis import stages
from rnn_dynamics.analysis.states import pca_variance
from rnn_dynamics.io import read_parquet, write_parquet
from rnn_dynamics.models import build_model, save_model

from .test_context_fixture import synthetic_cell
from .test_context_synthetic import tables as context_tables

CONTEXT_NAMES = ("modifiers", "subspace", "dynamics", "position", "augmented", "perturbation")


def _pca_rows(states: np.ndarray, model: str) -> pd.DataFrame:
    ratio = pca_variance(states)
    return pd.DataFrame({"model": model, "component": np.arange(1, len(ratio) + 1),
                         "explained_variance_ratio": ratio, "cumulative": np.cumsum(ratio)})


@lru_cache(maxsize=1)
def figure_tables() -> dict[str, Path]:
    """Paths of every table (and the checkpoint) a figure reads; ``empty_*`` for the empty
    downstream tables written when no fixed point was kept."""
    cell = synthetic_cell()
    out = Path(tempfile.mkdtemp(prefix="figure-tables-"))
    paths = {name: out / f"{name}.parquet" for name in
             ("states", "fixed_points", "spectra", "geometry", "word_effects", "linearised",
              "pca")}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        m, test = cell.model, cell.test
        states = stages.run_states_stage(m, test, paths["states"], n_docs=150, device="cpu")
        fps = stages.run_fixed_point_stage(m, states, paths["fixed_points"], n_starts=96,
                                           noise_std=0.0, device="cpu")
        spectra = stages.run_spectra_stage(m, fps, test, cell.coefs, paths["spectra"],
                                           device="cpu")
        stages.run_geometry_stage(m, fps, spectra, paths["geometry"], n_null=2000)
        stages.run_word_effects_stage(m, fps, spectra, cell.coefs, paths["word_effects"],
                                      n_words=15, device="cpu")
        stages.run_linearised_stage(m, fps, test, paths["linearised"], n_docs=150,
                                    device="cpu")
        torch.manual_seed(0)
        untrained = build_model("gru", m.vocab_size, m.embed_dim, m.hidden_size)
        untrained_states = stages.run_states_stage(untrained, test, out / "untrained.parquet",
                                                   n_docs=150, device="cpu")
        h = np.stack(states["h"].to_numpy())
        h_u = np.stack(untrained_states["h"].to_numpy())
        write_parquet(pd.concat([_pca_rows(h, "trained"), _pca_rows(h_u, "untrained")],
                                ignore_index=True), paths["pca"])
        save_model(m, out / "model.pt")
        paths["model"] = out / "model.pt"

        # No fixed point kept: what the stages write downstream.
        none = pd.DataFrame({"start_index": [0], "state_row": [0], "q": [1.0],
                             "converged": [False], "iterations": [5], "duplicate": [False],
                             "outlier": [False], "kept": [False],
                             "h": [np.zeros(m.state_dim, np.float32)]})
        paths["empty_fixed_points"] = out / "empty_fixed_points.parquet"
        write_parquet(none, paths["empty_fixed_points"])
        for name, fn, args in (
                ("spectra", stages.run_spectra_stage, (none, test, cell.coefs)),
                ("linearised", stages.run_linearised_stage, (none, test))):
            paths[f"empty_{name}"] = out / f"empty_{name}.parquet"
            fn(m, *args, paths[f"empty_{name}"], device="cpu")
        empty_spectra = read_parquet(paths["empty_spectra"])
        paths["empty_geometry"] = out / "empty_geometry.parquet"
        stages.run_geometry_stage(m, none, empty_spectra, paths["empty_geometry"])
        paths["empty_word_effects"] = out / "empty_word_effects.parquet"
        stages.run_word_effects_stage(m, none, empty_spectra, cell.coefs,
                                      paths["empty_word_effects"], device="cpu")
    finally:
        torch.set_num_threads(threads)

    for name, df in context_tables().items():
        paths[name] = out / f"{name}.parquet"
        write_parquet(df, paths[name])
        paths[f"empty_{name}"] = out / f"empty_{name}.parquet"
        write_parquet(df.iloc[:0], paths[f"empty_{name}"])
    return paths


def test_the_figure_tables_have_fixed_points_and_rows():
    paths = figure_tables()
    fps = read_parquet(paths["fixed_points"])
    assert fps["kept"].sum() >= 3
    for name in ("states", "spectra", "geometry", "word_effects", "linearised", "pca",
                 *CONTEXT_NAMES):
        assert len(read_parquet(paths[name])) > 0, name
    for name in ("spectra", "geometry", "word_effects", "linearised"):
        assert len(read_parquet(paths[f"empty_{name}"])) == 0, name
