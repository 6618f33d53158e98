"""One row per grid cell summarising contextual processing (ICML 2020)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..context.stages import context_summary
from ..io import read_parquet, write_parquet
from .cells import cell_of
from .markdown import write_renderings

TABLES = ("modifiers", "subspace", "dynamics", "position", "augmented_bow", "perturbation")

# The Markdown view, one section per stage (prefix of the summary's column names).
SECTION_PREFIXES = {"Modifier words": ("top_",), "Modifier subspace": ("subspace_", "r1_in"),
                    "Modifier dynamics": ("dyn_",),
                    "Position": ("start_", "end_", "tau_start", "tau_end", "h0_"),
                    "Bag of words vs RNN": ("bow_", "augmented_", "rnn_", "gap_"),
                    "Perturbation": ("perturb_", "integration_", "gain_dev")}
REASONS = {
    "gap_recovered": "the RNN does not beat bag-of-words, so there is no gap to recover",
    "tau_start": "the gain does not decay back to 1 within the probed offsets",
    "tau_end": "the gain does not decay back to 1 within the probed offsets",
    "dyn_tau_gain": "no decay time could be fitted for this word (inf: it does not decay "
                    "within the probed gaps)",
}


def sections(columns) -> dict[str, list[str]]:
    """Columns of the summary grouped by stage for the Markdown view."""
    out: dict[str, list[str]] = {title: [] for title in SECTION_PREFIXES}
    for column in columns:
        for title, prefixes in SECTION_PREFIXES.items():
            if column.startswith(prefixes):
                out[title].append(column)
                break
    return out


def context_table(paths: Mapping[str, Sequence[str | Path]]) -> pd.DataFrame:
    """Summary over cells; ``paths[name]`` lists that table's files in the same cell order."""
    rows = []
    for index, path in enumerate(paths["modifiers"]):
        dataset, arch = cell_of(path)
        frames = [read_parquet(paths[name][index]) for name in TABLES]
        rows.append(context_summary(*frames, dataset=dataset, arch=arch))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def write_context_table(paths: Mapping[str, Sequence[str | Path]], *, table_path,
                        markdown_path, html_path=None) -> pd.DataFrame:
    table = context_table(paths)
    write_parquet(table, table_path)
    note = ("Contextual processing per grid cell (Maheswaranathan & Sussillo, ICML 2020). "
            "Paper (slides): BoW 93.6%, augmented BoW 95.5%, GRU 95.8% on Yelp; projecting the "
            "modifier subspace out abolishes modifier effects.")
    write_renderings(table, note, markdown_path=markdown_path, html_path=html_path, digits=3,
                     reasons=REASONS, sections=sections(table.columns))
    return table
