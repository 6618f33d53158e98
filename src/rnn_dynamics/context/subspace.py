"""The modifier subspace: where modifier words push the state, and which eigenmodes live there.

Deflections ``D = h(w, gap fillers) - h(n, gap fillers)`` (modifier w vs a neutral word n, same
relaxed attractor state and fillers; gap 0 is ``F(h, e_w) - F(h, e_n)``) are stacked over the top
modifiers and the probe states. Their principal subspace is found by an *uncentred* SVD: the
subspace must contain the mean deflection itself, which centring (sklearn's PCA) would remove.
``dim`` is the number of components that explain ``variance`` of the deflections' energy.

Relation to the linearised dynamics at fixed points (``J = R diag(lambda) L``, conventions of
:mod:`rnn_dynamics.analysis.spectra`): a basis vector q is expanded in right eigenvectors,
``q = R c`` with ``c = L q``; the share of mode i is ``|c_i|^2 / sum_j |c_j|^2`` (r_i are unit).
We report the share of mode 1 (r1, the slowest in the tau order), of other slow modes
(|lambda| >= ``slow``), of fast modes, and of complex (oscillatory) modes, plus ``||Q^T r1||^2``:
how much of the slowest direction lies inside the modifier subspace (~0 when modifiers act off
the line). Mode 1 is the integrator where the slowest mode integrates; where single-unit
memories are slower (see the spectra stage's ``integrator_index``), it is not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from ..analysis.jacobians import jacobians
from ..analysis.spectra import eigendecompose, time_constants
from ..analysis.states import pcs_for_variance
from .probe import Probe, rollout

SUBSPACE_COLUMNS = ["component", "variance_ratio", "cumulative", "in_subspace", "dim",
                    "share_r1", "share_slow", "share_fast", "share_complex", "tau_weighted",
                    "r1_in_subspace", "n_points", "vector"]


def modifier_deflections(probe: Probe, modifier_ids: list[int] | np.ndarray,
                         gaps: tuple[int, ...] = (0,)) -> Tensor:
    """Deflections [M * len(gaps) * K, N] of the modifiers from the neutral word, per state."""
    n = probe.target_neutral[:, None]
    out = []
    for wid in modifier_ids:
        w = probe.column(int(wid))
        for g in gaps:
            fill = probe.fillers(g)
            out.append(rollout(probe.model, probe.states, torch.cat([w, fill], 1))
                       - rollout(probe.model, probe.states, torch.cat([n, fill], 1)))
    return torch.cat(out) if out else probe.states.new_zeros(0, probe.states.shape[1])


def principal_subspace(vectors: Tensor | np.ndarray, variance: float = 0.9,
                       ) -> tuple[np.ndarray, np.ndarray, int]:
    """Uncentred principal axes of row ``vectors`` [M, N]: ``(axes [N, r] orthonormal columns,
    energy ratio per axis [r], dim)`` with dim the fewest axes explaining ``variance``."""
    x = np.asarray(vectors.detach().cpu() if isinstance(vectors, Tensor) else vectors, np.float64)
    _, s, vt = np.linalg.svd(x, full_matrices=False)
    ratio = s**2 / max(float((s**2).sum()), 1e-300)
    dim = pcs_for_variance(ratio, variance)
    return vt.T, ratio, dim


def orthonormalise(vectors: np.ndarray, against: np.ndarray | None = None,
                   tol: float = 1e-8) -> np.ndarray:
    """Orthonormal basis [N, d'] of the columns of ``vectors`` [N, d] after removing the span of
    ``against`` [N, a] (columns); directions that vanish are dropped."""
    v = np.asarray(vectors, np.float64)
    if against is not None and against.size:
        a, _ = np.linalg.qr(np.asarray(against, np.float64))
        v = v - a @ (a.T @ v)
    u, s, _ = np.linalg.svd(v, full_matrices=False)
    return u[:, s > tol * max(1.0, float(s.max(initial=0.0)))]


def mode_shares(basis: np.ndarray, eigvals: np.ndarray, right: np.ndarray, left: np.ndarray, *,
                slow: float = 0.95) -> dict[str, np.ndarray]:
    """Eigenmode shares of each basis vector [N, d] at P points (eigvals [P, N], R, L [P, N, N]).

    Returns arrays [d] averaged over points: ``share_r1``, ``share_slow`` (other modes with
    |lambda| >= slow), ``share_fast``, ``share_complex`` (Im lambda != 0), ``tau_weighted``
    (effective time constant of the modes other than r1: ``1 / sum_i share_i |log|lambda_i||``
    over those modes, in tokens; a rate average, so a few near-integrating modes do not swamp
    it),
    and ``r1_in_subspace`` [] = mean ||Q^T Re r1||^2 (r1 normalised).
    """
    c = np.einsum("pij,jd->pid", left, basis)                               # [P, N, d]
    energy = np.abs(c) ** 2
    energy = energy / np.maximum(energy.sum(1, keepdims=True), 1e-300)
    mod = np.abs(eigvals)
    is_slow = (mod >= slow)[:, :, None]
    is_slow[:, 0] = False
    is_cplx = (np.abs(eigvals.imag) > 1e-6)[:, :, None]
    rate = 1.0 / time_constants(eigvals)[:, 1:, None]                    # |log|lambda||
    rest = energy[:, 1:]
    tau_w = rest.sum(1) / np.maximum((rest * rate).sum(1), 1e-300)
    r1 = right[:, :, 0].real
    r1 = r1 / np.maximum(np.linalg.norm(r1, axis=1, keepdims=True), 1e-300)
    return {"share_r1": energy[:, 0].mean(0), "share_slow": (energy * is_slow).sum(1).mean(0),
            "share_fast": (energy * (mod < slow)[:, :, None]).sum(1).mean(0),
            "share_complex": (energy * is_cplx).sum(1).mean(0), "tau_weighted": tau_w.mean(0),
            "r1_in_subspace": np.array(float(((r1 @ basis) ** 2).sum(1).mean()))}


def expansion_points(probe: Probe, fixed_points: np.ndarray | None, n_points: int) -> Tensor:
    """Up to ``n_points`` distinct fixed points nearest to the probe states (or, without fixed
    points, the probe states themselves): where the dynamics are linearised."""
    states = probe.states
    if fixed_points is None or len(fixed_points) == 0:
        return states[:n_points].detach().clone()
    pts = torch.tensor(np.asarray(fixed_points), dtype=states.dtype, device=states.device)
    idx = torch.unique(torch.cdist(states, pts).argmin(-1))
    return pts[idx[:n_points]]


def subspace_table(probe: Probe, modifier_ids: list[int] | np.ndarray, *,
                   fixed_points: np.ndarray | None = None, variance: float = 0.9,
                   gaps: tuple[int, ...] = (0,), n_points: int = 30, slow: float = 0.95,
                   n_components: int = 20) -> pd.DataFrame:
    """One row per principal axis (schema ``SUBSPACE_COLUMNS``); ``dim``, ``r1_in_subspace``
    and ``n_points`` repeat on every row; ``vector`` is the unit axis (list<float64>)."""
    defl = modifier_deflections(probe, modifier_ids, gaps)
    axes, ratio, dim = principal_subspace(defl, variance)
    n_comp = min(n_components, axes.shape[1])
    pts = expansion_points(probe, fixed_points, n_points)
    model = probe.model
    j_rec, _ = jacobians(model.step, pts, input_dim=model.input_dim)
    eigvals, right, left = eigendecompose(j_rec, reference=model.readout_vector().detach())
    shares = mode_shares(axes[:, :n_comp], eigvals, right, left, slow=slow)
    r1_in = float(mode_shares(axes[:, :dim], eigvals, right, left, slow=slow)["r1_in_subspace"])
    comp = np.arange(n_comp)
    return pd.DataFrame({
        "component": comp.astype(np.int64), "variance_ratio": ratio[:n_comp],
        "cumulative": np.cumsum(ratio)[:n_comp], "in_subspace": comp < dim,
        "dim": np.full(n_comp, dim, np.int64),
        **{key: shares[key].astype(np.float64) for key in
           ("share_r1", "share_slow", "share_fast", "share_complex", "tau_weighted")},
        "r1_in_subspace": r1_in, "n_points": np.full(n_comp, len(pts), np.int64),
        "vector": list(axes[:, :n_comp].T.astype(np.float64)),
    }, columns=SUBSPACE_COLUMNS)


def basis_from_table(table: pd.DataFrame) -> np.ndarray:
    """The subspace basis [N, dim] (columns) stored in a subspace table."""
    rows = table[table["in_subspace"]].sort_values("component")
    return np.stack([np.asarray(v, np.float64) for v in rows["vector"]], axis=1)
