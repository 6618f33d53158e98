"""Rule augmented_bow: a bag of words given the measured modifier and position effects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ...runtime import resolve_device
from ...training.evaluation import evaluate
from ..augmented_bow import VARIANTS, fit_augmented_bow
from ..dynamics import gain_lookup
from ._common import PathLike, write_parquet


def run_augmented_bow_stage(model: Any, train: pd.DataFrame, valid: pd.DataFrame,
                            test: pd.DataFrame, vocab: pd.DataFrame, dynamics: pd.DataFrame,
                            position: pd.DataFrame | None, out_path: PathLike, *,
                            C_grid: Sequence[float] = (0.01, 0.1, 1.0, 10.0),
                            variants: Sequence[str] = VARIANTS, seed: int = 0,
                            device: str = "auto") -> pd.DataFrame:
    """Plain vs augmented bag-of-words with the measured modifier gains (``dynamics``) and
    start/end emphasis (``position``: origin 'h0' and 'end' gains), next to the RNN.

    Schema (one row per variant: bow, bow_counts, augmented_modifiers, augmented)::

        model          str      variant
        C              float64  chosen on validation
        train_acc      float64
        valid_acc      float64
        test_acc       float64
        bow_test_acc   float64  plain BoW test accuracy (repeated)
        rnn_test_acc   float64  the RNN's test accuracy (repeated)
        gap_recovered  float64  (test_acc - bow) / (rnn - bow); nan if rnn <= bow
        n_features     int64
    """
    start = end = None
    if position is not None and len(position):
        start = position[position["origin"] == "h0"].sort_values("offset")["gain"].to_numpy()
        end = position[position["origin"] == "end"].sort_values("offset")["gain"].to_numpy()
    _, rnn_test_acc = evaluate(model, test, device=resolve_device(device))
    table = fit_augmented_bow(train, valid, test, int(vocab["id"].max()) + 1,
                              gain_lookup(dynamics), start=start, end=end,
                              rnn_test_acc=rnn_test_acc, C_grid=C_grid,
                              variants=variants, seed=seed)
    write_parquet(table, out_path)
    return table
