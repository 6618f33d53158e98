"""Rule position: valence effects near the start and the end of a review."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..position import position_table
from ..subspace import basis_from_table
from ._common import PathLike, probe_for, write_parquet


def run_position_stage(model: Any, test: pd.DataFrame, bow_coefficients: pd.DataFrame,
                       subspace: pd.DataFrame | None, out_path: PathLike, *,
                       max_offset: int = 10, probe_cfg: Mapping[str, Any] | None = None,
                       device: str = "auto") -> pd.DataFrame:
    """Valence effects near the start (from h0 and, as control, from the attractor) and the end
    of a review, and whether h0 lies in the modifier subspace
    (:mod:`rnn_dynamics.context.position`).

    Schema (one row per (origin, offset))::

        origin                str      'h0' | 'attractor' (start, offset = tokens before the
                                       word) | 'end' (offset = tokens after it to the end)
        offset                int64
        effect                float64  mean |valence effect| (logit units)
        gain                  float64  relative to offset far (start) or settle (end)
        tau                   float64  exponential time constant of |gain - 1| (per origin)
        h0_subspace_fraction  float64  ||Q^T d||^2/||d||^2, d = h0 - nearest attractor state
        h0_distance           float64  ||d||
        random_fraction       float64  dim / N, the expected fraction for a random direction
    """
    probe = probe_for(model, test, bow_coefficients, probe_cfg, device)
    basis = basis_from_table(subspace) if subspace is not None and len(subspace) else None
    table = position_table(probe, basis, max_offset=max_offset)
    write_parquet(table, out_path)
    return table
