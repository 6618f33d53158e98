"""Eigen-decomposition of linearised dynamics: modes, left/right eigenvectors, time constants.

Conventions (used everywhere in the analysis):

* ``J = R diag(lambda) L`` with ``L = R^-1``: columns of R are right eigenvectors r_i, rows of L
  are left eigenvectors l_i, so ``l_i . r_j = delta_ij`` (in particular ``l_1 . r_1 = 1``).
* Modes are sorted by |lambda| descending; r_i has unit Euclidean norm.
* Sign/phase: with a ``reference`` vector (we pass the readout, or the manifold direction m,
  itself oriented along +readout), each r_i is multiplied by the unit complex number that makes
  ``r_i . reference`` real and >= 0 (a sign flip for real modes) and l_i by its inverse, so
  ``L = R^-1`` still holds. Without a reference numpy/LAPACK's choice is kept.

Cost (per 256 x 256 matrix on 2 cores, ``bench/bench_jacobians.py``): eigenvalues 5.3 ms,
:func:`eigendecompose` with one left vector 15.7 ms (eigenvectors, then solves with R). The
spectra stage needs all eigenvalues but only the slowest mode's vectors, so :func:`slowest_mode`
computes eigenvalues and gets r1 and l1 by inverse iteration from one LU of J - lambda_1 I:
6.5 ms.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ._linalg import batched_inv, eig, eigvals, leading_inverse_rows, split_batch

# Bump when a change alters this module's results (fed to the workflow rules' params).
STAGE_VERSION = "2"


def mode_order(w: np.ndarray) -> np.ndarray:
    """Indices sorting eigenvalues [K, N] by |lambda| descending, then Im lambda descending
    (so a conjugate pair always lists +Im first, whichever routine produced it)."""
    return np.lexsort((-w.imag, -np.abs(w)), axis=-1)


def eigendecompose(j_rec: Tensor | np.ndarray, reference: Tensor | np.ndarray | None = None,
                   n_left: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full eigen-decomposition of a batch of Jacobians [K, N, N].

    Returns ``(eigvals [K, N] complex, R [K, N, N] columns = right eigvecs, L = R^-1 [K, N, N]
    rows = left eigvecs)`` sorted by |lambda| descending, with the conventions of the module
    docstring. ``reference`` is [N] or [K, N]. With ``n_left = k`` only the k slowest left
    eigenvectors are computed (L is [K, k, N]), several times faster than inverting R.
    """
    j = torch.as_tensor(j_rec).detach().cpu()
    w, r = eig(j)
    w, r = w.numpy(), r.numpy()
    order = mode_order(w)
    w = np.take_along_axis(w, order, axis=-1)
    r = np.take_along_axis(r, order[:, None, :], axis=-1)
    r = r / np.linalg.norm(r, axis=1, keepdims=True)
    if reference is not None:
        r = r * _align(r, reference)[:, None, :]
    if n_left is not None:
        return w, r, leading_inverse_rows(r, min(n_left, r.shape[-1]))
    left = batched_inv(torch.from_numpy(np.ascontiguousarray(r))).numpy()
    return w, r, left


def _align(r: np.ndarray, reference: Tensor | np.ndarray | None) -> np.ndarray:
    """Unit complex factors [K, M] that make each column's ``r_i . reference`` real and >= 0."""
    if reference is None:
        return np.ones(r.shape[::2], dtype=r.dtype)
    ref = np.asarray(torch.as_tensor(reference).detach().cpu(), dtype=np.float64)
    ref = np.broadcast_to(ref, (r.shape[0], r.shape[1]))
    proj = np.einsum("kni,kn->ki", r, ref)
    return np.where(np.abs(proj) > 1e-12, np.conj(proj) / np.maximum(np.abs(proj), 1e-300), 1.0)


