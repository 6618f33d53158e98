"""Modifier dynamics: how strongly and for how long a modifier changes later valence words.

For modifier w and ``gap`` neutral tokens between w and a valence word v (gap 0: v right after
w), ``gain(gap)`` is the least-squares gain of the effect of v after ``w, gap fillers`` on its
effect after ``w, far fillers`` (from the attractor; see :mod:`.probe`). Per modifier:

* ``strength`` = gain(0);
* ``span`` = number of leading gaps whose |gain - 1| stays above half of |gain(0) - 1|: the
  number of tokens the modifier reaches (the synthetic language's "span");
* ``tau_gain``: time constant (tokens) of an exponential fit to |gain(gap) - 1|;
* ``tau_deflection``: the same fit to the transient deflection
  ``||D(gap) - D(far)||`` with ``D(gap) = h(w, gap fillers) - h(n, gap fillers)``, i.e. how fast
  the state returns to the attractor after the modifier pushed it off.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from .probe import Probe, gain, rollout

DYNAMICS_COLUMNS = ["token", "id", "gap", "gain", "deflection", "strength", "span", "tau_gain",
                    "tau_deflection"]


def exp_timescale(values: np.ndarray, floor: float = 0.05) -> float:
    """tau of ``values[k] ~ A exp(-k / tau)`` by a log-linear least-squares fit.

    Only the leading run of points above ``floor`` x the first value is fitted (after that the
    effect is gone and what is left is noise); nan with fewer than two such points (e.g. an
    effect that lasts a single token: see ``span``), inf when nothing decays.
    """
    y = np.abs(np.asarray(values, dtype=np.float64))
    if len(y) < 2 or y[0] <= 0:
        return float("nan")
    below = np.flatnonzero(y <= floor * y[0])
    n = int(below[0]) if len(below) else len(y)
    if n < 2:
        return float("nan")
    slope = np.polyfit(np.arange(n), np.log(y[:n]), 1)[0]
    return float(-1.0 / slope) if slope < 0 else float("inf")


def effect_span(gains: np.ndarray, fraction: float = 0.5) -> int:
    """Leading gaps whose |gain - 1| >= ``fraction`` x |gain(0) - 1| (consecutively)."""
    dev = np.abs(np.asarray(gains, dtype=np.float64) - 1.0)
    if len(dev) == 0 or dev[0] == 0:
        return 0
    below = np.flatnonzero(dev < fraction * dev[0])
    return int(below[0]) if len(below) else len(dev)


def gain_curve(probe: Probe, word: int, max_gap: int, hook=None) -> tuple[np.ndarray, float]:
    """(gain per gap 0..max_gap [max_gap+1], mean |baseline effect|) for one word.

    ``hook`` perturbs every step (see :mod:`.perturbation`); the baseline is measured with it.
    """
    if max_gap + 1 > probe.far:
        raise ValueError(f"max_gap = {max_gap} must be < far = {probe.far}")
    wcol = probe.column(word)
    base = probe.effects(probe.states, torch.cat([wcol, probe.fillers(probe.far)], 1),
                         hook=hook).cpu().numpy()
    gains = [gain(probe.effects(probe.states, torch.cat([wcol, probe.fillers(g)], 1),
                                hook=hook).cpu().numpy(), base) for g in range(max_gap + 1)]
    return np.array(gains), float(np.abs(base).mean())


def deflection_curve(probe: Probe, word: int, max_gap: int) -> np.ndarray:
    """Mean transient deflection ||D(gap) - D(far)|| for gap 0..max_gap."""
    w = probe.column(word)
    n = probe.target_neutral[:, None]

    def diff(g: int) -> Tensor:
        fill = probe.fillers(g)
        return (rollout(probe.model, probe.states, torch.cat([w, fill], 1))
                - rollout(probe.model, probe.states, torch.cat([n, fill], 1)))

    final = diff(probe.far)
    return np.array([float((diff(g) - final).norm(dim=-1).mean()) for g in range(max_gap + 1)])


def modifier_dynamics(probe: Probe, modifiers: pd.DataFrame, max_gap: int = 8,
                      span_fraction: float = 0.5) -> pd.DataFrame:
    """One row per (modifier, gap); schema ``DYNAMICS_COLUMNS``, the per-modifier summary
    (``strength, span, tau_gain, tau_deflection``) repeated on each of its rows."""
    rows = []
    for token, wid in zip(modifiers["token"], modifiers["id"]):
        gains, _ = gain_curve(probe, int(wid), max_gap)
        defl = deflection_curve(probe, int(wid), max_gap)
        summary = {"strength": float(gains[0]), "span": effect_span(gains, span_fraction),
                   "tau_gain": exp_timescale(gains - 1.0), "tau_deflection": exp_timescale(defl)}
        for g in range(max_gap + 1):
            rows.append({"token": token, "id": int(wid), "gap": g, "gain": float(gains[g]),
                         "deflection": float(defl[g]), **summary})
    table = pd.DataFrame(rows, columns=DYNAMICS_COLUMNS)
    return table.astype({"id": "int64", "gap": "int64", "span": "int64"})


def gain_lookup(dynamics: pd.DataFrame) -> dict[int, np.ndarray]:
    """modifier id -> gain per gap (gap 0 first), from a dynamics table."""
    return {int(wid): grp.sort_values("gap")["gain"].to_numpy(np.float64)
            for wid, grp in dynamics.groupby("id")}
