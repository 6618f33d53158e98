"""The points a fixed-point table keeps: their coordinates, whether there are any, and why not.

Apart from the solver (:mod:`.fixed_points`) so that a stage reading a fixed-point table does
not depend on, nor rerun for, the solver's code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["explain_no_fixed_points", "has_fixed_points", "kept_rows", "points_from_table"]


def kept_rows(table: pd.DataFrame | None) -> pd.DataFrame:
    """The kept rows of a fixed-point table, index reset (no rows when there is no table or
    it lacks the ``kept``/``h`` columns)."""
    if table is None or not {"kept", "h"} <= set(table.columns):
        return pd.DataFrame(columns=["start_index", "h"])
    return table[table["kept"].astype(bool)].reset_index(drop=True)


def points_from_table(table: pd.DataFrame, *, kept_only: bool = True) -> np.ndarray:
    """Coordinates [K, N] (float32) of the kept (or all) rows of a fixed-point table."""
    rows = kept_rows(table) if kept_only else table
    if len(rows) == 0:
        n = len(table["h"].iloc[0]) if len(table) else 0
        return np.zeros((0, n), dtype=np.float32)
    return np.stack([np.asarray(v, dtype=np.float32) for v in rows["h"]])


def has_fixed_points(table: pd.DataFrame) -> bool:
    """True when at least one point converged and survived de-duplication and outlier removal."""
    return bool(len(table)) and bool(table["kept"].any())


def explain_no_fixed_points(table: pd.DataFrame) -> str:
    """A sentence for reports when :func:`has_fixed_points` is False (empty string otherwise)."""
    if has_fixed_points(table):
        return ""
    if len(table) == 0:
        return "No fixed-point search was run (no starts)."
    q = table["q"].to_numpy()
    finite = q[np.isfinite(q)]
    best = f"{finite.min():.3g}" if len(finite) else "nan"
    n_conv = int(table["converged"].sum())
    return (f"No fixed points kept: {n_conv} of {len(table)} starts reached the tolerance "
            f"(lowest q = 1/N||h - F(h,0)||^2 = {best}); {int(table['outlier'].sum())} were "
            "outliers. Loosen the tolerance, add iterations or check that the model is trained.")
