"""Train one grid cell from prepared Parquet splits to checkpoint, history and metrics."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..io import atomic_paths, read_parquet
from ..models import save_model
from ..training.config import ModelConfig, TrainConfig
from ..training.loop import train_cell


def vocab_fingerprint(vocab: pd.DataFrame) -> str:
    """Short hash of the token list, so a checkpoint can refuse a different vocabulary."""
    return hashlib.sha256("\n".join(vocab["token"].astype(str)).encode()).hexdigest()[:16]


def train_grid_cell(
    train_path, valid_path, test_path, vocab_path, *, arch: str, cell: Mapping[str, Any],
    device: str, work_dir, model_path, history_path, metrics_path, search_path=None,
    dataset: str = "",
) -> pd.DataFrame:
    """Train, then write ``model.pt`` (state dict + meta), ``history.parquet``,
    ``metrics.parquet`` and (if given) ``search.parquet``, one row per search trial.

    ``work_dir`` keeps the resume state (see :func:`rnn_dynamics.training.train_cell`): a
    killed run started again with the same arguments continues where it stopped. The three
    outputs are written only once training has finished, and together.
    """
    vocab = read_parquet(vocab_path)
    model_cfg = ModelConfig.from_dict(cell["model"])
    meta = {"dataset": dataset, "vocab_hash": vocab_fingerprint(vocab),
            "recurrent_init": model_cfg.recurrent_init}
    result = train_cell(
        read_parquet(train_path), read_parquet(valid_path), read_parquet(test_path),
        arch=arch, vocab_size=int(vocab["id"].max()) + 1,
        model_cfg=model_cfg,
        train_cfg=TrainConfig.from_dict(cell["training"]),
        seed=int(cell["seed"]), device=device, work_dir=Path(work_dir), meta=meta,
    )
    metrics = result.metrics.assign(dataset=dataset)
    search = result.search.assign(dataset=dataset, arch=arch)
    tables = [(result.history, history_path), (metrics, metrics_path)]
    if search_path is not None:
        tables.append((search, search_path))
    # the outputs appear together or not at all (model.pt last)
    with atomic_paths([path for _, path in tables] + [model_path]) as tmp:
        for (frame, _), path in zip(tables, tmp):
            frame.to_parquet(path, engine="pyarrow", index=False)
        save_model(result.model, tmp[-1], {**meta, "arch": arch})
    return metrics
