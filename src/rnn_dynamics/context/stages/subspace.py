"""Rule subspace: the principal subspace of the top modifiers' deflections, its eigenmodes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ...analysis.kept_points import points_from_table
from ..modifiers import top_modifiers
from ..subspace import subspace_table
from ._common import PathLike, probe_for, write_parquet


def run_subspace_stage(model: Any, test: pd.DataFrame, bow_coefficients: pd.DataFrame,
                       modifiers: pd.DataFrame, fixed_points: pd.DataFrame | None,
                       out_path: PathLike, *, n_modifiers: int = 10, variance: float = 0.9,
                       gaps: Sequence[int] = (0,), n_points: int = 30, slow: float = 0.95,
                       probe_cfg: Mapping[str, Any] | None = None,
                       device: str = "auto") -> pd.DataFrame:
    """Principal subspace of the top modifiers' deflections and its eigenmodes
    (:mod:`rnn_dynamics.context.subspace`); eigenmodes at the kept fixed points nearest to the
    probe states (at the probe states themselves, x = 0, when ``fixed_points`` is None or has
    none kept).

    Schema (one row per principal axis, up to 20)::

        component       int64          0-based axis index
        variance_ratio  float64        share of deflection energy (uncentred)
        cumulative      float64        cumulative share
        in_subspace     bool           component < dim
        dim             int64          axes needed for ``variance``
        share_r1        float64        eigen-share of mode 1 (the slowest, tau order; not
                                       necessarily the spectra stage's integrating mode)
        share_slow      float64        other modes with |lambda| >= slow
        share_fast      float64        modes with |lambda| < slow
        share_complex   float64        modes with Im lambda != 0
        tau_weighted    float64        effective time constant (tokens) of the non-r1 part
        r1_in_subspace  float64        mean ||Q^T r1||^2 (Q: the dim in-subspace axes)
        n_points        int64          expansion points used
        vector          list<float64>  the unit axis (length N)
    """
    probe = probe_for(model, test, bow_coefficients, probe_cfg, device)
    ids = top_modifiers(modifiers, n_modifiers)["id"].to_numpy(np.int64)
    pts = None
    if fixed_points is not None and len(fixed_points) and fixed_points["kept"].any():
        pts = points_from_table(fixed_points)
    table = subspace_table(probe, ids, fixed_points=pts, variance=variance, gaps=tuple(gaps),
                           n_points=n_points, slow=slow)
    write_parquet(table, out_path)
    return table
