"""Attractor dimension with K classes: the pieces against independent computations, and trained
gated networks on the synthetic K-class language against the known answer, K - 1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.linalg import subspace_angles

from rnn_dynamics.analysis.integration import (
    EXTENT,
    FAR,
    analyse_integration,
    attractor_dimension,
    class_word_counts,
    evidence_words,
    input_drive,
    participation_dimension,
    predicted_dimension,
    readout_subspace,
    real_basis,
    state_distance,
    state_spread,
    subspace_overlap,
)
from rnn_dynamics.data.prepare import prepare_dataset, read_split
from rnn_dynamics.figures.integration import plot_integration
from rnn_dynamics.training.loop import train_cell

from .figure_layout import assert_readable


def _class_counts(profiles: np.ndarray, total: int, seed: int = 0) -> np.ndarray:
    """Word counts [V, K] drawn from per-word class profiles (rows sum to anything)."""
    rng = np.random.default_rng(seed)
    p = profiles / profiles.sum(axis=0, keepdims=True)
    return np.stack([rng.multinomial(total, p[:, k]) for k in range(p.shape[1])], axis=1)


def test_class_word_counts_match_a_plain_count():
    from collections import Counter

    rng = np.random.default_rng(3)
    docs = [rng.integers(0, 12, size=rng.integers(1, 9)) for _ in range(40)]
    labels = rng.integers(0, 3, size=40)
    expected = Counter((int(w), int(c)) for doc, c in zip(docs, labels) for w in doc)
    counts = class_word_counts(docs, labels, 12, 3)
    assert counts.shape == (12, 3)
    assert {(w, c): int(counts[w, c]) for w in range(12) for c in range(3)
            if counts[w, c]} == dict(expected)


def test_unordered_classes_predict_k_minus_1_dimensions():
    for k in (3, 4, 5):
        own = np.kron(np.eye(k), np.ones((5, 1))) * 4 + 1      # 5 evidence words per class
        filler = np.ones((30, k)) * 10
        counts = _class_counts(np.vstack([np.ones((1, k)), own, filler]), 200_000)
        dim, ratio = predicted_dimension(counts)
        assert dim == k - 1
        assert ratio.max() / ratio.min() < 1.5              # exchangeable classes: equal spread


def test_ordered_ratings_predict_one_dimension():
    k = 5
    grade = np.linspace(0.0, 1.0, k)
    words = [np.exp(3 * s * (grade - 0.5)) for s in np.linspace(-1, 1, 21)]   # graded words
    counts = _class_counts(np.vstack([np.ones(k), *words, np.ones((30, k)) * 5]), 300_000)
    dim, ratio = predicted_dimension(counts)
    assert dim == 1 and ratio[0] > 0.9


def test_subspace_overlap_is_the_mean_squared_cosine_of_principal_angles():
    rng = np.random.default_rng(0)
    a = np.linalg.qr(rng.normal(size=(20, 3)))[0]
    b = np.linalg.qr(rng.normal(size=(20, 2)))[0]
    expected = np.mean(np.cos(subspace_angles(a, b)) ** 2)
    assert subspace_overlap(a, b) == pytest.approx(expected, rel=1e-10)
    assert subspace_overlap(a, a) == pytest.approx(1.0)


def test_readout_subspace_ignores_a_shift_common_to_all_logits():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, 10))
    shifted = w + rng.normal(size=(1, 10))        # adds the same direction to every logit
    q, q_shifted = readout_subspace(w), readout_subspace(shifted)
    assert q.shape == (10, 2)
    assert subspace_overlap(q, q_shifted) == pytest.approx(1.0)
    centred = w - w.mean(axis=0)
    assert np.allclose(q @ q.T @ centred.T, centred.T)


def test_complex_pair_spans_its_real_plane():
    v = np.array([[1 + 1j], [1j], [0]], dtype=complex) / np.sqrt(3)
    basis = real_basis(v)
    assert basis.shape == (3, 2)
    assert subspace_overlap(basis, np.eye(3)[:, :2]) == pytest.approx(1.0)


def test_participation_dimension_counts_equal_directions():
    assert participation_dimension([1.0, 1.0, 1.0]) == pytest.approx(3.0)
    assert participation_dimension([1.0, 0.0, 0.0]) == pytest.approx(1.0)


def _cloud(rng, n, sds, dim=20):
    """``n`` points with standard deviations ``sds`` along the first axes of R^dim."""
    x = np.zeros((n, dim))
    x[:, :len(sds)] = rng.standard_normal((n, len(sds))) * np.asarray(sds)
    return x


def test_one_fixed_point_with_anisotropic_jitter_is_zero_dimensional():
    """PCA alone calls any cluster >= 1-D (here 90% of its variance needs 2 PCs): the extent
    guard sees the points do not move across the states' region and says 0."""
    rng = np.random.default_rng(0)
    states = _cloud(rng, 4000, [1.0, 0.8, 0.5, 0.3])
    spread = state_spread(states)
    blob = 3.0 + _cloud(rng, 150, [0.004, 0.003, 0.001])
    ratio = np.linalg.svd(blob - blob.mean(0), compute_uv=False) ** 2
    assert np.searchsorted(np.cumsum(ratio / ratio.sum()), 0.9) + 1 == 2   # what PCA says
    dim, _, pr = attractor_dimension(blob, spread)
    assert dim == 0 and np.isnan(pr)


