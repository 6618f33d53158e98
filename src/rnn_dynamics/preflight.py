"""Warnings a run prints before any job starts (dry runs included), about what will be slow or
fail later: a dataset archive that is not on disk yet."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .config import REAL_DATASETS, all_datasets
from .data.archives import candidate_paths, get_release

HINT = "--config data_dir=/path/to/archives"


def archive_warnings(config: Mapping[str, Any], results_dir: str | Path) -> list[str]:
    """One line per real dataset whose archive is missing and whose data is not yet prepared."""
    data_dir = Path(config["data_dir"])
    lines, seen = [], set()
    for dataset in all_datasets(config):
        if dataset not in REAL_DATASETS:
            continue
        if (Path(results_dir) / "data" / dataset / "source.parquet").is_file():
            continue
        if any(path.exists() for path in candidate_paths(dataset, data_dir)):
            continue
        release = get_release(dataset)
        if release.name in seen:          # one archive serves several datasets (SST, SST-5)
            continue
        seen.add(release.name)
        then = (f"prepare_data will download it from {release.url}" if config.get("download", True)
                else "download is off, so prepare_data will fail")
        lines.append(f"rnn-dynamics: warning: {release.filename} ({release.name}) is not in "
                     f"{data_dir}: {then}; to use a copy you have, add {HINT}")
    return lines
