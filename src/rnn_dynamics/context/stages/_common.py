"""What every contextual-processing stage module shares: the probe they measure with."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ...io import write_parquet
from ...runtime import resolve_device
from ..probe import Probe, build_probe

PathLike = str | os.PathLike

__all__ = ["PathLike", "probe_for", "write_parquet"]


def probe_for(model: Any, test: pd.DataFrame, bow_coefficients: pd.DataFrame,
              probe_cfg: Mapping[str, Any] | None, device: str) -> Probe:
    """The model on ``device`` in eval mode and the probe built from ``probe_cfg``."""
    model.to(resolve_device(device))
    model.eval()
    return build_probe(model, test, bow_coefficients, **dict(probe_cfg or {}))
