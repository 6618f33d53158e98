"""Fixed points and modes on *approximate* structures, where exact-root methods go wrong.

Constructions (all hand-built, with known slow sets and spectra):

* an approximate, curved line attractor: along the curve c(s) = s m + kappa s^2 m2 the state
  drifts by ``eps sin(s)`` per step (roots at s = 0 only, in range), off it it contracts by
  half; for drift rates 1e-6 ... 1e-3 per step.
* an LSTM-like [h, c] state: c leaks by eps along one direction u and decays by half off it,
  h = 0.5 tanh(c) follows, so the slow set is a curved line in the 2n-dimensional state.
* isolated fixed points (independent bistable units) and a contractive GRU cell (one point).
* non-normal Jacobians with known eigenvalues (tau up to 1e6, two slow modes 2e-5 apart), and
  one with an input-driven integrator between a slower and a faster frozen unit.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnn_dynamics.analysis.fixed_points import find_fixed_points, speed_q
from rnn_dynamics.analysis.kept_points import points_from_table
from rnn_dynamics.analysis.spectra import (
    growing,
    integrating_mode,
    slowest_mode,
    sorted_eigvals,
    time_constants,
)

N, E = 24, 3
TOL = 1e-8


def curved_line(eps: float, kappa: float = 0.3, seed: int = 0):
    """Approximate line attractor along a curve; returns (step, curve(s) -> points, m)."""
    gen = torch.Generator().manual_seed(seed)
    basis = torch.linalg.qr(torch.randn(N, N, generator=gen, dtype=torch.float64))[0]
    m, m2 = basis[:, 0], basis[:, 1]
    b = torch.randn(N, E, generator=gen, dtype=torch.float64) * 0.1

    def curve(s):
        s = torch.as_tensor(s, dtype=torch.float64)
        return s[..., None] * m + kappa * (s ** 2)[..., None] * m2

    def step(h, x):
        h = h.double()
        s = h @ m
        off = h - curve(s)                                # displacement from the curve
        off = off - (off @ m)[..., None] * m              # (keep s as the coordinate along it)
        s_next = s - eps * torch.sin(s)
        return (curve(s_next) + 0.5 * off + x.double() @ b.T).to(h.dtype)

    return step, curve, m


def lstm_like(eps: float, n: int = 12, seed: int = 0):
    """[h, c] state: c_u' = (1 - eps) c_u along u, the rest of c halves, h = 0.5 tanh(c')."""
    gen = torch.Generator().manual_seed(seed)
    u = torch.randn(n, generator=gen, dtype=torch.float64)
    u = u / u.norm()

    def step(hc, x):
        hc = hc.double()
        c = hc[..., n:]
        along = c @ u
        c_next = ((1 - eps) * along)[..., None] * u + 0.5 * (c - along[..., None] * u)
        c_next = c_next + 0.05 * x.double().sum(-1, keepdim=True)
        return torch.cat([0.5 * torch.tanh(c_next), c_next], -1).to(hc.dtype)

    def curve(s):
        c = torch.as_tensor(s, dtype=torch.float64)[..., None] * u
        return torch.cat([0.5 * torch.tanh(c), c], -1)

    return step, curve, 2 * n


def distance_to_slow_set(step, curve, starts, input_dim, s_grid):
    """Lower bound on the distance from each start to {q < TOL}: to the slow part of the curve,
    less the tube radius (first order: the set around the curve point is a ball of radius
    sqrt(N TOL) / (1 - 0.5) centred within the drift / (1 - 0.5) of the curve)."""
    pts = curve(s_grid)
    q = speed_q(step, pts, input_dim)
    slow = pts[q < TOL]
    n = starts.shape[1]
    d = torch.cdist(starts.double(), slow).min(1).values
    drift = (step(slow, slow.new_zeros(len(slow), input_dim)) - slow).norm(dim=1).max()
    tube = (np.sqrt(n * TOL) + float(drift)) / 0.5
    return (d - tube).clamp_min(0), slow


def solve_near_curve(step, curve, dim: int, s0, s_grid, seed: int):
    """Starts 0.01 off the curve at ``s0``; the solver's table, and the starts and endpoints,
    after checking every converged endpoint lies within 1.5x its distance to the slow set."""
    gen = torch.Generator().manual_seed(seed)
    starts = curve(s0) + 0.01 * torch.randn(len(s0), dim, generator=gen, dtype=torch.float64)
    table = find_fixed_points(step, starts, E, tol=TOL)
    assert table["converged"].mean() > 0.97
    ends = torch.from_numpy(np.stack(table["h"])).double()
    conv = torch.from_numpy(table["converged"].to_numpy().copy())
    bound, slow = distance_to_slow_set(step, curve, starts, E, s_grid)
    moved = (ends - starts).norm(dim=1)
    assert (moved[conv] <= 1.5 * bound[conv] + 1e-6).all(), float((moved / bound)[conv].max())
    return table, starts, ends, slow


@pytest.mark.parametrize("eps", [1e-6, 1e-5, 1e-4, 1e-3])
def test_endpoints_are_the_nearest_slow_points_on_a_curved_approximate_line(eps):
    step, curve, m = curved_line(eps)
    table, starts, ends, slow = solve_near_curve(
        step, curve, N, torch.linspace(-1.5, 1.5, 200, dtype=torch.float64),
        torch.linspace(-2, 2, 40001, dtype=torch.float64), seed=1)
    # where the whole range is slow (drift <= 1e-4), the spread along the line survives and
    # the points stay distinct
    along_start, along_end = (starts @ m).numpy(), (ends @ m).numpy()
    slow_along = (slow @ m).numpy()
    inside = (along_start > slow_along.min()) & (along_start < slow_along.max())
    assert (inside.mean() > 0.9) == (eps <= 1e-4)
    if eps <= 1e-4:
        assert np.std(along_end) == pytest.approx(np.std(along_start), rel=0.02)
        assert table["kept"].sum() > 0.8 * len(table)


def test_plain_newton_would_collapse_the_line_but_slow_points_keep_it():
    """With a tolerance far below the drift, only the exact root is a solution; with the
    paper's tolerance the points stay spread along the line (and are kept as distinct)."""
    step, curve, m = curved_line(1e-6)
    s0 = torch.linspace(-1.5, 1.5, 100, dtype=torch.float64)
    gen = torch.Generator().manual_seed(2)
    starts = curve(s0) + 0.01 * torch.randn(100, N, generator=gen, dtype=torch.float64)
    slow = find_fixed_points(step, starts, E, tol=TOL)
    exact = find_fixed_points(step, starts, E, tol=1e-26, max_iters=200)
    spread_slow = np.std(points_from_table(slow, kept_only=False) @ m.numpy().astype(np.float32))
    assert spread_slow > 0.8 and slow["kept"].sum() > 90
    exact_pts = points_from_table(exact)
    assert len(exact_pts) <= 3 and np.abs(exact_pts @ m.numpy()).max() < 1e-3


