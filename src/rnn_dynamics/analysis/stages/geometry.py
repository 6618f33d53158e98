"""Rule geometry: the fixed-point manifold direction m, the LLE coordinate and the r.m overlap."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..geometry import alignment, lle_coordinate, manifold_direction, overlap_with_null
from ._common import PathLike, _kept, _stack, _write_empty, write_parquet

GEOMETRY_COLUMNS = ["start_index", "theta", "readout_projection", "r_int_overlap",
                    "m_variance_ratio", "readout_alignment", "null_median", "null_p99", "m",
                    "readout", "h0"]


def run_geometry_stage(model: Any, fixed_points: pd.DataFrame, spectra: pd.DataFrame,
                       out_path: PathLike, *, n_neighbors: int = 10, n_null: int = 10_000,
                       seed: int = 0) -> pd.DataFrame:
    """Line-attractor geometry of the kept fixed points.

    Schema (one row per kept fixed point; the scalar summaries repeat on every row)::

        start_index         int64          row key into the fixed-point table
        theta               float64        LLE coordinate in [-1, 1], increasing with w . h*
        readout_projection  float64        w . h* (w = model.readout_vector())
        r_int_overlap       float64        |r_int . m| (the integrating mode's r, ``spectra``)
        m_variance_ratio    float64        variance of the fixed points explained by m (PC1)
        readout_alignment   float64        |cos(m, w)|
        null_median         float64        median of |u . m| over ``n_null`` random unit u
        null_p99            float64        99th percentile of that null
        m                   list<float64>  manifold direction (unit, m . w >= 0)
        readout             list<float64>  w, the readout vector (so figures need no model)
        h0                  list<float64>  the trained initial state
    """
    kept = _kept(fixed_points)
    if len(kept) == 0:
        return _write_empty(GEOMETRY_COLUMNS, out_path)
    pts = _stack(kept["h"], np.float64)
    w = model.readout_vector().detach().cpu().double().numpy()
    h0 = model.initial_state().detach().cpu().double().numpy().reshape(-1)
    n = pts.shape[1]
    if len(pts) >= 2:
        m, ratio = manifold_direction(pts, readout=w)
    else:
        m, ratio = np.full(n, np.nan), float("nan")
    theta = (lle_coordinate(pts, n_neighbors, readout=w, seed=seed) if len(pts) > 2
             else np.zeros(len(pts)))
    spec = spectra.set_index("start_index").reindex(kept["start_index"])
    r_int = _stack(spec["r_int"], np.float64) if len(spec) else np.zeros((0, n))
    overlaps, null, p99 = overlap_with_null(r_int, np.nan_to_num(m), n_null=n_null, seed=seed)
    df = pd.DataFrame({
        "start_index": kept["start_index"].to_numpy(np.int64),
        "theta": theta.astype(np.float64),
        "readout_projection": pts @ w,
        "r_int_overlap": overlaps,
        "m_variance_ratio": ratio,
        "readout_alignment": alignment(m, w) if len(pts) >= 2 else float("nan"),
        "null_median": float(np.median(null)),
        "null_p99": p99,
        "m": [m.astype(np.float64)] * len(kept),
        "readout": [w.astype(np.float64)] * len(kept),
        "h0": [h0] * len(kept),
    }, columns=GEOMETRY_COLUMNS)
    write_parquet(df, out_path)
    return df
