"""Rule modifiers: rank words by how much they rescale the valence of what follows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..modifiers import MIN_SCORE, candidate_words, modifier_table
from ._common import PathLike, probe_for, write_parquet


def run_modifier_stage(model: Any, test: pd.DataFrame, bow_coefficients: pd.DataFrame,
                       out_path: PathLike, *, top_k: int | None = 200,
                       min_score: float = MIN_SCORE,
                       probe_cfg: Mapping[str, Any] | None = None,
                       device: str = "auto") -> pd.DataFrame:
    """Rank the ``top_k`` most frequent words (all if None) as modifiers
    (:mod:`rnn_dynamics.context.modifiers`).

    Schema (one row per candidate word, best ``score`` first)::

        rank          int64    1 = strongest rescaling of what follows
        token         str      word
        id            int64    vocabulary id
        count         int64    training count
        coef          float64  bag-of-words coefficient
        score         float64  |ratio - 1|
        ratio         float64  gain of valence effects right after the word (-1 flip, 2 double)
        kind          str      'negator' | 'intensifier' | 'attenuator' | 'none' (score < min)
        score_linear  float64  the same from l^T J_inp (e_v - e_n), l = readout pulled back
        ratio_linear  float64  through the settling steps
        effect_base   float64  mean |valence effect| from the attractor (logit units)
        relative_change         float64  sum|effect_after - effect_base| / sum|effect_base|
        relative_change_linear  float64  the same, linearised
    """
    probe = probe_for(model, test, bow_coefficients, probe_cfg, device)
    table = modifier_table(probe, candidate_words(bow_coefficients, top_k), min_score=min_score)
    write_parquet(table, out_path)
    return table
