"""Test accuracy of BoW and every architecture per dataset, next to NeurIPS 2019 Appendix B."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..io import read_parquet, write_parquet
from .markdown import write_renderings

# Maheswaranathan et al. (NeurIPS 2019), Appendix B, test accuracy in percent.
PAPER_ACCURACY = {
    "yelp": {"bow": 93.37, "vanilla": 92.96, "ugrnn": 95.67, "gru": 95.84, "lstm": 95.05},
    "imdb": {"bow": 88.53, "vanilla": 87.08, "ugrnn": 87.96, "gru": 86.86, "lstm": 86.93},
    "sst": {"bow": 79.74, "vanilla": 78.09, "ugrnn": 77.74, "gru": 80.25, "lstm": 80.09},
}
MODEL_ORDER = ["bow", "vanilla", "ugrnn", "gru", "lstm"]


def _dataset_of(path: str | Path, depth: int) -> str:
    return Path(path).parts[-depth]


def accuracy_table(model_metrics: Sequence[str | Path], bow_metrics: Sequence[str | Path],
                   sources: Sequence[str | Path]) -> pd.DataFrame:
    """One row per (dataset, model): our test accuracy (%), the paper's, and the data's provenance.

    Paths follow the workflow layout (``.../{dataset}/{arch}/metrics.parquet``,
    ``.../{dataset}/bow_metrics.parquet``, ``.../{dataset}/source.parquet``).
    """
    rows = []
    for path in model_metrics:
        metrics = read_parquet(path).iloc[0]
        rows.append({"dataset": _dataset_of(path, 3), "model": _dataset_of(path, 2),
                     "test_acc": 100 * float(metrics["test_acc"]),
                     "valid_acc": 100 * float(metrics["valid_acc"])})
    for path in bow_metrics:
        metrics = read_parquet(path).iloc[0]
        rows.append({"dataset": _dataset_of(path, 2), "model": "bow",
                     "test_acc": 100 * float(metrics["test_acc"]),
                     "valid_acc": 100 * float(metrics["valid_acc"])})
    table = pd.DataFrame(rows)
    official = {}
    for path in sources:
        source = read_parquet(path).iloc[0]
        official[_dataset_of(path, 2)] = bool(source.get("official_checksum", False))
    table["paper_acc"] = [PAPER_ACCURACY.get(d, {}).get(m) for d, m in zip(table["dataset"], table["model"])]
    table["paper_acc"] = table["paper_acc"].astype(float)
    table["diff"] = table["test_acc"] - table["paper_acc"]
    table["official_data"] = table["dataset"].map(official).fillna(False).astype(bool)
    table["model"] = pd.Categorical(table["model"], MODEL_ORDER, ordered=True)
    table = table.sort_values(["dataset", "model"]).reset_index(drop=True)
    table["model"] = table["model"].astype(str)
    return table


OFFICIAL_RELEASES = ("imdb", "yelp", "sst")      # datasets that have an official archive


def write_accuracy_table(model_metrics, bow_metrics, sources, *, table_path, markdown_path,
                         html_path=None) -> pd.DataFrame:
    table = accuracy_table(model_metrics, bow_metrics, sources)
    write_parquet(table, table_path)
    note = ("Test accuracy (%). `paper_acc`: Maheswaranathan et al. 2019, Appendix B. "
            "`official_data`: the archive's sha256 matched the official release; where it did not, "
            "the numbers are not comparable with the paper's.")
    view = table.astype({"official_data": object})
    view.loc[~table["dataset"].isin(OFFICIAL_RELEASES), "official_data"] = None
    write_renderings(table, note, markdown_path=markdown_path, html_path=html_path, view=view,
                     reasons={"official_data": "a built-in dataset: there is no official "
                                               "release to compare with",
                              "paper_acc": "the paper reports no number for this dataset",
                              "diff": "the paper reports no number for this dataset"})
    return table
