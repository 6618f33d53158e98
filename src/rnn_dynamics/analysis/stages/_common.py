"""Helpers every line-attractor stage module uses (no science here)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
import torch

from ...io import write_parquet
from ...runtime import resolve_device
from ..kept_points import kept_rows as _kept

PathLike = str | os.PathLike

__all__ = ["PathLike", "_kept", "write_parquet", "_prepare", "_stack", "_write_empty"]


def _prepare(model: Any, device: str) -> torch.device:
    dev = resolve_device(device)
    model.to(dev)
    model.eval()
    return dev


def _stack(column: pd.Series, dtype=np.float32) -> np.ndarray:
    return np.stack([np.asarray(v, dtype=dtype) for v in column])


def _write_empty(columns: list[str], out_path: PathLike) -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    write_parquet(df, out_path)
    return df
