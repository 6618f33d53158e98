"""End-to-end run of every analysis stage on a tiny line-attractor "sentiment model" that
follows the model contract, checking the Parquet schemas and the expected findings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import spearmanr
from torch import nn

from rnn_dynamics.analysis import stages
from rnn_dynamics.io import read_parquet

N, E, V = 12, 3, 40


class LineModel(nn.Module):
    """h' = s m + P tanh(g(s) P h) + B x: integrates each word's valence along m."""

    def __init__(self, seed: int = 0):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        m = torch.randn(N, generator=gen)
        m = m / m.norm()
        self.register_buffer("m", m)
        self.register_buffer("proj", torch.eye(N) - torch.outer(m, m))
        self.register_buffer("b", torch.randn(N, E, generator=gen) * 0.3)
        self.embedding = nn.Embedding(V, E, padding_idx=0)
        with torch.no_grad():
            self.embedding.weight.copy_(torch.randn(V, E, generator=gen))
            self.embedding.weight[0] = 0
        self.state_dim, self.input_dim = N, E

    def step(self, h, x):
        s = h @ self.m
        gain = 0.5 + 0.3 * torch.tanh(0.3 * s)
        return (s.unsqueeze(-1) * self.m + torch.tanh(gain.unsqueeze(-1) * (h @ self.proj))
                @ self.proj + x @ self.b.T)

    def initial_state(self):
        return torch.zeros(N, device=self.m.device)

    def readout_vector(self):
        return self.m

    def readout_logit(self, h):
        return h @ self.m

    def valence(self):
        return (self.embedding.weight @ self.b.T @ self.m).detach()

    def hidden_states(self, ids, lengths):
        x = self.embedding(ids)
        h = self.initial_state().expand(ids.shape[0], -1)
        out = []
        for t in range(ids.shape[1]):
            h = torch.where((t < lengths).unsqueeze(-1), self.step(h, x[:, t]), h)
            out.append(h)
        return torch.stack(out, 1)


@pytest.fixture(scope="module")
def data():
    model = LineModel()
    rng = np.random.default_rng(0)
    valence = model.valence().numpy()
    docs, labels = [], []
    for _ in range(60):
        ids = rng.integers(2, V, size=rng.integers(5, 25)).astype(np.int32)
        docs.append(ids)
        labels.append(int(valence[ids].sum() > 0))
    test = pd.DataFrame({"ids": docs, "label": labels, "length": [len(d) for d in docs]})
    coefs = pd.DataFrame({"token": [f"w{i}" for i in range(V)], "id": np.arange(V),
                          "coef": valence, "count": rng.integers(1, 100, V)})
    return model, test, coefs


def test_all_stages(data, tmp_path):
    model, test, coefs = data
    states = stages.run_states_stage(model, test, tmp_path / "states.parquet", n_docs=40,
                                     device="cpu")
    assert list(read_parquet(tmp_path / "states.parquet").columns) == stages.STATES_COLUMNS
    assert len(states) == test["length"].nlargest(40).sum() or len(states) > 100
    fps = stages.run_fixed_point_stage(model, states, tmp_path / "fp.parquet", n_starts=120,
                                       noise_std=0.05, device="cpu")
    assert fps["kept"].sum() > 20 and (fps.loc[fps["converged"], "q"] < 1e-8).all()
    assert "state_row" in read_parquet(tmp_path / "fp.parquet").columns

    exact = stages.run_exact_fixed_points_stage(model, fps, tmp_path / "exact.parquet",
                                                device="cpu")
    assert list(exact.columns) == stages.EXACT_COLUMNS
    assert set(exact["stability"]) == {"marginal"}        # every point of a line attractor

    spectra = stages.run_spectra_stage(model, fps, test, coefs, tmp_path / "spectra.parquet",
                                       device="cpu")
    assert list(read_parquet(tmp_path / "spectra.parquet").columns) == stages.SPECTRA_COLUMNS
    np.testing.assert_allclose(spectra["lambda1_abs"], 1.0, atol=1e-4)
    assert all(len(v) == N for v in spectra["eigvals_real"])
    # the line is the integrating mode: mode 1, along the readout, spread over many units
    assert (spectra["integrator_index"] == 1).all()
    assert (spectra["integrator_readout_alignment"] > 0.999).all()
    assert (spectra["integrator_participation"] > 3).all()
    assert (spectra["n_growing"] == 0).all()

    geometry = stages.run_geometry_stage(model, fps, spectra, tmp_path / "geometry.parquet",
                                         n_null=1000)
    assert list(read_parquet(tmp_path / "geometry.parquet").columns) == stages.GEOMETRY_COLUMNS
    assert (geometry["r_int_overlap"] > geometry["null_p99"]).all()
    assert geometry["readout_alignment"].iloc[0] > 0.99
    assert spearmanr(geometry["theta"], geometry["readout_projection"]).statistic > 0.99

    words = stages.run_word_effects_stage(model, fps, spectra, coefs,
                                          tmp_path / "words.parquet", n_words=5, device="cpu")
    assert list(read_parquet(tmp_path / "words.parquet").columns) == stages.WORD_COLUMNS
    assert len(words) == len(spectra) * 15
    # l_int = m here, so the projection is exactly the word's valence (the BoW "coefficient")
    np.testing.assert_allclose(words["projection"], words["coef"], atol=1e-4)

    lin = stages.run_linearised_stage(model, fps, test, tmp_path / "lin.parquet", n_docs=30,
                                      device="cpu")
    assert list(read_parquet(tmp_path / "lin.parquet").columns) == stages.LINEARISED_COLUMNS
    assert lin["one_step_error"].median() < 0.05
    assert abs(lin["accuracy_linearised"].iloc[0] - lin["accuracy_nonlinear"].iloc[0]) <= 0.1
    assert lin.loc[lin["example"], "h_nonlinear"].map(len).eq(N).all()
    assert lin.loc[~lin["example"], "h_nonlinear"].isna().all()


def test_fixed_point_stage_methods_find_the_same_line(data, tmp_path):
    """Adam on q (the baseline, method='adam') and Newton with an Adam warm-up reach points
    on the same line attractor as plain Newton: every kept point is a fixed point (q below the
    tolerance, checked here with an independent step) lying on the line (within what q allows)."""
    model, test, _ = data
    states = stages.run_states_stage(model, test, tmp_path / "states.parquet", n_docs=20,
                                     device="cpu")
    for name, kwargs in {"adam": dict(method="adam", adam_lr=2e-2, adam_max_steps=5000),
                         "warm": dict(adam_steps=50, adam_lr=1e-2)}.items():
        fps = stages.run_fixed_point_stage(model, states, tmp_path / f"{name}.parquet",
                                           n_starts=30, tol=1e-6, device="cpu", **kwargs)
        kept = fps[fps["kept"]]
        assert len(kept) >= 5, name
        h = torch.from_numpy(np.stack(kept["h"]).astype(np.float32))
        with torch.no_grad():
            q = ((h - model.step(h, torch.zeros(len(h), E))) ** 2).mean(1)
            off_line = (h @ model.proj).norm(dim=1)
        assert (q < 1e-6).all(), name
        # off the line, F contracts by at least 1 - 0.8 per step (gain <= 0.8), so a residual
        # of norm sqrt(N q) leaves the point at most 5 sqrt(N q) from the line
        assert (off_line < 5 * (N * 1e-6) ** 0.5).all(), name


def test_downstream_stages_write_empty_tables_without_fixed_points(data, tmp_path):
    model, test, coefs = data
    fps = pd.DataFrame({"start_index": [0], "q": [1.0], "converged": [False], "iterations": [5],
                        "outlier": [False], "duplicate": [False], "kept": [False],
                        "h": [np.zeros(N, np.float32)]})
    spectra = stages.run_spectra_stage(model, fps, test, coefs, tmp_path / "s.parquet",
                                       device="cpu")
    assert len(spectra) == 0 and list(spectra.columns) == stages.SPECTRA_COLUMNS
    for fn, args in [(stages.run_geometry_stage, (fps, spectra)),
                     (stages.run_word_effects_stage, (fps, spectra, coefs)),
                     (stages.run_linearised_stage, (fps, test)),
                     (stages.run_exact_fixed_points_stage, (fps,))]:
        out = fn(model, *args, tmp_path / f"{fn.__name__}.parquet")
        assert len(out) == 0 and len(read_parquet(tmp_path / f"{fn.__name__}.parquet")) == 0


def test_small_vocabulary_keeps_filler_out_of_the_valence_groups():
    """Six strong valence words among forty fillers whose coefficients are fitting noise: only
    the valence words are positive/negative, and the fillers are left to be neutral."""
    from rnn_dynamics.analysis.word_effects import select_words

    rng = np.random.default_rng(0)
    valence = {"great": 0.7, "good": 0.3, "fine": 0.22, "awful": -0.7, "bad": -0.32,
               "weak": -0.24}
    fillers = {f"filler{i}": float(c) for i, c in enumerate(rng.normal(0, 0.04, 40))}
    coefs = {**valence, **fillers}
    table = pd.DataFrame({"token": list(coefs), "id": np.arange(2, 2 + len(coefs)),
                          "coef": list(coefs.values()), "count": 1000})
    chosen = select_words(table, n=100)
    groups = chosen.groupby("group")["token"].apply(set)
    assert groups["positive"] == {"great", "good", "fine"}
    assert groups["negative"] == {"awful", "bad", "weak"}
    assert groups["neutral"] and groups["neutral"] <= set(fillers)
    # a real vocabulary's top 100 stay whole: the 100th word is far above the floor
    big = pd.DataFrame({"token": [f"w{i}" for i in range(1000)], "id": np.arange(2, 1002),
                        "coef": np.linspace(-1, 1, 1000), "count": 1000})
    counts = select_words(big, n=100)["group"].value_counts()
    assert counts["positive"] == counts["negative"] == counts["neutral"] == 100
