"""Rule exact_fixed_points: the kept slow points polished in float64 (beyond the paper)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from .. import fixed_points as fp
from ._common import PathLike, _kept, _prepare, _stack, _write_empty, write_parquet

EXACT_COLUMNS = ["fixed_point_id", "q", "n_members", "max_abs_eig", "n_unstable", "n_marginal",
                 "stability", "h", "eigvals_real", "eigvals_imag"]


def run_exact_fixed_points_stage(model: Any, fixed_points: pd.DataFrame, out_path: PathLike, *,
                                 tol: float = 1e-20, cluster_tol: float = 1e-6,
                                 margin: float = 1e-3, device: str = "auto") -> pd.DataFrame:
    """Beyond the paper: polish the kept slow points in float64 and list the exact fixed points.

    Schema (one row per distinct exact fixed point), see
    :func:`.fixed_points.polish_fixed_points`: ``fixed_point_id, q, n_members, max_abs_eig,
    n_unstable, n_marginal, stability ('stable'|'marginal'|'saddle'|'unstable'), h,
    eigvals_real, eigvals_imag``.
    """
    dev = _prepare(model, device)
    kept = _kept(fixed_points)
    if len(kept) == 0:
        return _write_empty(EXACT_COLUMNS, out_path)
    pts = torch.from_numpy(_stack(kept["h"], np.float64)).to(dev)
    distinct, _ = fp.polish_fixed_points(model.step, pts, model.input_dim, tol=tol,
                                         cluster_tol=cluster_tol, margin=margin)
    write_parquet(distinct, out_path)
    return distinct
