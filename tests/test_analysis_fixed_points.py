"""Fixed-point solvers: exact fixed points of a double well, Newton vs Adam on a GRU, failure
reporting, and the batched-solve path at sizes where torch's threaded LU breaks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from rnn_dynamics.analysis.fixed_points import (
    TABLE_COLUMNS,
    classify_stability,
    find_fixed_points,
    find_fixed_points_adam,
    polish_fixed_points,
    sample_starts,
    speed_q,
    step_in_dtype,
)
from rnn_dynamics.analysis.kept_points import (
    explain_no_fixed_points,
    has_fixed_points,
    points_from_table,
)


def double_well(h, x):
    """2-D: a double well in h0 (fixed at -1, 0, +1) and a tanh contraction in h1.

    Exact fixed points (+-1, 0) are stable (eigenvalues 0 and 0.5), (0, 0) a saddle (1.5, 0.5).
    """
    a, b = h[..., 0], h[..., 1]
    a_next = a + 0.5 * (a - a ** 3) + 0.0 * x.sum(-1)
    b_next = torch.tanh(0.5 * b)
    return torch.stack([a_next, b_next], -1)


def test_polishing_collapses_slow_points_onto_exact_fixed_points():
    torch.manual_seed(0)
    centres = torch.tensor([[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]], dtype=torch.float64)
    approx = centres.repeat(20, 1) + 1e-3 * torch.randn(60, 2, dtype=torch.float64)
    assert speed_q(double_well, approx, 1).max() > 1e-9        # only approximately fixed
    distinct, labels = polish_fixed_points(double_well, approx, 1)
    assert len(distinct) == 3 and (labels >= 0).all()
    assert (distinct["q"] < 1e-20).all()
    assert (distinct["n_members"] == 20).all()
    by_position = distinct.assign(a=[h[0] for h in distinct["h"]]).sort_values("a")
    np.testing.assert_allclose(by_position["a"], [-1, 0, 1], atol=1e-12)
    assert list(by_position["stability"]) == ["stable", "saddle", "stable"]
    assert list(by_position["n_unstable"]) == [0, 1, 0]
    np.testing.assert_allclose(by_position["max_abs_eig"], [0.5, 1.5, 0.5], atol=1e-9)
    # the same start cluster always maps to the same exact point
    assert all(len(set(labels[i::3])) == 1 for i in range(3))


def test_classify_stability_margin():
    assert classify_stability(np.array([0.9995, 0.5]), 1e-3) == (0, 1, "marginal")
    assert classify_stability(np.array([0.99, 0.5]), 1e-3) == (0, 0, "stable")
    assert classify_stability(np.array([1.2, 0.5]), 1e-3) == (1, 0, "saddle")
    assert classify_stability(np.array([1.2, 1.1j + 0.5]), 1e-3) == (2, 0, "unstable")


def test_step_in_dtype_casts_module_steps():
    cell = nn.GRUCell(3, 4)

    class Wrapper(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = cell

        def step(self, h, x):
            return self.cell(x, h)

    step64 = step_in_dtype(Wrapper().step, torch.float64)
    out = step64(torch.zeros(2, 4, dtype=torch.float64), torch.zeros(2, 3, dtype=torch.float64))
    assert out.dtype == torch.float64 and cell.weight_hh.dtype == torch.float32


def _gru_system(hidden: int = 32, inputs: int = 4, seed: int = 0):
    torch.manual_seed(seed)
    cell = nn.GRUCell(inputs, hidden)
    with torch.no_grad():
        cell.weight_hh.mul_(3.0)                 # strong recurrence: slow, nonlinear dynamics

    def step(h, x):
        return cell(x, h)

    h = torch.zeros(64, hidden)
    visited = []
    with torch.no_grad():
        for _ in range(30):
            h = cell(0.5 * torch.randn(64, inputs), h)
            visited.append(h)
    return step, torch.cat(visited)


def test_newton_beats_adam_on_a_gru():
    step, visited = _gru_system()
    starts, _ = sample_starts(visited, 64, noise_std=0.01, seed=0)
    newton = find_fixed_points(step, starts, 4, tol=1e-8)
    adam = find_fixed_points_adam(step, starts, 4, tol=1e-8, lr=1e-2, max_steps=2000)
    assert list(newton.columns) == TABLE_COLUMNS
    assert newton["converged"].sum() >= adam["converged"].sum()
    assert newton["converged"].mean() > 0.8
    assert (newton.loc[newton["converged"], "q"] < 1e-8).all()
    both = newton["converged"] & adam["converged"]
    assert both.sum() > 10
    assert newton.loc[both, "iterations"].mean() * 10 < adam.loc[both, "iterations"].mean()
    assert has_fixed_points(newton)
    assert points_from_table(newton).shape == (int(newton["kept"].sum()), 32)


def test_no_convergence_is_reported_not_raised():
    def drifting(h, x):                               # F(h) = h + 1: no fixed point anywhere
        return h + 1.0 + 0.0 * x.sum(-1, keepdim=True)

    table = find_fixed_points(drifting, torch.randn(5, 3), 2, max_iters=5)
    assert list(table.columns) == TABLE_COLUMNS and len(table) == 5
    assert not table["converged"].any() and not has_fixed_points(table)
    assert "No fixed points kept: 0 of 5" in explain_no_fixed_points(table)
    adam = find_fixed_points_adam(drifting, torch.randn(5, 3), 2, max_steps=10)
    assert not adam["converged"].any()
    assert explain_no_fixed_points(pd.DataFrame(columns=TABLE_COLUMNS)).startswith("No fixed")


def test_slow_points_stop_early_and_far_steps_are_capped():
    """q has a positive minimum (a slow point, no fixed point): the search gives up within a
    few iterations instead of running to max_iters; no step is longer than the trust radius."""
    def slow(h, x):                                   # r = 0.01 + 0.1 h^2 > 0 in every coordinate
        return h + 0.01 + 0.1 * h * h + 0.0 * x.sum(-1, keepdim=True)

    starts = torch.tensor([[0.5, -0.5], [1.0, 0.2], [-0.3, 0.8]], dtype=torch.float64)
    table = find_fixed_points(slow, starts, 1, max_iters=100, max_step=0.05)
    assert not table["converged"].any()
    assert table["iterations"].max() <= 20
    moved = np.linalg.norm(np.stack(table["h"]) - starts.numpy(), axis=1)
    assert (moved <= 0.05 * table["iterations"].to_numpy() + 1e-6).all()
    assert table["q"].min() < 1.01e-4                     # the nearest start reached the slow point


def test_parquet_roundtrip(tmp_path):
    from rnn_dynamics.io import read_parquet, write_parquet
    step, visited = _gru_system(hidden=8)
    table = find_fixed_points(step, visited[:10], 4)
    write_parquet(table, tmp_path / "fp.parquet")
    back = read_parquet(tmp_path / "fp.parquet")
    assert list(back.columns) == TABLE_COLUMNS
    np.testing.assert_array_equal(np.stack(back["h"]), np.stack(table["h"]))


@pytest.mark.parametrize("n", [192, 256])
def test_newton_path_is_correct_at_large_n_with_two_threads(n):
    """torch 2.13's threaded batched LU breaks above ~160; our solve path must not."""
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(n)
    a = torch.randn(n, n, generator=gen) / n ** 0.5 * 0.9
    c = torch.randn(n, generator=gen)
    contraction = 0.5

    def step(h, x):  # fixed point h* = (I - 0.5 tanh-linear part)^-1 c, nonlinear via tanh
        return contraction * torch.tanh(h @ a.T) + c + 0.0 * x.sum(-1, keepdim=True)

    starts = torch.randn(24, n, generator=gen)
    table = find_fixed_points(step, starts, 1, tol=1e-10, unique_tol=1e-3)
    assert table["converged"].all()
    assert table["iterations"].max() < 15
    assert table["kept"].sum() == 1

    from rnn_dynamics.analysis._linalg import batched_inv, batched_solve
    mats = torch.randn(16, n, n, generator=gen, dtype=torch.float64) + 3 * n ** 0.5 * torch.eye(
        n, dtype=torch.float64)
    rhs = torch.randn(16, n, generator=gen, dtype=torch.float64)
    x = batched_solve(mats, rhs)
    assert (torch.einsum("kij,kj->ki", mats, x) - rhs).abs().max() < 1e-10
    inv = batched_inv(mats)
    assert (inv @ mats - torch.eye(n, dtype=torch.float64)).abs().max() < 1e-10
    singular = mats.clone()
    singular[3] = 0.0
    x = batched_solve(singular, rhs)
    assert torch.isnan(x[3]).all() and torch.isfinite(x[[0, 1, 2, 4]]).all()
