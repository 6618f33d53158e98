"""Train one grid cell from prepared Parquet splits to checkpoint, history and metrics."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..io import read_parquet, write_parquet
from ..models import save_model
from ..training.config import ModelConfig, TrainConfig
from ..training.loop import train_cell


def vocab_fingerprint(vocab: pd.DataFrame) -> str:
    """Short hash of the token list, so a checkpoint can refuse a different vocabulary."""
    return hashlib.sha256("\n".join(vocab["token"].astype(str)).encode()).hexdigest()[:16]


def train_grid_cell(
    train_path, valid_path, test_path, vocab_path, *, arch: str, cell: Mapping[str, Any],
    device: str, work_dir, model_path, history_path, metrics_path, dataset: str = "",
) -> pd.DataFrame:
    """Train, then write ``model.pt`` (state dict + meta), ``history.parquet``, ``metrics.parquet``."""
    vocab = read_parquet(vocab_path)
    meta = {"dataset": dataset, "vocab_hash": vocab_fingerprint(vocab)}
    result = train_cell(
        read_parquet(train_path), read_parquet(valid_path), read_parquet(test_path),
        arch=arch, vocab_size=int(vocab["id"].max()) + 1,
        model_cfg=ModelConfig.from_dict(cell["model"]),
        train_cfg=TrainConfig.from_dict(cell["training"]),
        seed=int(cell["seed"]), device=device, work_dir=Path(work_dir), meta=meta,
    )
    metrics = result.metrics.assign(dataset=dataset)
    write_parquet(result.history, history_path)
    write_parquet(metrics, metrics_path)
    save_model(result.model, model_path, {**meta, "arch": arch})
    return metrics
