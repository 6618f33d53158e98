"""Atomic file output: a killed job never leaves a half-written table or checkpoint.

:func:`atomic_path` covers one file; :func:`atomic_paths` covers a set of files that belong
together (a stage's outputs), so that a failure while computing or writing any of them leaves
none of them behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd


@contextmanager
def atomic_paths(paths: Sequence[str | os.PathLike]) -> Iterator[list[Path]]:
    """Temporary paths next to each of ``paths``; all move into place only if the block succeeds.

    An exception inside the block leaves every target as it was and removes the temporaries.
    The moves happen in the given order once the block is done, so list last the file whose
    presence marks a complete set.
    """
    targets = [Path(p) for p in paths]
    temps: list[Path] = []
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            os.close(fd)
            temps.append(Path(tmp))
        yield list(temps)
        for tmp, target in zip(temps, targets):
            os.replace(tmp, target)
    finally:
        for tmp in temps:
            if tmp.exists():
                tmp.unlink()


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place only if the block succeeds."""
    with atomic_paths([path]) as (tmp,):
        yield tmp


def write_parquet(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a single-file Parquet table atomically (pyarrow, no index)."""
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, engine="pyarrow", index=False)


def read_parquet(path: str | os.PathLike) -> pd.DataFrame:
    return pd.read_parquet(path, engine="pyarrow")
