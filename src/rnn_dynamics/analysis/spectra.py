"""Eigen-decomposition of linearised dynamics: modes, left/right eigenvectors, time constants,
and the integrating mode.

Conventions (used everywhere in the analysis):

* ``J = R diag(lambda) L`` with ``L = R^-1``: columns of R are right eigenvectors r_i, rows of L
  are left eigenvectors l_i, so ``l_i . r_j = delta_ij``.
* Precision: every routine here computes in float64 (Jacobians may come in float32 and are
  cast). In float32, a 128 x 128 non-normal Jacobian with a true tau of 2e5 gives anything from
  8e4 to 7e5, and two slow modes 2e-5 apart get a left eigenvector at cos 0.6 to the truth.
* Order (:func:`mode_order`): by time constant tau = 1/|log|lambda|| descending, so **mode 1
  is the slowest mode** (tau_1 in every table and figure). A mode that grows
  (|lambda| > 1 + :data:`MARGIN`) keeps its place by tau and is flagged ``growing``: along an
  approximate line attractor the line direction is as often slightly unstable (a saddle,
  |lambda| = 1.009, tau ~ 110) as slightly stable, and it is the slow mode either way; a fast
  unstable mode (|lambda| = 1.3, tau ~ 4), which sorting by |lambda| put first, comes late.
* Sign/phase: with a ``reference`` vector (we pass the readout, or the manifold direction m,
  itself oriented along +readout), each r_i is multiplied by the unit complex number that makes
  ``r_i . reference`` real and >= 0 (a sign flip for real modes) and l_i by its inverse, so
  ``L = R^-1`` still holds. Without a reference LAPACK's choice is kept.

The integrating mode (:func:`integrating_mode`) is named by its role, not its rank: among the
real slow modes, the one that carries word valence to the readout over a document. A word x
excites mode i by ``l_i^T J_inp x``, which moves the readout by ``(w . r_i) l_i^T J_inp x`` and
persists for about tau_i tokens; so each candidate scores

    score_i = |w . r_i| * |cov_words(l_i^T J_inp x, valence)| / sd(valence)
              * tau_i (1 - exp(-H / tau_i))

(covariance over the vocabulary; valence: the bag-of-words coefficients, the paper's definition
of positive and negative words; H the horizon, a typical document length; the product is
invariant to the scaling of r_i and l_i). A frozen unit (update gate ~ 1, no input drive) and
a mode driven by every word alike (word counting) score ~0 however slow they are; a fast
readout-aligned mode has a small persistence factor. Without valences the spread
``sd_words(l_i^T J_inp x)`` replaces the covariance term. Candidates are the real Ritz modes
nearest lambda = 1 (:func:`slow_modes`), on either side of 1: a line direction that grows
slowly integrates as well as one that decays slowly (the persistence uses tau either way).

Cost (per 256 x 256 matrix, 2 cores, ``bench/bench_jacobians.py``): all eigenvalues float64
about twice float32; the slow block (one LU, a few block solves) and the integrator's refined
vectors (one more LU) a fraction of that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ._linalg import batched_inv, eig, eigvals, leading_inverse_rows, split_batch

MARGIN = 1e-3           # |lambda| > 1 + MARGIN: growing (also the stability labels)
SHIFT = 1.0 + 1.1e-3    # shift of the slow-mode block: near lambda = 1, not on it
SLOW_TAU = 10.0         # tokens: modes at least this slow count as slow (single-unit count)
UNIT_PR = 3.0           # participation ratio below which a mode lives on one or two units


def _float64(j: Tensor | np.ndarray) -> Tensor:
    j = torch.as_tensor(j).detach().cpu()
    return j.to(torch.complex128 if j.is_complex() else torch.float64)


def time_constants(eigvals: np.ndarray) -> np.ndarray:
    """tau = 1 / |log |lambda||, in tokens (steps); inf where |lambda| = 1 (a perfect integrator).

    A mode decays by e after tau steps (or grows, for |lambda| > 1).
    """
    mod = np.abs(np.asarray(eigvals))
    with np.errstate(divide="ignore"):
        return 1.0 / np.abs(np.log(mod))


def growing(eigvals: np.ndarray, margin: float = MARGIN) -> np.ndarray:
    """True for modes that grow: |lambda| > 1 + margin."""
    return np.abs(np.asarray(eigvals)) > 1 + margin


def mode_order(w: np.ndarray) -> np.ndarray:
    """Indices [K, N] sorting eigenvalues by tau descending (|log|lambda|| ascending); ties by
    Im lambda descending (a conjugate pair lists +Im first, whichever routine produced it)."""
    w = np.asarray(w)
    rate = np.abs(np.log(np.maximum(np.abs(w), 1e-300)))        # 1/tau
    return np.lexsort((-w.imag, rate), axis=-1)


def sorted_eigvals(j_rec: Tensor | np.ndarray) -> np.ndarray:
    """All eigenvalues [K, N] (complex128) of a batch of Jacobians, in :func:`mode_order`."""
    w = eigvals(_float64(j_rec)).numpy()
    return np.take_along_axis(w, mode_order(w), axis=-1)


def eigendecompose(j_rec: Tensor | np.ndarray, reference: Tensor | np.ndarray | None = None,
                   n_left: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full eigen-decomposition of a batch of Jacobians [K, N, N], in float64.

    Returns ``(eigvals [K, N] complex, R [K, N, N] columns = right eigvecs, L = R^-1 [K, N, N]
    rows = left eigvecs)`` in :func:`mode_order`, with the conventions of the module
    docstring. ``reference`` is [N] or [K, N]. With ``n_left = k`` only the first k left
    eigenvectors are computed (L is [K, k, N]), several times faster than inverting R.
    """
    w, r = eig(_float64(j_rec))
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