@pytest.mark.parametrize("eps", [1e-6, 1e-4, 1e-3])
def test_lstm_like_state_keeps_its_slow_line(eps):
    step, curve, n = lstm_like(eps)
    solve_near_curve(step, curve, n, torch.linspace(-2.0, 2.0, 150, dtype=torch.float64),
                     torch.linspace(-3, 3, 30001, dtype=torch.float64), seed=3)


def test_isolated_fixed_points_are_found_and_told_apart():
    """Independent bistable units h' = tanh(2 h): stable points at +-0.9575 per unit."""
    def step(h, x):
        return torch.tanh(2 * h) + 0 * x.sum(-1, keepdim=True)

    root = 0.957504805
    gen = torch.Generator().manual_seed(4)
    corners = torch.tensor([[1, 1, 1], [1, -1, 1], [-1, -1, 1], [-1, 1, -1], [1, 1, -1]],
                           dtype=torch.float64) * root
    starts = corners.repeat(30, 1) + 0.05 * torch.randn(150, 3, generator=gen,
                                                        dtype=torch.float64)
    table = find_fixed_points(step, starts, 1, tol=TOL)
    assert table["converged"].all()
    pts = points_from_table(table)
    assert len(pts) == len(corners)
    dist = np.linalg.norm(pts[:, None] - corners.numpy()[None], axis=-1).min(0)
    assert dist.max() < 1e-3


def test_a_contractive_cell_has_one_fixed_point():
    torch.manual_seed(0)
    cell = torch.nn.GRUCell(input_size=16, hidden_size=32)

    def step(h, x):
        return cell(x, h)

    with torch.no_grad():
        visited = torch.tanh(torch.randn(256, 32))
    table = find_fixed_points(step, visited, 16, tol=TOL)
    assert table["converged"].all()
    assert table["kept"].sum() == 1


def nonnormal(lams, cond: float = 10.0, seed: int = 0, first_columns=None):
    """J = S diag(lams) S^-1 with a random S of condition ``cond`` (or given first columns)."""
    n = len(lams)
    rng = np.random.default_rng(seed)
    q1 = np.linalg.qr(rng.standard_normal((n, n)))[0]
    q2 = np.linalg.qr(rng.standard_normal((n, n)))[0]
    s = q1 @ np.diag(np.logspace(0, np.log10(cond), n)) @ q2
    if first_columns is not None:
        s[:, :first_columns.shape[1]] = first_columns
    return s @ np.diag(lams) @ np.linalg.inv(s), s


