"""Shared fixtures: where the offline dataset copies are, and small torch settings for speed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]


def _shared_data_dir() -> Path | None:
    env = os.environ.get("RNN_DYNAMICS_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "data")
    for path in candidates:
        if path.is_dir():
            return path
    return None


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The offline copies of the official archives; tests that need them skip when absent."""
    path = _shared_data_dir()
    if path is None:
        pytest.skip("offline dataset copies not found (set RNN_DYNAMICS_DATA)")
    return path


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tests run beside each other on 2 cores; one intra-op thread keeps them predictable."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
