"""Rule fixed_points: approximate fixed points of F(., 0) from visited states."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from .. import fixed_points as fp
from ._common import PathLike, _prepare, _stack, write_parquet


def run_fixed_point_stage(model: Any, states: pd.DataFrame, out_path: PathLike, *,
                          n_starts: int = 1024, noise_std: float = 0.0, seed: int = 0,
                          tol: float = fp.TOL, max_iters: int = fp.MAX_ITERS,
                          method: str = "newton", adam_steps: int = 0, adam_lr: float = 1e-2,
                          adam_max_steps: int = 20_000,
                          unique_tol: float = 1e-3, outlier_scale: float | None = 10.0,
                          device: str = "auto") -> pd.DataFrame:
    """Fixed points of F(., 0) from ``n_starts`` visited states (+ Gaussian ``noise_std``).

    ``method``: 'newton' (Newton/LM, default; ``adam_steps`` Adam steps at rate ``adam_lr``
    first) or 'adam' (the baseline: Adam alone, up to ``adam_max_steps``). Schema: the fixed-point
    table of :mod:`.fixed_points` (``start_index, q, converged, iterations, outlier, duplicate,
    kept, h``; q = 1/N ||h - F(h,0)||^2) plus ``state_row`` int64, the row of ``states`` each
    start was drawn from. If nothing converges the table is still written (``kept`` all False).
    """
    dev = _prepare(model, device)
    visited = torch.from_numpy(_stack(states["h"])).to(dev)
    starts, rows = fp.sample_starts(visited, n_starts, noise_std=noise_std, seed=seed)
    if method == "newton":
        table = fp.find_fixed_points(model.step, starts, model.input_dim, tol=tol,
                                     max_iters=max_iters, adam_steps=adam_steps, adam_lr=adam_lr,
                                     unique_tol=unique_tol, outlier_scale=outlier_scale)
    elif method == "adam":
        table = fp.find_fixed_points_adam(model.step, starts, model.input_dim, tol=tol,
                                          lr=adam_lr, max_steps=adam_max_steps,
                                          unique_tol=unique_tol, outlier_scale=outlier_scale)
    else:
        raise ValueError(f"method must be 'newton' or 'adam', not {method!r}")
    table.insert(1, "state_row", rows.astype(np.int64))
    write_parquet(table, out_path)
    return table
