"""Batched exact Jacobians agree with central finite differences for the four architectures,
and the spectral path is correct at N = 192 and 256 with two threads."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.func import functional_call

from rnn_dynamics.analysis.jacobians import jacobians, recurrent_jacobians
from rnn_dynamics.analysis.spectra import eigendecompose

N, E, K = 7, 4, 5


def vanilla_step():
    cell = nn.RNNCell(E, N, nonlinearity="tanh").double()
    return lambda h, x: cell(x, h)


def gru_step():
    """nn.GRUCell used functionally (weights passed explicitly through functional_call)."""
    cell = nn.GRUCell(E, N).double()
    params = dict(cell.named_parameters())
    return lambda h, x: functional_call(cell, params, (x, h))


def lstm_step():
    """LSTM with flat state [h, c] (the model contract's convention)."""
    cell = nn.LSTMCell(E, N // 2 + 1).double()
    n = N // 2 + 1

    def step(hc, x):
        h, c = cell(x, (hc[..., :n], hc[..., n:]))
        return torch.cat([h, c], -1)

    step.state_dim = 2 * n
    return step


def ugrnn_step():
    """Update-gate RNN (Collins et al. 2017): h' = g h + (1 - g) tanh(W_c h + U_c x + b_c)."""
    gen = torch.Generator().manual_seed(3)
    w = torch.randn(2 * N, N + E, generator=gen, dtype=torch.float64) / (N + E) ** 0.5
    bias = torch.randn(2 * N, generator=gen, dtype=torch.float64) * 0.1

    def step(h, x):
        pre = torch.cat([h, x], -1) @ w.T + bias
        gate, cand = torch.sigmoid(pre[..., :N]), torch.tanh(pre[..., N:])
        return gate * h + (1 - gate) * cand

    return step


def finite_difference(step, h, x, eps=1e-6):
    def column(f, v):
        cols = []
        for j in range(v.shape[-1]):
            d = torch.zeros_like(v)
            d[..., j] = eps
            cols.append((f(v + d) - f(v - d)) / (2 * eps))
        return torch.stack(cols, -1)

    return column(lambda v: step(v, x), h), column(lambda v: step(h, v), x)


@pytest.mark.parametrize("make", [vanilla_step, gru_step, lstm_step, ugrnn_step])
def test_jacobians_match_finite_differences(make):
    torch.manual_seed(0)
    step = make()
    n = getattr(step, "state_dim", N)
    h = torch.randn(K, n, dtype=torch.float64) * 0.5
    x = torch.randn(K, E, dtype=torch.float64)
    j_rec, j_inp = jacobians(step, h, x, chunk_size=2)               # chunking exercised
    fd_rec, fd_inp = finite_difference(step, h, x)
    assert j_rec.shape == (K, n, n) and j_inp.shape == (K, n, E)
    torch.testing.assert_close(j_rec, fd_rec, atol=1e-7, rtol=1e-6)
    torch.testing.assert_close(j_inp, fd_inp, atol=1e-7, rtol=1e-6)
    j_zero, _ = jacobians(step, h, input_dim=E)                        # x* = 0 default
    torch.testing.assert_close(recurrent_jacobians(step, h, input_dim=E), j_zero)
    fd_zero, _ = finite_difference(step, h, torch.zeros(K, E, dtype=torch.float64))
    torch.testing.assert_close(j_zero, fd_zero, atol=1e-7, rtol=1e-6)


def test_empty_batch():
    j_rec, j_inp = jacobians(vanilla_step(), torch.zeros(0, N, dtype=torch.float64),
                             input_dim=E)
    assert j_rec.shape == (0, N, N) and j_inp.shape == (0, N, E)


@pytest.mark.parametrize("n", [192, 256])
def test_eigendecompose_two_threads_large_n(n):
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(n)
    j = torch.randn(6, n, n, generator=gen) / n ** 0.5
    w, r, left = eigendecompose(j, reference=torch.ones(n))
    recon = np.einsum("kij,kj,kjl->kil", r, w, left)
    assert np.abs(recon - j.numpy()).max() < 1e-4
    assert np.abs(left @ r - np.eye(n)).max() < 1e-3
    # mode order: tau descending, growing modes included
    assert np.all(np.diff(np.abs(np.log(np.abs(w))), axis=1) >= -1e-9)


@pytest.mark.parametrize("n", [32, 192, 256])
def test_leading_left_eigenvectors_equal_the_rows_of_the_full_inverse(n):
    """n_left=k returns the first k rows of R^-1 (on 2 threads, above the LU-trap size too)."""
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(n + 1)
    j = torch.randn(4, n, n, generator=gen) / n ** 0.5
    w, r, left = eigendecompose(j, reference=torch.ones(n))
    w1, r1, left1 = eigendecompose(j, reference=torch.ones(n), n_left=2)
    assert left1.shape == (4, 2, n)
    np.testing.assert_array_equal(w1, w)
    np.testing.assert_array_equal(r1, r)
    assert np.abs(left1 - left[:, :2, :]).max() < 1e-4
    assert np.abs(np.einsum("kin,knj->kij", left1, r) - np.eye(n)[:2]).max() < 1e-4


@pytest.mark.parametrize("n", [192, 256])
def test_batched_routines_split_over_two_threads_are_correct(n):
    """Batches big enough to be split over worker threads (the LU-trap sizes, 2 threads)."""
    from rnn_dynamics.analysis._linalg import batched_inv, batched_solve, eigvals

    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(n + 2)
    a = torch.randn(40, n, n, generator=gen, dtype=torch.float64) / n ** 0.5
    a = a + 2 * torch.eye(n, dtype=torch.float64)
    b = torch.randn(40, n, generator=gen, dtype=torch.float64)
    x = batched_solve(a, b)
    assert (a @ x.unsqueeze(-1)).squeeze(-1).sub(b).abs().max() < 1e-10
    eye = torch.eye(n, dtype=torch.float64)
    assert (batched_inv(a) @ a - eye).abs().max() < 1e-10
    singular = a.clone()
    singular[3] = 0.0                                  # one singular matrix: NaN row, not a crash
    xs = batched_solve(singular, b)
    assert torch.isnan(xs[3]).all() and torch.isfinite(xs[4:]).all()
    w = eigvals(a[:20])
    want = torch.linalg.eigvals(a[:20])
    torch.testing.assert_close(torch.sort(w.real, dim=-1)[0], torch.sort(want.real, dim=-1)[0])


@pytest.mark.parametrize("leading", ["real", "complex"])
def test_slowest_mode_equals_the_full_decomposition(leading):
    """Eigenvalues plus inverse iteration give eigendecompose's r1 and l1 (same conventions)."""
    from rnn_dynamics.analysis.spectra import slowest_mode

    torch.set_num_threads(2)
    n, k = 64, 40
    gen = torch.Generator().manual_seed(7)
    bulk = 0.3 * torch.randn(k, n, n, generator=gen, dtype=torch.float64) / n ** 0.5
    u = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=torch.float64))[0]
    if leading == "real":                                 # a line attractor: lambda_1 ~ 0.99
        j = bulk + 0.99 * torch.outer(u[:, 0], u[:, 0])
    else:                                                 # a slow rotation: 0.95 exp(+-0.3i)
        rot = 0.95 * torch.tensor([[np.cos(0.3), -np.sin(0.3)], [np.sin(0.3), np.cos(0.3)]],
                                  dtype=torch.float64)
        j = bulk + u[:, :2] @ rot @ u[:, :2].T
    ref = torch.randn(n, generator=gen)
    w, r, left = eigendecompose(j, reference=ref, n_left=1)
    w1, r1, l1 = slowest_mode(j, reference=ref)
    assert (np.abs(w1[:, 0].imag) > 0.1).all() == (leading == "complex")
    np.testing.assert_allclose(w1, w, atol=1e-10)
    np.testing.assert_allclose(r1, r[:, :, 0], atol=1e-8)
    np.testing.assert_allclose(l1, left[:, 0, :], atol=1e-8)
    np.testing.assert_allclose(np.einsum("kn,kn->k", l1, r1), 1.0, atol=1e-10)
    jr = np.einsum("kij,kj->ki", j.numpy(), r1)
    np.testing.assert_allclose(jr, w1[:, :1] * r1, atol=1e-8)
