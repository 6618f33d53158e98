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


def set_threads(threads: int | None) -> None:
    """Limit torch's intra-op threads to the cores Snakemake granted this job."""
    if threads:
        torch.set_num_threads(max(1, int(threads)))