def mode_vectors(j_rec: Tensor | np.ndarray, lam: np.ndarray,
                 reference: Tensor | np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Right and left eigenvectors ``(r [K, N], l [K, N])`` of one known eigenvalue per matrix.

    Inverse iteration in float64; r unit norm, ``r . reference`` real >= 0, ``l . r = 1``.
    """
    j = _float64(j_rec)
    lam_t = torch.from_numpy(np.ascontiguousarray(np.asarray(lam, dtype=np.complex128)))
    right, left = split_batch(_inverse_iteration, j, lam_t)
    r, l_ = right.numpy(), left.numpy()
    r = r * _align(r[:, :, None], reference)[:, :1]
    l_ = l_ / np.einsum("kn,kn->k", l_, r)[:, None]
    return r, l_


def slowest_mode(j_rec: Tensor | np.ndarray, reference: Tensor | np.ndarray | None = None,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All eigenvalues and the slowest mode's eigenvectors of a batch of Jacobians [K, N, N].

    Returns ``(eigvals [K, N] complex in mode_order, r1 [K, N], l1 [K, N])`` with the
    conventions of the module docstring (mode 1: the slowest mode); the same
    vectors as ``eigendecompose(..., n_left=1)`` at about 40% of the cost.
    """
    w = sorted_eigvals(j_rec)
    r1, l1 = mode_vectors(j_rec, w[:, 0], reference)
    return w, r1, l1


def _slow_block(j: Tensor, n_block: int, iters: int, seed: int,
                ) -> tuple[Tensor, Tensor, Tensor]:
    """Two-sided shift-invert subspace iteration at :data:`SHIFT`: Ritz values [K, b], right
    Ritz vectors [K, N, b] and biorthogonal left ones [K, b, N] of the modes nearest 1."""
    k, n = j.shape[0], j.shape[-1]
    m = j - SHIFT * torch.eye(n, dtype=j.dtype)
    lu, piv, _ = torch.linalg.lu_factor_ex(m)
    gen = torch.Generator().manual_seed(seed)
    x = torch.linalg.qr(torch.randn(n, n_block, generator=gen, dtype=j.dtype))[0].expand(k, -1, -1)
    y = x.clone()
    for _ in range(iters):
        x = torch.linalg.qr(torch.linalg.lu_solve(lu, piv, x))[0]
        y = torch.linalg.qr(torch.linalg.lu_solve(lu, piv, y, adjoint=True))[0]
    b = y.mT @ x                                        # Y^T X
    c = torch.linalg.solve(b, y.mT @ j @ x)              # B^-1 Y^T J X: the projected J
    theta, z = torch.linalg.eig(c)
    right = x.to(z.dtype) @ z
    left = torch.linalg.solve(z, torch.linalg.solve(b, y.mT).to(z.dtype))   # Z^-1 B^-1 Y^T
    return theta, right, left


def slow_modes(j_rec: Tensor | np.ndarray, n_modes: int = 16, *, oversample: int = 8,
               iters: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``n_modes`` eigenpairs nearest lambda = 1 of each Jacobian, in float64.

    One LU of ``J - SHIFT I`` and a two-sided block inverse iteration (with ``oversample``
    extra vectors), then an oblique Rayleigh-Ritz step, so right and left vectors come out
    biorthogonal (``l_i . r_j = delta_ij``). Returns ``(theta [K, m], R [K, N, m] unit columns,
    L [K, m, N])`` ordered by distance from 1. Cheaper than a full eigen-decomposition when only
    the slow modes' vectors are needed.
    """
    j = _float64(j_rec)
    n = j.shape[-1]
    n_block = min(n, n_modes + oversample)
    theta, right, left = split_batch(lambda jj: _slow_block(jj, n_block, iters, seed), j)
    theta, right, left = theta.numpy(), right.numpy(), left.numpy()
    order = np.argsort(np.abs(theta - SHIFT), axis=-1, kind="stable")[:, :min(n_modes, n)]
    theta = np.take_along_axis(theta, order, axis=-1)
    right = np.take_along_axis(right, order[:, None, :], axis=-1)
    left = np.take_along_axis(left, order[:, :, None], axis=-2)
    norms = np.linalg.norm(right, axis=1)
    return theta, right / norms[:, None, :], left * norms[:, :, None]


def participation_ratio(v: np.ndarray) -> np.ndarray:
    """(sum v_i^2)^2 / sum v_i^4 over the last axis: ~1 for one unit, N for an even spread."""
    p = np.abs(np.asarray(v)) ** 2
    return p.sum(-1) ** 2 / np.maximum((p * p).sum(-1), 1e-300)


@dataclass(frozen=True)
class IntegratingMode:
    """The integrating mode at each of K points (see the module docstring).

    ``index`` is the mode's 1-based position in :func:`mode_order` (0: no real slow candidate),
    ``growing`` whether it grows (|lambda| > 1 + MARGIN);
    ``r`` (unit, ``r . readout >= 0``) and ``l`` (``l . r = 1``) are real [K, N]; ``n_unit_slow``
    counts real slow modes (tau >= SLOW_TAU) living on one or two units (PR < UNIT_PR), and
    ``score_share`` is the winner's share of all candidates' scores (1: unambiguous).
    """

    index: np.ndarray
    growing: np.ndarray
    eigval: np.ndarray
    tau: np.ndarray
    participation: np.ndarray
    readout_alignment: np.ndarray
    score_share: np.ndarray
    n_unit_slow: np.ndarray
    r: np.ndarray
    l: np.ndarray


def word_drive(word_vectors: np.ndarray, valence: np.ndarray | None = None,
               ) -> tuple[np.ndarray, bool]:
    """What the drive term of the score needs from the vocabulary, as ``(matrix, is_valence)``.

    With valences: ``g = cov_words(x, valence) / sd(valence)`` [E], so that
    ``|u . g| = |cov(u . x, valence)| / sd(valence)`` for any ``u``; without: the covariance
    of the word vectors [E, E], so that ``sqrt(u^T C u) = sd_words(u . x)``.
    """
    x = np.asarray(word_vectors, dtype=np.float64)
    if valence is None:
        return np.atleast_2d(np.cov(x, rowvar=False)), False
    v = np.asarray(valence, dtype=np.float64)
    v = v - v.mean()
    g = (x - x.mean(0)).T @ v / len(v) / max(float(v.std()), 1e-300)
    return g, True


def integrating_mode(j_rec: Tensor | np.ndarray, j_inp: Tensor | np.ndarray,
                     readout: Tensor | np.ndarray | None, eigvals_sorted: np.ndarray, *,
                     word_vectors: np.ndarray | None = None, valence: np.ndarray | None = None,
                     horizon: float = 100.0, n_modes: int = 16, seed: int = 0,
                     ) -> IntegratingMode:
    """Find the integrating mode at each point (criterion in the module docstring).

    ``j_rec`` [K, N, N] and ``j_inp`` [K, N, E] at the points; ``readout`` w [N];
    ``eigvals_sorted`` [K, N] from :func:`sorted_eigvals` (for the mode's index);
    ``word_vectors`` [V, E] the inputs of the vocabulary (embeddings; identity rows if None)
    and ``valence`` [V] their bag-of-words coefficients (None: the spread of the drive);
    ``horizon`` H in tokens.
    """
    k, n = eigvals_sorted.shape
    theta, right, left = slow_modes(j_rec, n_modes, seed=seed)
    jin = _float64(j_inp).numpy()
    w = np.ones(n) if readout is None else np.asarray(torch.as_tensor(readout).double().cpu())
    vectors = np.eye(jin.shape[-1]) if word_vectors is None else word_vectors
    drive_of, is_valence = word_drive(vectors, valence)
    real = np.abs(theta.imag) <= 1e-10             # slowly growing modes count too (see above)
    tau = time_constants(theta.real)
    drive_vec = np.einsum("kmn,kne->kme", left.real, jin)                 # l_i^T J_inp  [K, m, E]
    if is_valence:
        drive = np.abs(drive_vec @ drive_of)
    else:
        drive = np.sqrt(np.maximum(np.einsum("kme,ef,kmf->km", drive_vec, drive_of, drive_vec),
                                   0.0))
    readout_gain = np.abs(np.einsum("knm,n->km", right.real, w))
    with np.errstate(over="ignore", invalid="ignore"):
        persistence = np.where(np.isinf(tau), horizon, tau * -np.expm1(-horizon / tau))
    score = np.where(real, readout_gain * drive * persistence, -np.inf)
    best = np.argmax(score, axis=-1)
    found = np.isfinite(score[np.arange(k), best])
    lam = theta[np.arange(k), best].real
    # refine the winner's vectors by inverse iteration at its eigenvalue from the full spectrum
    nearest = np.argmin(np.abs(eigvals_sorted - lam[:, None]), axis=-1)
    exact = eigvals_sorted[np.arange(k), nearest]
    exact = np.where(found, exact.real, 0.5)
    r_int, l_int = mode_vectors(j_rec, exact, readout)
    pr_all = participation_ratio(np.swapaxes(right, 1, 2))
    n_unit = (real & (tau >= SLOW_TAU) & (pr_all < UNIT_PR)).sum(-1)
    positive = np.where(np.isfinite(score), np.maximum(score, 0.0), 0.0)
    share = positive[np.arange(k), best] / np.maximum(positive.sum(-1), 1e-300)
    w_norm = max(float(np.linalg.norm(w)), 1e-300)
    r_real = r_int.real
    nan = np.full(k, np.nan)
    return IntegratingMode(
        index=np.where(found, nearest + 1, 0).astype(np.int64),
        growing=found & growing(exact),
        eigval=np.where(found, exact, nan),
        tau=np.where(found, time_constants(exact), nan),
        participation=np.where(found, participation_ratio(r_real), nan),
        readout_alignment=np.where(found, np.abs(r_real @ w) / w_norm, nan),
        score_share=np.where(found, share, nan),
        n_unit_slow=n_unit.astype(np.int64),
        r=np.where(found[:, None], r_real, np.nan),
        l=np.where(found[:, None], l_int.real, np.nan),
    )
