"""The hyper-parameter search of every grid cell in one table: what was tried, on what budget,
how each setting did on validation, and which model each cell keeps."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..io import read_parquet, write_parquet
from .markdown import write_renderings

COLUMNS = ["dataset", "arch", "trial", "phase", "lr", "weight_decay", "dropout_embed",
           "dropout_final", "epochs", "train_docs", "best_epoch", "valid_acc", "diverged",
           "chosen"]

SETTINGS = ["lr", "weight_decay", "dropout_embed", "dropout_final"]


def search_table(search_tables: Sequence[str | Path]) -> pd.DataFrame:
    """Concatenate the ``search.parquet`` of every cell (written by the train rule);
    ``valid_acc`` in percent, rows by dataset, arch and trial."""
    frames = [read_parquet(path) for path in search_tables]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    table = table[COLUMNS].assign(valid_acc=lambda t: 100 * t["valid_acc"].astype(float))
    return table.sort_values(["dataset", "arch", "trial"]).reset_index(drop=True)


def write_search_table(search_tables: Sequence[str | Path], *, table_path, markdown_path,
                       html_path=None) -> pd.DataFrame:
    table = search_table(search_tables)
    write_parquet(table, table_path)
    note = ("Hyper-parameter search per cell, chosen on validation accuracy (%). `phase`: "
            "`search` trials ran `epochs` epochs on `train_docs` training reviews; after a "
            "cheaper search the chosen setting is trained again in full (`final`). "
            "`chosen`: the trial whose weights the cell keeps. `weight_decay` is the L2 "
            "strength in the cell's `l2_form` (see the README).")
    view = table.astype({c: object for c in SETTINGS})
    for column in SETTINGS:                 # learning rates and strengths span decades
        view[column] = [f"{v:.3g}" for v in table[column]]
    write_renderings(table, note, markdown_path=markdown_path, html_path=html_path, view=view,
                     reasons={"valid_acc": "the trial diverged"})
    return table