def test_a_noisy_slowly_bent_line_is_one_dimensional_and_a_plane_two():
    rng = np.random.default_rng(1)
    states = _cloud(rng, 4000, [1.0, 0.8, 0.5, 0.3])
    spread = state_spread(states)
    t = rng.uniform(-1, 1, 300)
    line = np.zeros((300, 20))
    line[:, 0], line[:, 1] = 1.2 * t, 0.1 * t ** 2                 # slow curvature
    line += 0.01 * spread * rng.standard_normal(line.shape)       # solver noise everywhere
    assert attractor_dimension(line, spread)[0] == 1
    plane = _cloud(rng, 300, [1.0, 0.7]) + 0.01 * spread * rng.standard_normal((300, 20))
    dim, _, pr = attractor_dimension(plane, spread)
    assert dim == 2 and 1.5 < pr < 2.1
    thin = _cloud(rng, 300, [1.0, 0.5 * EXTENT * spread])          # second axis too thin
    assert attractor_dimension(thin, spread)[0] == 1


@pytest.mark.parametrize(("far_spreads", "n_far"), [(8.0, 8), (0.9, 40)])
def test_far_fixed_points_are_not_part_of_the_visited_attractor(far_spreads, n_far):
    """Solver endpoints away from every state (8 spreads: another attractor the network never
    visits; 0.9: the saturated slow corners of a phrase-trained SST-5 GRU) would add a PCA
    direction; the distance guard drops them and keeps the line the states lie along, though it
    sits 0.35 spreads off them (trained attractors lie 0.07-0.4 spreads from the nearest state)."""
    rng = np.random.default_rng(2)
    states = _cloud(rng, 3000, [1.0, 0.3])
    spread = state_spread(states)
    t = rng.uniform(-1, 1, 200)
    line = np.zeros((200, 20))
    line[:, 0] = t
    line[:, 3] = 0.35 * spread                 # off the states, as trained attractors lie
    far = np.zeros((n_far, 20))
    far[:, 2] = far_spreads * spread + 0.1 * rng.standard_normal(n_far)
    points = np.vstack([line, far])
    assert attractor_dimension(points, spread)[0] == 2          # fooled
    keep = state_distance(points, states) <= FAR * spread
    assert keep[:200].all() and not keep[200:].any()
    assert attractor_dimension(points[keep], spread)[0] == 1


class _GatedToy(torch.nn.Module):
    """h' = h + sigmoid(-10 h_0) * B x: words move the state where h_0 < 0, not where the gate
    has shut (h_0 > 0), like a GRU whose update gate saturates."""

    input_dim, state_dim = 3, 4

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.embedding = torch.nn.Embedding(10, 3)
        self.b = torch.nn.Parameter(torch.randn(4, 3))

    def step(self, h, x):
        return h + torch.sigmoid(-10 * h[..., :1]) * (x @ self.b.T)


def test_input_drive_is_zero_where_the_state_is_frozen():
    toy = _GatedToy()
    open_, shut = np.zeros((5, 4), np.float32), np.zeros((5, 4), np.float32)
    open_[:, 0], shut[:, 0] = -1.0, 1.0
    moving, frozen = input_drive(toy, open_, np.arange(1, 8)), input_drive(toy, shut, np.arange(1, 8))
    assert moving.min() > 0.5 and frozen.max() < 1e-3 * moving.min()
    with torch.no_grad():
        e = toy.embedding(torch.arange(1, 8))
        expected = (e @ toy.b.T).norm(dim=-1).mean().item() * torch.sigmoid(torch.tensor(10.0))
    assert moving == pytest.approx(np.full(5, float(expected)), rel=1e-5)


