"""Eigen-decomposition of linearised dynamics: modes, left/right eigenvectors, time constants.

Conventions (used everywhere in the analysis):

* ``J = R diag(lambda) L`` with ``L = R^-1``: columns of R are right eigenvectors r_i, rows of L
  are left eigenvectors l_i, so ``l_i . r_j = delta_ij`` (in particular ``l_1 . r_1 = 1``).
* Modes are sorted by |lambda| descending; r_i has unit Euclidean norm.
* Sign/phase: with a ``reference`` vector (we pass the readout, or the manifold direction m,
  itself oriented along +readout), each r_i is multiplied by the unit complex number that makes
  ``r_i . reference`` real and >= 0 (a sign flip for real modes) and l_i by its inverse, so
  ``L = R^-1`` still holds. Without a reference numpy/LAPACK's choice is kept.

Cost (one thread, see ``_linalg``): ``torch.linalg.eig`` ~20-40 ms per 256x256 matrix; L = R^-1
adds ~4 ms (NumPy batched inverse: torch's threaded batched LU is unsafe here). For 1,000 fixed
points this is ~30-45 s, so the spectra stage computes full spectra once and stores only the
eigenvalues and the top mode's vectors (``top_modes`` slices the rest).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ._linalg import batched_inv, eig, leading_inverse_rows

# Bump when a change alters this module's results (fed to the workflow rules' params).
STAGE_VERSION = "1"


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
    order = np.argsort(-np.abs(w), axis=-1, kind="stable")
    w = np.take_along_axis(w, order, axis=-1)
    r = np.take_along_axis(r, order[:, None, :], axis=-1)
    r = r / np.linalg.norm(r, axis=1, keepdims=True)
    if reference is not None:
        ref = np.asarray(torch.as_tensor(reference).detach().cpu(), dtype=np.float64)
        ref = np.broadcast_to(ref, (r.shape[0], r.shape[1]))
        proj = np.einsum("kni,kn->ki", r, ref)
        phase = np.where(np.abs(proj) > 1e-12, np.conj(proj) / np.maximum(np.abs(proj), 1e-300),
                         1.0)
        r = r * phase[:, None, :]
    if n_left is not None:
        return w, r, leading_inverse_rows(r, min(n_left, r.shape[-1]))
    left = batched_inv(torch.from_numpy(np.ascontiguousarray(r))).numpy()
    return w, r, left


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
