"""Batched dense linear algebra that is safe and fast on every backend we run on.

Why this module exists: with torch 2.13's CPU build (oneMKL) and more than one intra-op thread,
batched LU (``torch.linalg.solve``, ``lu_factor``, ``inv``) of matrices larger than ~160 fails
('Parameter 6 was incorrect on entry to SLASWP') or returns garbage. With ONE intra-op thread
it is correct. Our batches are many small matrices, where threads inside one matrix gain
little anyway, so on CPU every routine here splits the batch into blocks and runs one block
per worker thread, each worker's torch (and BLAS) limited to one thread: correct, and 1.7-1.9x
faster than one thread on 2 cores (LU of 1,024 matrices of 256: 0.66 -> 0.36-0.44 s;
eigenvalues of 200: 2.4 -> 1.3 s). Workers = :func:`rnn_dynamics.runtime.workers` (the rule's
``threads:`` in the workflow). Block boundaries are fixed (``BLOCK`` matrices) whatever the
number of workers, so results do not depend on how many cores a job was given. On CUDA
torch's own batched kernels are used directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import pairwise

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from torch import Tensor

from .. import runtime

BLOCK = 32              # matrices per block: fixed, so the split never depends on the workers


@contextmanager
def single_thread() -> Iterator[None]:
    """Run the block with one torch intra-op thread and one BLAS thread, then restore."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(previous)


def split_batch(fn: Callable[..., Tensor | tuple[Tensor, ...]], *batches: Tensor,
                workers: int | None = None) -> Tensor | tuple[Tensor, ...]:
    """``fn(*batches)`` computed in blocks of ``BLOCK`` along dim 0 by ``workers`` threads,
    one torch thread each; outputs (a tensor or a tuple of tensors) are concatenated back in
    order. The blocks are the same for any ``workers``, and so are the results."""
    workers = runtime.workers() if workers is None else workers
    k = batches[0].shape[0]
    bounds = [*range(0, k, BLOCK), k] if k > BLOCK else [0, k]
    blocks = [tuple(b[lo:hi] for b in batches) for lo, hi in pairwise(bounds)]
    workers = max(1, min(workers, len(blocks)))

    def run(args: tuple[Tensor, ...]) -> Tensor | tuple[Tensor, ...]:
        torch.set_num_threads(1)      # OpenMP settings can be per thread: pin each worker too
        return fn(*args)

    with single_thread():
        if len(blocks) == 1:
            return fn(*batches)
        if workers == 1:
            outs = [fn(*args) for args in blocks]
        else:
            with ThreadPoolExecutor(workers) as pool:
                outs = list(pool.map(run, blocks))
    if isinstance(outs[0], tuple):
        return tuple(torch.cat(parts) for parts in zip(*outs))
    return torch.cat(outs)


def _solve_or_nan(a: Tensor, b: Tensor) -> Tensor:
    x, info = torch.linalg.solve_ex(a, b)
    bad = info != 0
    if bool(bad.any()):
        x[bad] = float("nan")
    return x


def batched_solve(a: Tensor, b: Tensor) -> Tensor:
    """Solve ``a @ x = b`` for batches of square ``a`` [K, N, N] and vectors ``b`` [K, N].

    Exactly singular matrices do not fail the batch: their rows come back as NaN, so callers
    (the Newton solver) can reject that step and damp it instead.
    """
    rhs = b.unsqueeze(-1)
    if a.device.type != "cpu":
        return _solve_or_nan(a, rhs).squeeze(-1)
    return split_batch(_solve_or_nan, a.detach(), rhs.detach()).squeeze(-1)


def batched_inv(a: Tensor) -> Tensor:
    """Inverse of a batch of square (real or complex) matrices [..., N, N]."""
    if a.device.type != "cpu":
        return torch.linalg.inv(a)
    return split_batch(torch.linalg.inv, a.detach())


def leading_inverse_rows(r: np.ndarray, k: int) -> np.ndarray:
    """The first ``k`` rows of ``inv(r)`` for a batch [K, N, N], without forming the inverse.

    Row i of R^-1 solves R^T x = e_i: one LU and k right-hand sides instead of N (the spectra
    stage needs only the slowest left eigenvector).
    """
    rt = torch.from_numpy(np.ascontiguousarray(np.swapaxes(r, -1, -2)))
    rhs = torch.eye(r.shape[-1], k, dtype=rt.dtype).expand(rt.shape[0], -1, -1)
    x = split_batch(torch.linalg.solve, rt, rhs)
    return np.swapaxes(x.numpy(), -1, -2)


def eig(a: Tensor) -> tuple[Tensor, Tensor]:
    """``torch.linalg.eig`` of a batch [K, N, N] on CPU, split over worker threads."""
    return split_batch(torch.linalg.eig, a.detach().cpu())


def eigvals(a: Tensor) -> Tensor:
    """Eigenvalues only (cheaper: no eigenvectors), same threading policy as :func:`eig`."""
    return split_batch(torch.linalg.eigvals, a.detach().cpu())