def _inverse_iteration(j: Tensor, lam: Tensor, iters: int = 3) -> tuple[Tensor, Tensor]:
    """Right and left eigenvectors of ``j`` [K, N, N] for eigenvalues ``lam`` [K] (complex).

    Shifted inverse iteration from one LU of ``J - lambda I`` per matrix, in the precision of
    ``j``; real eigenvalues stay in real arithmetic (4x cheaper than complex). The shift is
    nudged (relative 1e3 x machine epsilon) so an exact eigenvalue cannot give a zero pivot.
    """
    k, n = j.shape[0], j.shape[-1]
    cdtype = torch.complex64 if j.dtype == torch.float32 else torch.complex128
    right, left = torch.empty(k, n, dtype=cdtype), torch.empty(k, n, dtype=cdtype)
    is_real = lam.imag == 0
    for rows, complex_ in ((is_real, False), (~is_real, True)):
        if not bool(rows.any()):
            continue
        jj, shift = j[rows], lam[rows]
        jj, shift = (jj.to(cdtype), shift.to(cdtype)) if complex_ else (jj, shift.real.to(j.dtype))
        shift = shift * (1 + 1e3 * torch.finfo(j.dtype).eps)
        m = jj - shift[:, None, None] * torch.eye(n, dtype=jj.dtype)
        lu, piv, _ = torch.linalg.lu_factor_ex(m)
        r = torch.ones(m.shape[0], n, 1, dtype=jj.dtype)
        l_ = r.clone()
        for _ in range(iters):
            r = torch.linalg.lu_solve(lu, piv, r)
            r = r / torch.linalg.vector_norm(r, dim=1, keepdim=True)
            # J^T y = b  <=>  J^H conj(y) = conj(b): left eigenvectors with l^T J = lambda l^T
            l_ = torch.linalg.lu_solve(lu, piv, l_.conj(), adjoint=True).conj()
            l_ = l_ / torch.linalg.vector_norm(l_, dim=1, keepdim=True)
        right[rows], left[rows] = r[..., 0].to(cdtype), l_[..., 0].to(cdtype)
    return right, left


def slowest_mode(j_rec: Tensor | np.ndarray, reference: Tensor | np.ndarray | None = None,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All eigenvalues and the slowest mode's eigenvectors of a batch of Jacobians [K, N, N].

    Returns ``(eigvals [K, N] complex sorted by |lambda| descending, r1 [K, N], l1 [K, N])`` with
    the conventions of the module docstring: r1 unit norm, ``r1 . reference`` real >= 0 and
    ``l1 . r1 = 1``; the same vectors as ``eigendecompose(..., n_left=1)`` (column 0 of R and
    row 0 of L) at about 40% of the cost.
    """
    j = torch.as_tensor(j_rec).detach().cpu()
    w = eigvals(j).numpy()
    order = mode_order(w)
    w = np.take_along_axis(w, order, axis=-1)
    lam = torch.from_numpy(np.ascontiguousarray(w[:, 0]))
    right, left = split_batch(_inverse_iteration, j, lam)
    r1, l1 = right.numpy().astype(np.complex128), left.numpy().astype(np.complex128)
    r1 = r1 * _align(r1[:, :, None], reference)[:, :1]
    l1 = l1 / np.einsum("kn,kn->k", l1, r1)[:, None]
    return w, r1, l1


def top_modes(eigvals: np.ndarray, right: np.ndarray, left: np.ndarray, k: int = 1,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k slowest modes: ``(eigvals [K, k], r [K, N, k], l [K, k, N])``."""
    return eigvals[:, :k], right[:, :, :k], left[:, :k, :]


def time_constants(eigvals: np.ndarray) -> np.ndarray:
    """tau = 1 / |log |lambda||, in tokens (steps); inf where |lambda| = 1 (a perfect integrator).

    A mode decays by e after tau steps (or grows, for |lambda| > 1).
    """
    mod = np.abs(np.asarray(eigvals))
    with np.errstate(divide="ignore"):
        return 1.0 / np.abs(np.log(mod))
