"""File-level wrappers of the contextual-processing stages (ICML 2020) for the workflow."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from ..context import stages
from ..io import read_parquet
from ..models import load_model

log = logging.getLogger(__name__)

# stage -> (function, positional tables in argument order, keyword tables)
STAGES: dict[str, tuple[Callable[..., pd.DataFrame], tuple[str, ...], tuple[str, ...]]] = {
    "modifiers": (stages.run_modifier_stage, ("test", "bow_coefficients"), ()),
    "subspace": (stages.run_subspace_stage, ("test", "bow_coefficients", "modifiers"), ("fixed_points",)),
    "dynamics": (stages.run_dynamics_stage, ("test", "bow_coefficients", "modifiers"), ()),
    "position": (stages.run_position_stage, ("test", "bow_coefficients", "subspace"), ()),
    "augmented_bow": (stages.run_augmented_bow_stage,
                      ("train", "valid", "test", "vocab", "dynamics", "position"), ()),
    "perturbation": (stages.run_perturbation_stage,
                     ("test", "bow_coefficients", "modifiers", "subspace"), ()),
}


def run_context_stage(stage: str, model_path: str | Path, tables: Mapping[str, str | Path],
                      out_path: str | Path, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Run one contextual-processing stage on a saved model; ``tables`` maps names to Parquet paths."""
    function, positional, keyword = STAGES[stage]
    model, _ = load_model(model_path)
    args = [read_parquet(tables[name]) for name in positional]
    kwargs = {name: read_parquet(tables[name]) for name in keyword if name in tables}
    result = function(model, *args, out_path, **kwargs, **dict(params or {}))
    log.info("%s: wrote %d rows to %s", stage, len(result), out_path)
    return result
