"""Start and end of a review: does a valence word count differently there?

* From the start: a valence word after ``t`` neutral tokens, starting from the trained ``h0``
  (origin ``h0``) or from relaxed attractor states (origin ``attractor``, the control); gain
  relative to the same word after ``far`` tokens from the same origin. A gain > 1 at t = 0
  means h0 acts like an intensifier for the first words.
* From the end: the final readout's response to a valence word read ``j`` tokens before the
  end (j = 0: the last token), relative to j = ``settle`` (the integrated effect). A gain > 1
  at small j means fast modes visible to the readout emphasise the last words.
* Whether h0 lies in the modifier subspace: the fraction of ``h0 - (nearest attractor state)``
  inside it (``h0_subspace_fraction``), against ``dim / N`` for a random direction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from .dynamics import exp_timescale
from .probe import Probe, gain

POSITION_COLUMNS = ["origin", "offset", "effect", "gain", "tau", "h0_subspace_fraction",
                    "h0_distance", "random_fraction"]


def start_gains(probe: Probe, h0: torch.Tensor | None, max_offset: int,
                ) -> tuple[np.ndarray, np.ndarray]:
    """(gain [max_offset + 1], mean |effect| [max_offset + 1]) for a valence word after t
    neutral tokens from ``h0`` [N] (None: from the probe's attractor states)."""
    if max_offset > probe.far:
        raise ValueError(f"max_offset = {max_offset} must be <= far = {probe.far}")
    h = probe.states if h0 is None else h0.detach().reshape(1, -1).expand(probe.k, -1).clone()
    base = probe.effects(h, probe.fillers(probe.far)).cpu().numpy()
    effs = [probe.effects(h, probe.fillers(t)).cpu().numpy() for t in range(max_offset + 1)]
    return (np.array([gain(e, base) for e in effs]),
            np.array([float(np.abs(e).mean()) for e in effs]))


def end_gains(probe: Probe, max_offset: int) -> tuple[np.ndarray, np.ndarray]:
    """(gain, mean |effect|) [max_offset + 1] of the final readout for a valence word j tokens
    before the end, relative to j = ``settle``."""
    if max_offset > probe.settle:
        raise ValueError(f"max_offset = {max_offset} must be <= settle = {probe.settle}")
    empty = probe.fillers(0)
    base = probe.effects(probe.states, empty).cpu().numpy()
    effs = [probe.effects(probe.states, empty, suffix_len=j).cpu().numpy()
            for j in range(max_offset + 1)]
    return (np.array([gain(e, base) for e in effs]),
            np.array([float(np.abs(e).mean()) for e in effs]))


def subspace_fraction(vector: np.ndarray, basis: np.ndarray) -> float:
    """||Q^T v||^2 / ||v||^2 for an orthonormal basis Q [N, d]."""
    v = np.asarray(vector, np.float64)
    den = float(v @ v)
    return float(((basis.T @ v) ** 2).sum() / den) if den > 0 else float("nan")


def position_table(probe: Probe, basis: np.ndarray | None, max_offset: int = 10,
                   min_effect: float = 0.05) -> pd.DataFrame:
    """Rows per (origin in h0 | attractor | end, offset); schema ``POSITION_COLUMNS``, with
    the h0 columns (and ``tau``, per origin) repeated. ``tau`` is the exponential time
    constant of |gain - 1| (nan when no |gain - 1| reaches ``min_effect``: no position effect)."""
    h0 = probe.model.initial_state().detach()
    near = probe.states[torch.cdist(h0[None], probe.states).argmin()]
    d = (h0 - near).cpu().double().numpy()
    frac = subspace_fraction(d, basis) if basis is not None and basis.size else float("nan")
    rand = basis.shape[1] / basis.shape[0] if basis is not None and basis.size else float("nan")
    parts = {"h0": start_gains(probe, h0, min(max_offset, probe.far)),
             "attractor": start_gains(probe, None, min(max_offset, probe.far)),
             "end": end_gains(probe, min(max_offset, probe.settle))}
    rows = []
    for origin, (gains, effects) in parts.items():
        dev = np.abs(gains - 1.0)
        tau = exp_timescale(dev) if dev.max(initial=0.0) >= min_effect else float("nan")
        rows += [{"origin": origin, "offset": j, "effect": float(effects[j]),
                  "gain": float(gains[j]), "tau": tau, "h0_subspace_fraction": frac,
                  "h0_distance": float(np.linalg.norm(d)), "random_fraction": rand}
                 for j in range(len(gains))]
    return pd.DataFrame(rows, columns=POSITION_COLUMNS).astype({"offset": "int64"})
