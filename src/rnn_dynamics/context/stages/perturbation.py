"""Rule perturbation: project the modifier subspace out of the state and measure what is lost."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..modifiers import top_modifiers
from ..perturbation import perturbation_table
from ..subspace import basis_from_table
from ._common import PathLike, probe_for, write_parquet


def run_perturbation_stage(model: Any, test: pd.DataFrame, bow_coefficients: pd.DataFrame,
                           modifiers: pd.DataFrame, subspace: pd.DataFrame, out_path: PathLike,
                           *, n_modifiers: int = 10, n_docs: int | None = 1000, seed: int = 0,
                           orthogonal_to_integration: bool = True,
                           probe_cfg: Mapping[str, Any] | None = None,
                           device: str = "auto") -> pd.DataFrame:
    """Project the modifier subspace (or a random one of the same dimension) out of the state,
    after modifier tokens or after every token (:mod:`rnn_dynamics.context.perturbation`).

    Schema (one row per (condition, modifier))::

        condition         str      'none' | '{modifier,random}_{after_modifiers,every_step}'
        subspace          str      'none' | 'modifier' | 'random'
        mode              str      'none' | 'after_modifiers' | 'every_step'
        dim               int64    dimension projected out (0 for 'none')
        accuracy          float64  test accuracy through the step map (n_docs sampled, seeded)
        accuracy_drop     float64  unperturbed minus this accuracy
        integration       float64  gain of plain valence effects vs unperturbed (~1: intact)
        token, id         str, int64  modifier
        gain              float64  its gain at gap 0 under the perturbation (1: effect gone)
        gain_unperturbed  float64  the same without perturbation
    """
    probe = probe_for(model, test, bow_coefficients, probe_cfg, device)
    table = perturbation_table(probe, test, basis_from_table(subspace),
                               top_modifiers(modifiers, n_modifiers), n_docs=n_docs, seed=seed,
                               orthogonal_to_integration=orthogonal_to_integration)
    write_parquet(table, out_path)
    return table
