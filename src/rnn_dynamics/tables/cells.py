"""Where a grid cell's tables live, so summary tables can label rows by dataset and architecture."""

from __future__ import annotations

from pathlib import Path


def cell_of(path: str | Path) -> tuple[str, str]:
    """``(dataset, arch)`` from a path of the form ``.../{dataset}/{arch}/<table>.parquet``."""
    parts = Path(path).parts
    return parts[-3], parts[-2]
