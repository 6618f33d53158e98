"""Device choice and seeding, shared by training and analysis."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from .errors import ConfigError


def resolve_device(device: str = "auto") -> torch.device:
    """Map the config's ``device`` (auto | cpu | cuda | cuda:N) to a torch device.

    ``auto`` picks CUDA when present, so the same config runs on a laptop and a GPU node.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device: '{device}' was asked for, but no CUDA device is available; "
                          "use 'auto' or 'cpu'.")
    try:
        return torch.device(device)
    except RuntimeError as err:
        raise ConfigError(f"device: '{device}' is not a device; allowed: auto, cpu, cuda, cuda:N") from err


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch so that a CPU run is bit-for-bit repeatable."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ.setdefault("PYTHONHASHSEED", str(seed))


_WORKERS = 1


def set_threads(threads: int | None, intra_op: int = 1) -> None:
    """Give a job ``threads`` cores without letting the count change its results.

    Float reductions split over intra-op threads add in a thread-count dependent order, and
    Snakemake scales a rule's ``threads:`` down to ``--cores``; so torch always runs with
    ``intra_op`` threads (1, or training's fixed ``train_threads``), and the granted cores
    become :func:`workers` for work split into fixed blocks (:mod:`..analysis._linalg`).
    """
    global _WORKERS
    _WORKERS = max(1, int(threads or 1))
    torch.set_num_threads(max(1, int(intra_op)))


def workers() -> int:
    """Threads a job may use for independent blocks (the rule's ``threads:``)."""
    return _WORKERS