def test_evidence_words_pick_each_class_s_own_words_and_neutral_filler():
    k = 3
    own = np.kron(np.eye(k), np.ones((2, 1))) * 4 + 1
    counts = _class_counts(np.vstack([np.ones((1, k)), own, np.ones((10, k)) * 5]), 100_000)
    words = evidence_words(counts, n_words=5)
    for c in range(k):
        assert sorted(words.loc[words["class"] == c, "id"]) == [1 + 2 * c, 2 + 2 * c]
    assert set(words.loc[words["class"] == -1, "id"]) <= set(range(7, 17))


# ------------------------------------------------------------------ trained networks

TRAIN = {"epochs": 8, "batch_size": 64, "lr": 0.01, "l2_form": "decoupled",
         "weight_decay": 1.0, "patience": 3}


@pytest.fixture(scope="module")
def categories(tmp_path_factory):
    """Prepared synthetic K-class splits for K = 3 and 4."""
    out = {}
    for k in (3, 4):
        folder = tmp_path_factory.mktemp(f"categories{k}")
        prepare_dataset("synthetic_categories", folder, data_dir=None, vocab_size=1000,
                        valid_fraction=0.1, max_length=None, seed=0,
                        synthetic={"n_classes": k, "n_train": 4000, "n_valid": 500,
                                   "n_test": 500})
        out[k] = {split: read_split(folder, split) for split in ("train", "valid", "test")}
    return out


@pytest.fixture(scope="module")
def analysed(categories, tmp_path_factory):
    """``analysed(k, arch)``: test accuracy and integration result of a trained cell (each
    trained once per module)."""
    done = {}

    def get(k: int, arch: str):
        if (k, arch) not in done:
            splits = categories[k]
            vocab_size = int(splits["train"]["ids"].explode().max()) + 1
            result = train_cell(splits["train"], splits["valid"], splits["test"], arch=arch,
                                vocab_size=vocab_size,
                                model_cfg={"embed_dim": 16, "hidden_size": 32},
                                train_cfg=TRAIN, seed=0, device="cpu",
                                work_dir=tmp_path_factory.mktemp(f"{arch}{k}"), progress=False)
            out = analyse_integration(result.model, splits["train"], splits["test"],
                                      ordered=False, n_docs=300, n_starts=256, device="cpu")
            done[k, arch] = (float(result.metrics["test_acc"].iloc[0]), out)
        return done[k, arch]

    return get


@pytest.mark.slow
@pytest.mark.parametrize(("k", "arch"), [(3, "gru"), (3, "lstm"), (3, "ugrnn"), (4, "gru")])
def test_trained_gated_networks_integrate_on_k_minus_1_dimensions(analysed, k, arch):
    test_acc, out = analysed(k, arch)
    assert test_acc > 0.9
    row = out.summary.iloc[0]
    assert row["n_classes"] == k and row["k_minus_1"] == k - 1
    assert row["measured_dimension"] == k - 1
    assert row["predicted_dimension"] == k - 1
    assert row["n_slow_points"] >= 100
    # evidence words drive the slow modes far more than neutral filler does
    assert row["evidence_drive"] > 3 * row["neutral_drive"]
    assert row["readout_alignment"] > 2 * row["readout_alignment_null"]
    assert set(out.projection["kind"]) == {"state", "fixed_point"}


@pytest.mark.slow
def test_integration_figure_is_readable(analysed, tmp_path):
    _, out = analysed(3, "gru")
    fig = plot_integration(out.projection, out.spectrum, out.summary,
                           dataset="synthetic_categories", arch="gru")
    assert_readable(fig)
    assert [ax.get_title(loc="left") or ax.get_title() for ax in fig.axes] == ["(a) States and slow points",
                                                   "(b) Slow points' PCA", "(c) Slowest modes"]


def test_projection_is_the_same_bytes_on_every_call():
    """600 slow points in R^128 take sklearn's randomized PCA under 'auto' (no seed); the
    projection written for the figure must repeat exactly."""
    from rnn_dynamics.analysis.integration import _projection

    rng = np.random.default_rng(0)
    points = rng.standard_normal((600, 128)) * np.linspace(2, 0.1, 128)
    trajs = [np.arange(30), np.arange(20)]
    states = torch.from_numpy(rng.standard_normal((50, 128)))
    args = (points, states, trajs, np.array([0, 1]), np.array([0, 2]))
    first = _projection(*args)
    for _ in range(4):
        pd.testing.assert_frame_equal(_projection(*args), first, check_exact=True)
