"""File-level wrapper of the per-cell stages: load the model and tables, run one stage.

Each rule of ``workflow/rules/analysis.smk`` and ``workflow/rules/context.smk`` has its own
script, which imports its stage function from its own module of
:mod:`rnn_dynamics.analysis.stages` or :mod:`rnn_dynamics.context.stages` and hands it to
:func:`run_stage`; so a rule's code hash covers the modules its stage uses and no other
(editing ``analysis/geometry.py`` reruns the geometry stage, not the fixed-point search). The
stage functions take in-memory objects and are what a researcher calls on their own model.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis.kept_points import explain_no_fixed_points
from ..io import read_parquet
from ..models import load_model

log = logging.getLogger(__name__)


def table_inputs(function: Callable[..., pd.DataFrame]) -> list[str]:
    """The tables a stage function reads: its parameters between ``model`` and ``out_path``,
    named as the rule's inputs (``fixed_points``, ``test``, ``bow_coefficients``, ...)."""
    names = list(inspect.signature(function).parameters)
    return names[1:names.index("out_path")]


def run_stage(function: Callable[..., pd.DataFrame], model_path: str | Path,
              tables: Mapping[str, str | Path], out_path: str | Path,
              params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Run one stage function on a saved model; ``tables`` maps input names
    (at least those of :func:`table_inputs`) to Parquet paths."""
    model, _ = load_model(model_path)
    needs = table_inputs(function)
    missing = [name for name in needs if name not in tables]
    if missing:
        raise KeyError(f"{function.__name__} reads {needs}; no path given for {missing}")
    frames = [read_parquet(tables[name]) for name in needs]
    if "fixed_points" in needs and not frames[needs.index("fixed_points")]["kept"].any():
        log.warning("%s", explain_no_fixed_points(frames[needs.index("fixed_points")]))
    result = function(model, *frames, out_path, **dict(params or {}))
    log.info("%s: wrote %d rows to %s", function.__name__, len(result), out_path)
    return result
