"""The attractor-dimension table: one row per K-class grid cell, measured vs predicted vs K - 1."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..io import read_parquet, write_parquet
from .cells import cell_of
from .markdown import write_renderings

COLUMNS = ["dataset", "arch", "n_classes", "ordered", "measured_dimension",
           "predicted_dimension", "k_minus_1", "participation_ratio", "exact_dimension",
           "n_slow_points", "n_frozen_points", "slow_point_distance", "slow_modes",
           "readout_alignment", "readout_alignment_null", "evidence_drive", "neutral_drive",
           "test_acc"]

NOTE = (
    "Integration with K classes (Aitken et al., ICLR 2021: an (K-1)-dimensional attractor for "
    "unordered classes, lower for ordered labels). `measured_dimension`: PCs explaining 90% of "
    "the variance of the slow points (solver endpoints drifting < 10% of the states' spread "
    "over a median-length document, within half the states' spread of a visited state "
    "(`slow_point_distance`: their median distance before that guard, in spreads), where words "
    "still move the state (`n_frozen_points`: those dropped because they do not); a PC counts "
    "only where the points extend 5% of the states' spread; `exact_dimension`: the same for the points with "
    "q < 1e-8 only); `participation_ratio`: of the slow points' PCA spectrum; "
    "`predicted_dimension`: directions explaining 90% of the frequency-weighted spread of the "
    "per-word class log-likelihood vectors of the training set (no network involved); "
    "`slow_modes`: median number of modes with tau >= half the median document length; "
    "`readout_alignment`: mean squared cosine between the readout subspace and the slowest "
    "right eigenvectors (as many as the measured dimension; `_null`: random subspaces); "
    "`evidence_drive` / `neutral_drive`: mean ||L J_inp x|| of each class's evidence words / "
    "of neutral words on those modes' left eigenvectors."
)


def integration_table(summaries: Sequence[str | Path], metrics: Sequence[str | Path]
                      ) -> pd.DataFrame:
    """One row per cell from its ``summary.parquet`` and its training ``metrics.parquet``
    (matched by dataset and architecture, taken from the paths)."""
    accuracy = {cell_of(path): float(read_parquet(path)["test_acc"].iloc[0]) for path in metrics}
    rows = []
    for path in summaries:
        dataset, arch = cell_of(path)
        row = read_parquet(path).iloc[0].to_dict()
        rows.append({**row, "dataset": dataset, "arch": arch,
                     "test_acc": accuracy.get((dataset, arch), float("nan"))})
    return pd.DataFrame(rows, columns=COLUMNS)


def write_integration_table(summaries: Sequence[str | Path], metrics: Sequence[str | Path], *,
                            table_path, markdown_path, html_path=None) -> pd.DataFrame:
    table = integration_table(summaries, metrics)
    write_parquet(table, table_path)
    write_renderings(table, NOTE, markdown_path=markdown_path, html_path=html_path, digits=3)
    return table
