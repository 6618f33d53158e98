"""Batched dense linear algebra that is safe on every backend we run on.

Why this module exists: with torch 2.13's CPU build (oneMKL) and more than one intra-op thread,
batched LU (``torch.linalg.solve``, ``lu_factor``, ``inv``) of matrices larger than ~160 fails
('Parameter 6 was incorrect on entry to SLASWP') or returns garbage. NumPy's batched LAPACK
(OpenBLAS) is correct and about as fast, so on CPU we route solves and inverses through NumPy;
on CUDA torch's own kernels are used. ``torch.linalg.eig`` is correct on CPU and was the fastest
option measured here with ONE thread (~40 ms per 256x256 matrix; ``np.linalg.eig`` ~32-160 ms).
With two threads on busy cores it was 5-40x slower (MKL threads contending), so :func:`eig` runs
single-threaded: batches are many small matrices, where threads inside one matrix gain little.
The same holds for NumPy's batched solve/inverse (OpenBLAS): one thread was 4x faster than two
(0.6 vs 2.5 ms per 256x256 solve), so they also run under ``threadpool_limits(1)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from torch import Tensor

# Bump when a change alters results (part of the stages' code versions).
STAGE_VERSION = "1"


def batched_solve(a: Tensor, b: Tensor) -> Tensor:
    """Solve ``a @ x = b`` for batches of square ``a`` [K, N, N] and vectors ``b`` [K, N].

    Exactly singular matrices do not fail the batch: their rows come back as NaN, so callers
    (the Newton solver) can reject that step and damp it instead.
    """
    if a.device.type == "cpu":
        an, bn = a.detach().numpy(), b.detach().numpy()[..., None]
        with threadpool_limits(1):
            try:
                x = np.linalg.solve(an, bn)[..., 0]
            except np.linalg.LinAlgError:
                x = np.full(b.shape, np.nan, dtype=bn.dtype)
                for i in range(len(an)):
                    try:
                        x[i] = np.linalg.solve(an[i], bn[i])[:, 0]
                    except np.linalg.LinAlgError:
                        pass
        return torch.from_numpy(x).to(dtype=b.dtype)
    x, info = torch.linalg.solve_ex(a, b.unsqueeze(-1))
    x = x.squeeze(-1)
    return torch.where((info == 0).unsqueeze(-1), x, torch.full_like(x, float("nan")))


def batched_inv(a: Tensor) -> Tensor:
    """Inverse of a batch of square (real or complex) matrices [..., N, N]."""
    if a.device.type == "cpu":
        with threadpool_limits(1):
            inv = np.linalg.inv(a.detach().numpy())
        return torch.from_numpy(inv).to(dtype=a.dtype)
    return torch.linalg.inv(a)


def leading_inverse_rows(r: np.ndarray, k: int) -> np.ndarray:
    """The first ``k`` rows of ``inv(r)`` for a batch [K, N, N], without forming the inverse.

    Row i of R^-1 solves R^T x = e_i: one LU and k right-hand sides instead of N (the spectra
    stage needs only the slowest left eigenvector).
    """
    n = r.shape[-1]
    rhs = np.broadcast_to(np.eye(n, k, dtype=r.dtype), (*r.shape[:-2], n, k))
    with threadpool_limits(1):
        x = np.linalg.solve(np.swapaxes(r, -1, -2), rhs)
    return np.swapaxes(x, -1, -2)


@contextmanager
def single_thread() -> Iterator[None]:
    """Run the block with one torch intra-op thread, then restore the previous setting."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def eig(a: Tensor) -> tuple[Tensor, Tensor]:
    """``torch.linalg.eig`` of a batch [K, N, N] on CPU with one thread (see module docstring)."""
    a = a.detach().cpu()
    with single_thread():
        return torch.linalg.eig(a)


def eigvals(a: Tensor) -> Tensor:
    """Eigenvalues only (cheaper: no eigenvectors), same threading policy as :func:`eig`."""
    a = a.detach().cpu()
    with single_thread():
        return torch.linalg.eigvals(a)
