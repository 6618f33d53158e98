"""Exact Jacobians of a recurrent step F(h, x), batched over expansion points.

The paper linearises F around fixed points (h*, x* = 0):
``F(h* + dh, x) ~ h* + J_rec dh + J_inp x``. We get both Jacobians exactly with
``torch.func.vmap(torch.func.jacrev(step, argnums=(0, 1)))``, so any step that works under
``torch.func`` (the model contract) is covered. When ``step`` is the ``step`` method of a model
that also has ``step_jacobians(h, x) -> (J_rec, J_inp)`` (our ``SentimentRNN``: closed forms in
:mod:`rnn_dynamics.models.cell_jacobians`), that is used instead: O(N^2) per point against
jacrev's O(N^3), about 45x faster at N = 256 (``bench/bench_jacobians.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor
from torch.func import jacrev, vmap

Step = Callable[[Tensor, Tensor], Tensor]
JacobianPair = Callable[..., tuple[Tensor, Tensor | None]]


def closed_form_of(step: Step) -> JacobianPair | None:
    """The owner's ``step_jacobians`` when ``step`` is a bound ``step`` method that has one."""
    owner = getattr(step, "__self__", None)
    if getattr(step, "__name__", "") != "step":
        return None
    return getattr(owner, "step_jacobians", None)


def _zeros_input(h: Tensor, input_dim: int | None) -> Tensor:
    if input_dim is None:
        raise ValueError("x_star is None: pass input_dim so that zero inputs can be built")
    return h.new_zeros(h.shape[0], input_dim)


def jacobians(step: Step, h_star: Tensor, x_star: Tensor | None = None, *,
              input_dim: int | None = None, chunk_size: int = 256) -> tuple[Tensor, Tensor]:
    """Recurrent and input Jacobians at K expansion points.

    Args:
        step: pure map F(h [N], x [E]) -> h' [N] (also works batched).
        h_star: [K, N] expansion points (e.g. fixed points).
        x_star: [K, E] inputs at the expansion points; ``None`` means zeros (needs ``input_dim``).
        chunk_size: points per vmap call, to bound memory (K * N * (N + E) floats per chunk).

    Returns:
        ``(J_rec [K, N, N], J_inp [K, N, E])`` with ``J_rec[k, i, j] = dF_i / dh_j``.
    """
    if x_star is None:
        x_star = _zeros_input(h_star, input_dim)
    jac = closed_form_of(step) or vmap(jacrev(step, argnums=(0, 1)))
    recs, inps = [], []
    with torch.no_grad():
        for start in range(0, h_star.shape[0], chunk_size):
            j_rec, j_inp = jac(h_star[start:start + chunk_size], x_star[start:start + chunk_size])
            recs.append(j_rec)
            inps.append(j_inp)
    if not recs:
        n, e = h_star.shape[-1], x_star.shape[-1]
        return h_star.new_zeros(0, n, n), h_star.new_zeros(0, n, e)
    return torch.cat(recs), torch.cat(inps)


def recurrent_jacobians(step: Step, h: Tensor, x: Tensor | None = None, *,
                        input_dim: int | None = None, chunk_size: int = 256) -> Tensor:
    """Only dF/dh [K, N, N]: what the fixed-point solver needs (half the work of both)."""
    if x is None:
        x = _zeros_input(h, input_dim)
    closed = closed_form_of(step)
    if closed is not None:                    # O(N^2) per point: no chunking needed for speed
        with torch.no_grad():
            return closed(h, x, with_input=False)[0]
    jac = vmap(jacrev(step, argnums=0))
    with torch.no_grad():
        parts = [jac(h[s:s + chunk_size], x[s:s + chunk_size])
                 for s in range(0, h.shape[0], chunk_size)]
    if not parts:
        return h.new_zeros(0, h.shape[-1], h.shape[-1])
    return torch.cat(parts)
