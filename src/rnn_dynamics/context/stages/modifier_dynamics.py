"""Rule modifier_dynamics: how a modifier's effect decays over intervening neutral words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..dynamics import modifier_dynamics
from ..modifiers import top_modifiers
from ._common import PathLike, probe_for, write_parquet


def run_dynamics_stage(model: Any, test: pd.DataFrame, bow_coefficients: pd.DataFrame,
                       modifiers: pd.DataFrame, out_path: PathLike, *, n_modifiers: int = 10,
                       max_gap: int = 8, probe_cfg: Mapping[str, Any] | None = None,
                       device: str = "auto") -> pd.DataFrame:
    """Gain of a valence word ``gap`` neutral tokens after each top modifier
    (:mod:`rnn_dynamics.context.dynamics`).

    Schema (one row per (modifier, gap), gap 0..max_gap; max_gap < probe ``far``)::

        token           str      modifier
        id              int64    vocabulary id
        gap             int64    neutral tokens between modifier and valence word
        gain            float64  valence-effect gain relative to reading from the attractor
        deflection      float64  mean ||D(gap) - D(far)||: transient distance off the attractor
        strength        float64  gain at gap 0                     (per modifier, repeated)
        span            int64    leading gaps with |gain-1| >= 1/2 |gain(0)-1|   (repeated)
        tau_gain        float64  exponential time constant of |gain - 1| (tokens; repeated)
        tau_deflection  float64  exponential time constant of the deflection   (repeated)
    """
    probe = probe_for(model, test, bow_coefficients, probe_cfg, device)
    table = modifier_dynamics(probe, top_modifiers(modifiers, n_modifiers), max_gap=max_gap)
    write_parquet(table, out_path)
    return table
