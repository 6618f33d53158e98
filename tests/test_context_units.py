"""Pieces of rnn_dynamics.context on tiny hand-built systems where the answer is exact."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from rnn_dynamics.context.augmented_bow import (
    context_counts,
    fit_augmented_bow,
    modifier_factors,
    position_factors,
)
from rnn_dynamics.context.dynamics import effect_span, exp_timescale
from rnn_dynamics.context.modifiers import classify
from rnn_dynamics.context.perturbation import projector_hook, random_basis
from rnn_dynamics.context.position import subspace_fraction
from rnn_dynamics.context.probe import (
    gain,
    linear_effects,
    relative_change,
    rollout,
    valence_effects,
)
from rnn_dynamics.context.subspace import mode_shares, orthonormalise, principal_subspace


class LinearNet(nn.Module):
    """h' = A h + B x with a readout w: every effect is linear, so linearised == nonlinear."""

    def __init__(self, n: int = 5, e: int = 3, vocab: int = 8, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.a = torch.diag(torch.tensor([1.0, 0.5, 0.3, 0.2, 0.1]))[:n, :n]
        self.b = torch.randn(n, e, generator=g)
        self.w = torch.randn(n, generator=g)
        self.embedding = nn.Embedding(vocab, e)
        self.state_dim, self.input_dim = n, e

    def step(self, h, x):
        return h @ self.a.T + x @ self.b.T

    def readout_logit(self, h):
        return h @ self.w

    def readout_vector(self):
        return self.w


def test_gain_and_relative_change_are_exact():
    base = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert gain(-base, base) == pytest.approx(-1.0)
    assert gain(2.5 * base, base) == pytest.approx(2.5)
    assert relative_change(base, base) == 0.0
    assert relative_change(-base, base) == pytest.approx(2.0)
    assert relative_change(3 * base, base) == pytest.approx(2.0)
    assert np.isnan(gain(base, np.zeros_like(base)))


def test_classify_kinds():
    assert classify(-0.8, 1.5, 0.4) == "negator"
    assert classify(2.0, 1.0, 0.4) == "intensifier"
    assert classify(0.5, 0.5, 0.4) == "attenuator"
    assert classify(1.1, 0.1, 0.4) == "none"


def test_valence_effects_and_linear_effects_on_a_linear_system():
    net = LinearNet()
    h = torch.randn(4, 5, generator=torch.Generator().manual_seed(1))
    targets, neutral = torch.tensor([2, 3, 4]), torch.tensor([5, 5, 6, 7])
    suffix = torch.tensor([[5, 6]] * 4)
    eff = valence_effects(net, h, torch.zeros(4, 0, dtype=torch.long), targets, neutral, suffix)
    emb = net.embedding.weight.detach()
    # effect = w^T A^2 B (e_v - e_n): independent of h, exact
    want = ((emb[targets][None] - emb[neutral][:, None]) @ net.b.T @ (net.a @ net.a).T) @ net.w
    torch.testing.assert_close(eff, want, rtol=1e-5, atol=1e-5)
    lin = linear_effects(net, h, targets, neutral, suffix=suffix)
    torch.testing.assert_close(lin, want, rtol=1e-5, atol=1e-5)
    immediate = linear_effects(net, h, targets, neutral)              # readout, no settling
    want_now = ((emb[targets][None] - emb[neutral][:, None]) @ net.b.T) @ net.w
    torch.testing.assert_close(immediate, want_now, rtol=1e-5, atol=1e-5)


def test_rollout_respects_lengths_and_hooks():
    net = LinearNet()
    h = torch.zeros(2, 5)
    ids = torch.tensor([[1, 2, 3], [1, 2, 0]])
    full = rollout(net, h[:1], ids[:1])
    short = rollout(net, h[1:], ids[1:, :2])
    both = rollout(net, h, ids, lengths=torch.tensor([3, 2]))
    torch.testing.assert_close(both, torch.cat([full, short]))
    zero = rollout(net, h, ids, hook=lambda s, read: torch.zeros_like(s))
    assert torch.count_nonzero(zero) == 0


def test_projector_hook_is_an_affine_orthogonal_projection():
    rng = np.random.default_rng(0)
    q = orthonormalise(rng.standard_normal((6, 2)))
    c = rng.standard_normal(6)
    hook = projector_hook(q, c)
    h = torch.from_numpy(rng.standard_normal((5, 6))).float()
    out = hook(h, torch.zeros(5, dtype=torch.long)).double().numpy()
    np.testing.assert_allclose((out - c) @ q, 0, atol=1e-5)                 # nothing left in Q
    rest = np.eye(6) - q @ q.T
    np.testing.assert_allclose((out - c) @ rest, (h.double().numpy() - c) @ rest, atol=1e-5)
    again = hook(torch.from_numpy(out).float(), torch.zeros(5, dtype=torch.long)).numpy()
    np.testing.assert_allclose(again, out, atol=1e-5)                        # idempotent
    only = projector_hook(q, c, token_ids=[3])
    read = torch.tensor([3, 0, 3, 1, 2])
    mixed = only(h, read).numpy()
    np.testing.assert_allclose(mixed[[1, 3, 4]], h.numpy()[[1, 3, 4]])
    np.testing.assert_allclose(mixed[[0, 2]], out[[0, 2]], atol=1e-5)


def test_orthonormalise_and_random_basis_avoid_kept_directions():
    rng = np.random.default_rng(1)
    keep = rng.standard_normal((8, 2))
    v = np.concatenate([keep[:, :1] + rng.standard_normal((8, 1)), rng.standard_normal((8, 2))], 1)
    q = orthonormalise(v, keep)
    assert q.shape == (8, 3)
    np.testing.assert_allclose(q.T @ q, np.eye(3), atol=1e-10)
    np.testing.assert_allclose(keep.T @ q, 0, atol=1e-10)
    r = random_basis(8, 3, seed=0, against=keep)
    np.testing.assert_allclose(r.T @ r, np.eye(3), atol=1e-10)
    np.testing.assert_allclose(keep.T @ r, 0, atol=1e-10)
    np.testing.assert_array_equal(r, random_basis(8, 3, seed=0, against=keep))


def test_principal_subspace_finds_planted_plane_uncentred():
    rng = np.random.default_rng(2)
    plane = orthonormalise(rng.standard_normal((10, 2)))
    coef = rng.standard_normal((300, 2)) + np.array([5.0, 0.0])           # large mean, kept
    x = coef @ plane.T + 1e-3 * rng.standard_normal((300, 10))
    axes, ratio, dim = principal_subspace(x, 0.99)
    assert dim == 2 and ratio[:2].sum() > 0.999
    np.testing.assert_allclose(np.linalg.svd(plane.T @ axes[:, :2])[1], 1, atol=1e-4)
    assert subspace_fraction(plane[:, 0], axes[:, :2]) == pytest.approx(1, abs=1e-4)


def test_mode_shares_of_a_diagonal_system():
    lam = np.array([1.0, 0.97, 0.5, 0.2])
    eye = np.eye(4)[None]
    basis = np.array([[1, 0, 0, 0], [0, 0, 0.6, 0.8]], dtype=float).T
    s = mode_shares(basis, lam[None].astype(complex), eye.astype(complex), eye.astype(complex),
                    slow=0.95)
    np.testing.assert_allclose(s["share_r1"], [1, 0])
    np.testing.assert_allclose(s["share_slow"], [0, 0])
    np.testing.assert_allclose(s["share_fast"], [0, 1])
    rate = 0.36 * -np.log(0.5) + 0.64 * -np.log(0.2)
    assert s["tau_weighted"][1] == pytest.approx(1 / rate)
    assert float(s["r1_in_subspace"]) == pytest.approx(1.0)


def test_exp_timescale_and_span():
    k = np.arange(10)
    assert exp_timescale(2.0 * np.exp(-k / 3.0)) == pytest.approx(3.0)
    assert np.isnan(exp_timescale(np.array([1.0, 0.0, 0.0])))
    assert effect_span(np.array([-1.0, -1.0, -0.9, 1.0, 1.0])) == 3
    assert effect_span(np.array([2.0, 1.01, 1.0])) == 1
    assert effect_span(np.array([1.0, 1.0])) == 0


def test_modifier_and_position_factors_compose():
    # docs: [not very good bad] and [good not]; ids: not=2 (gains -1 for 2 gaps), very=3 (x2)
    tokens = np.array([2, 3, 5, 6, 5, 2])
    doc = np.array([0, 0, 0, 0, 1, 1])
    gains = {2: np.array([-1.0, -1.0]), 3: np.array([2.0])}
    np.testing.assert_allclose(modifier_factors(tokens, doc, gains), [1, -1, -2, 1, 1, 1])
    pos, length = np.array([0, 1, 2, 3, 0, 1]), np.array([4, 4, 4, 4, 2, 2])
    f = position_factors(pos, length, start=np.array([1.5]), end=np.array([3.0, 2.0]))
    np.testing.assert_allclose(f, [1.5, 1, 2, 3, 1.5 * 2, 3])
    z = context_counts([np.array([2, 3, 5, 6]), np.array([5, 2])], 8, gains=gains).toarray()
    np.testing.assert_allclose(z[0], [0, 0, 1, -1, 0, -2, 1, 0])
    np.testing.assert_allclose(z[1], [0, 0, 1, 0, 0, 1, 0, 0])


def test_unmeasurable_gains_count_as_no_effect():
    # a network whose output ignores its input has gain 0/0 = nan: the factor stays 1
    tokens, doc = np.array([2, 5, 5]), np.array([0, 0, 0])
    gains = {2: np.array([np.nan, -1.0])}
    np.testing.assert_allclose(modifier_factors(tokens, doc, gains), [1, 1, -1])
    f = position_factors(np.array([0, 1, 2]), np.array([3, 3, 3]), start=np.array([np.nan, 2.0]),
                         end=None)
    np.testing.assert_allclose(f, [1, 2, 1])


def test_augmented_bow_learns_negation_that_presence_cannot():
    rng = np.random.default_rng(0)

    def docs(n):
        ids, labels = [], []
        for _ in range(n):
            word = rng.choice([4, 5])                       # 4 good, 5 bad
            neg = rng.random() < 0.5
            doc = [6] * rng.integers(0, 3) + ([2] if neg else []) + [word] + [6, 7]
            ids.append(np.array(doc, np.int32))
            labels.append(int((word == 4) != neg))
        return pd.DataFrame({"ids": ids, "label": labels, "length": [len(d) for d in ids]})

    train, valid, test = docs(400), docs(200), docs(200)
    table = fit_augmented_bow(train, valid, test, 8, {2: np.array([-1.0])}, rnn_test_acc=1.0,
                              C_grid=(1.0, 10.0))
    acc = table.set_index("model")["test_acc"]
    assert acc["bow"] < 0.8 and acc["augmented_modifiers"] == 1.0
    assert table.set_index("model").loc["augmented_modifiers", "gap_recovered"] == 1.0