@pytest.mark.parametrize("tau", [10.0, 1e3, 1e5, 1e6])
def test_time_constants_near_one_are_accurate(tau):
    rng = np.random.default_rng(5)
    lams = np.concatenate([[np.exp(-1 / tau)], rng.uniform(0.1, 0.8, 127)])
    j, _ = nonnormal(lams, seed=6)
    w = sorted_eigvals(j[None])
    assert time_constants(w[:, 0])[0] == pytest.approx(tau, rel=0.1)


def test_left_vector_is_right_when_slow_modes_are_close():
    rng = np.random.default_rng(7)
    lams = np.concatenate([[1 - 1e-5, 1 - 3e-5], rng.uniform(0.1, 0.8, 126)])
    j, s = nonnormal(lams, seed=8)
    _, r1, l1 = slowest_mode(j[None])
    true_r, true_l = s[:, 0], np.linalg.inv(s)[0]
    cos_l = abs(l1[0].real @ true_l) / np.linalg.norm(l1[0].real) / np.linalg.norm(true_l)
    cos_r = abs(r1[0].real @ true_r) / np.linalg.norm(r1[0].real) / np.linalg.norm(true_r)
    assert cos_l > 0.9999 and cos_r > 0.9999


def test_modes_are_ordered_by_tau_and_growing_ones_flagged():
    """A fast unstable mode (1.3) no longer comes first; a slowly growing one (1.0005) sits by
    its tau, flagged only beyond the margin; mode 1 is the slowest."""
    lams = np.array([1.3, 1.0005, 0.999, 0.9, 0.5, -0.95, 0.2, 0.1, 1.02])
    j, _ = nonnormal(lams, seed=9)
    w = sorted_eigvals(j[None])[0]
    np.testing.assert_allclose(w.real, [1.0005, 0.999, 1.02, -0.95, 0.9, 1.3, 0.5, 0.2, 0.1],
                               atol=1e-9)
    tau = time_constants(w)
    assert np.all(np.diff(tau) <= 0)
    np.testing.assert_array_equal(growing(w), [False, False, True, False, False, True, False,
                                               False, False])


@pytest.mark.parametrize("lam_int", [1 - 1e-3, 1 + 9e-3])
def test_integrating_mode_between_a_slower_and_a_faster_frozen_unit(lam_int):
    """Unit 0 (tau 1e4) and unit 1 (tau 100) are frozen memories with no input drive; mode 3
    (tau 2e3, distributed, on the readout) is driven by every word but not by valence (it counts
    words); the distributed valence integrator (tau 1e3) is chosen, as mode 3 of the tau order,
    and the two frozen units are counted. A slowly growing integrator (a saddle along the
    line, lambda = 1.009) is found as well, and flagged."""
    n, e, n_words = 40, 6, 300
    rng = np.random.default_rng(10)
    r_int, r_count = (v / np.linalg.norm(v) for v in rng.standard_normal((2, n)))
    cols = np.stack([np.eye(n)[0], np.eye(n)[1], r_int, r_count], 1)
    lams = np.concatenate([[1 - 1e-4, 1 - 1e-2, lam_int, 1 - 5e-4],
                           rng.uniform(0.1, 0.6, n - 4)])
    j, s = nonnormal(lams, seed=11, first_columns=cols)
    words = rng.standard_normal((n_words, e))
    valence_axis = rng.standard_normal(e)
    valence = words @ valence_axis + 0.1 * rng.standard_normal(n_words)
    g = (words - words.mean(0)).T @ (valence - valence.mean())
    counting = rng.standard_normal(e)
    counting -= (counting @ g) / (g @ g) * g             # uncorrelated with valence
    drive = rng.standard_normal((n, e)) * 0.3
    drive[:2] = 0.0                                      # the frozen units get no input
    drive[2] = valence_axis
    drive[3] = 3 * counting / np.linalg.norm(counting) * np.linalg.norm(valence_axis)
    j_inp = s @ drive
    readout = r_int + r_count + 0.3 * rng.standard_normal(n)
    w = sorted_eigvals(j[None])
    mode = integrating_mode(j[None], j_inp[None], readout, w, word_vectors=words,
                            valence=valence, horizon=200.0)
    assert mode.index[0] == 3
    assert mode.tau[0] == pytest.approx(1 / abs(np.log(lam_int)), rel=1e-6)
    assert mode.growing[0] == (lam_int > 1.001)
    assert abs(mode.r[0] @ r_int) > 0.9999
    true_l = np.linalg.inv(s)[2]
    assert abs(mode.l[0] @ true_l) / np.linalg.norm(true_l) / np.linalg.norm(mode.l[0]) > 0.9999
    assert mode.n_unit_slow[0] == 2
    assert mode.participation[0] > 10
    assert mode.score_share[0] > 0.5
    # without valences the strongest-driven slow mode wins: the word counter
    blind = integrating_mode(j[None], j_inp[None], readout, w, word_vectors=words,
                             horizon=200.0)
    assert blind.index[0] == 2
