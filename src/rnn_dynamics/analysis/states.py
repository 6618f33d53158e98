"""Visited hidden states: where the network operates, and how low-dimensional that is.

The paper finds that states visited on test documents occupy a low-dimensional (~1-D) region;
:func:`pca_variance` and :func:`pcs_for_variance` quantify it, :func:`zero_input_speed` shows the
region is slow under zero input, and the states seed the fixed-point search.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.decomposition import PCA
from torch import Tensor

Step = Callable[[Tensor, Tensor], Tensor]


def collect_states(model: Any, ids: Tensor, lengths: Tensor, n_docs: int, seed: int = 0, *,
                   batch_size: int = 256) -> tuple[Tensor, list[Tensor], np.ndarray]:
    """Hidden states visited on ``n_docs`` documents drawn at random (seeded) from ``ids``.

    Args:
        model: follows the model contract (``hidden_states(ids[B, T], lengths[B]) -> [B, T, N]``,
            the state after each token).
        ids: [D, T] padded token ids (pad = 0); ``lengths``: [D] true lengths.

    Returns:
        ``(states [n_states, N], trajectories, doc_index)``: ``states`` concatenates the
        trajectories (only steps t < length); ``trajectories[i]`` is [length_i, N] for document
        ``doc_index[i]`` (row of ``ids``).
    """
    rng = np.random.default_rng(seed)
    n_docs = min(n_docs, ids.shape[0])
    doc_index = np.sort(rng.choice(ids.shape[0], size=n_docs, replace=False))
    device = next(model.parameters()).device if hasattr(model, "parameters") else ids.device
    trajectories: list[Tensor] = []
    with torch.no_grad():
        for start in range(0, n_docs, batch_size):
            rows = torch.from_numpy(doc_index[start:start + batch_size])
            lens = lengths[rows]
            t_max = int(lens.max())
            hs = model.hidden_states(ids[rows, :t_max].to(device), lens.to(device)).cpu()
            trajectories.extend(hs[i, :int(n)] for i, n in enumerate(lens))
    n = int(model.state_dim)
    states = torch.cat(trajectories) if trajectories else torch.zeros(0, n)
    return states, trajectories, doc_index


def pca_variance(states: Tensor | np.ndarray) -> np.ndarray:
    """Explained-variance ratio per principal component (sklearn PCA), largest first.

    Not cumulative: ``np.cumsum`` of it is the curve plotted in the paper.
    """
    x = np.asarray(states.detach().cpu() if isinstance(states, Tensor) else states, np.float64)
    return PCA().fit(x).explained_variance_ratio_


def pcs_for_variance(ratio: np.ndarray, fraction: float = 0.9) -> int:
    """How many leading PCs explain at least ``fraction`` of the variance (ratio from
    :func:`pca_variance`, per component)."""
    cum = np.cumsum(np.asarray(ratio))
    return int(min(np.searchsorted(cum, fraction - 1e-12) + 1, len(cum)))


def zero_input_speed(step: Step, states: Tensor, input_dim: int) -> np.ndarray:
    """Relative speed ``||F(h, 0) - h|| / ||h||`` per state: how far one zero-input step moves it."""
    with torch.no_grad():
        f = step(states, states.new_zeros(states.shape[0], input_dim))
        num = (f - states).norm(dim=-1)
        den = states.norm(dim=-1).clamp_min(torch.finfo(states.dtype).tiny)
    return (num / den).cpu().numpy()
