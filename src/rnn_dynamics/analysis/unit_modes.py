"""Slow modes that live on one or two units: memories, not integrators.

Without regularisation, units whose update gate saturates near 1 (GRU, UGRNN) or whose forget
gate does (LSTM) keep their value for hundreds of tokens whatever the input: each is a slow
eigenmode of J_rec concentrated on that unit (participation ratio ~1) with no input drive,
which can outrank the distributed, readout-aligned integrator. Counting them per fixed point
says how much of a network's slow spectrum is such frozen units.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from .spectra import SLOW_TAU, UNIT_PR, participation_ratio, time_constants


def count_unit_slow_modes(j_rec: Tensor | np.ndarray, *, slow_tau: float = SLOW_TAU,
                          unit_pr: float = UNIT_PR) -> np.ndarray:
    """Per Jacobian [K, N, N]: real modes with tau >= ``slow_tau`` whose right eigenvector has a
    participation ratio below ``unit_pr`` (full float64 eigendecomposition) -> int [K]."""
    j = torch.as_tensor(j_rec).detach().cpu().to(torch.float64)
    lam, vec = torch.linalg.eig(j)
    lam, vec = lam.numpy(), vec.numpy()
    real = np.abs(lam.imag) <= 1e-10
    slow = time_constants(lam.real) >= slow_tau
    local = participation_ratio(np.swapaxes(vec, 1, 2)) < unit_pr
    return (real & slow & local).sum(-1).astype(np.int64)
