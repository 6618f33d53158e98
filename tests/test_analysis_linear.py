"""Linear RNN F(h, x) = A h + B x: every analysis quantity has a closed form."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnn_dynamics.analysis.fixed_points import find_fixed_points, speed_q
from rnn_dynamics.analysis.jacobians import jacobians
from rnn_dynamics.analysis.linearised import (
    linearised_accuracy,
    one_step_errors,
)
from rnn_dynamics.analysis.spectra import eigendecompose, time_constants
from rnn_dynamics.analysis.states import pca_variance, pcs_for_variance, zero_input_speed
from rnn_dynamics.analysis.word_effects import projected_effects

N, E = 6, 3


@pytest.fixture
def linear_system():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((N, N)))
    lam = np.array([0.95, -0.8, 0.6, 0.5, 0.3, 0.1])
    basis = q @ np.diag(rng.uniform(0.8, 1.2, N))            # non-orthogonal eigenvectors
    a = torch.tensor(basis @ np.diag(lam) @ np.linalg.inv(basis))
    b = torch.tensor(rng.standard_normal((N, E)))

    def step(h, x):
        return h @ a.T + x @ b.T

    return step, a, b, lam


def test_fixed_point_is_origin_and_jacobians_are_a_and_b(linear_system):
    step, a, b, _ = linear_system
    starts = torch.randn(8, N, dtype=torch.float64)
    # without a trust radius one Newton step is exact for a linear map
    table = find_fixed_points(step, starts, E, tol=1e-20, unique_tol=1e-8, max_step=float("inf"))
    assert table["converged"].all()
    assert table["iterations"].max() <= 2
    capped = find_fixed_points(step, starts, E, tol=1e-20, unique_tol=1e-8)   # default radius
    assert capped["converged"].all() and capped["iterations"].max() > 1
    pts = np.stack(table["h"])
    assert np.abs(pts).max() < 1e-5
    assert table["kept"].sum() == 1 and table["duplicate"].sum() == 7
    j_rec, j_inp = jacobians(step, torch.zeros(3, N, dtype=torch.float64), input_dim=E)
    torch.testing.assert_close(j_rec, a.expand(3, N, N))
    torch.testing.assert_close(j_inp, b.expand(3, N, E))


def test_spectrum_matches_closed_form(linear_system):
    _, a, _, lam = linear_system
    ref = torch.ones(N, dtype=torch.float64)
    w, r, left = eigendecompose(a.unsqueeze(0), reference=ref)
    order = np.argsort(-np.abs(lam))
    np.testing.assert_allclose(np.sort_complex(w[0]), np.sort_complex(lam.astype(complex)),
                               atol=1e-10)
    np.testing.assert_allclose(np.abs(w[0]), np.abs(lam[order]), atol=1e-10)
    np.testing.assert_allclose(left[0] @ r[0], np.eye(N), atol=1e-10)             # L = R^-1
    np.testing.assert_allclose(r[0] @ np.diag(w[0]) @ left[0], a.numpy(), atol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(r[0], axis=0), 1.0, atol=1e-12)
    assert np.all((r[0].T @ ref.numpy()).real >= 0)                               # sign convention
    tau = time_constants(w)
    np.testing.assert_allclose(tau[0], 1 / np.abs(np.log(np.abs(lam[order]))), rtol=1e-10)
    assert np.isinf(time_constants(np.array([1.0]))[0])
    np.testing.assert_allclose(left[0, 0] @ r[0, :, 0], 1.0, atol=1e-10)


def test_states_helpers(linear_system):
    step, a, _, _ = linear_system
    h = torch.randn(50, N, dtype=torch.float64)
    speed = zero_input_speed(step, h, E)
    expected = (h @ a.T - h).norm(dim=1) / h.norm(dim=1)
    np.testing.assert_allclose(speed, expected.numpy())
    np.testing.assert_allclose(speed_q(step, h, E).numpy(),
                               ((h @ a.T - h) ** 2).mean(1).numpy())            # 1/N ||.||^2
    line = torch.randn(200, 1) * torch.ones(1, N) + 1e-3 * torch.randn(200, N)
    ratio = pca_variance(line)
    assert pcs_for_variance(ratio, 0.9) == 1
    assert pcs_for_variance(np.array([0.5, 0.3, 0.2]), 0.9) == 3
    assert pcs_for_variance(np.array([0.5, 0.3, 0.2]), 0.8) == 2


def test_linearisation_is_exact_for_a_linear_step(linear_system):
    step, _a, _b, _ = linear_system
    j_rec, j_inp = jacobians(step, torch.zeros(1, N, dtype=torch.float64), input_dim=E)
    fps = torch.zeros(1, N, dtype=torch.float64)
    inputs = torch.randn(10, 12, E, dtype=torch.float64)
    lengths = torch.randint(3, 13, (10,))
    h0 = torch.zeros(N, dtype=torch.float64)
    errors = one_step_errors(step, inputs, lengths, h0, fps, j_rec, j_inp)
    live = np.arange(12)[None] < lengths.numpy()[:, None]
    assert np.all(np.isnan(errors[~live]))
    assert np.nanmax(errors) < 1e-12
    w = torch.randn(N, dtype=torch.float64)
    labels = torch.randint(0, 2, (10,))
    acc_nl, acc_li, z_nl, z_li = linearised_accuracy(step, lambda h: h @ w, inputs, lengths,
                                                     labels, h0, fps, j_rec, j_inp)
    assert acc_nl == acc_li
    np.testing.assert_allclose(z_nl, z_li, atol=1e-10)


def test_word_effects_linear(linear_system):
    _, a, b, _ = linear_system
    emb = torch.randn(5, E, dtype=torch.float64)
    _, _r, left = eigendecompose(a.unsqueeze(0))
    l1 = torch.from_numpy(left[:, 0, :].real.copy())
    proj = projected_effects(b.unsqueeze(0), l1, emb)
    torch.testing.assert_close(proj[0], emb @ b.T @ l1[0])


def test_user_supplied_jacobian(linear_system):
    step, a, _, _ = linear_system
    starts = torch.randn(4, N, dtype=torch.float64)
    table = find_fixed_points(step, starts, E, tol=1e-20, max_step=float("inf"),
                              jacobian_fn=lambda h: a.expand(h.shape[0], N, N))
    assert table["converged"].all() and table["iterations"].max() <= 2
