"""Shared fixtures: where the offline dataset copies are, small torch settings for speed, and
the synthetic-language GRU with the tables computed on it (built once per test session)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from .cells import Cell, run_context_tables, train_synthetic_gru, write_figure_tables

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


@pytest.fixture(scope="session")
def synthetic_gru(tmp_path_factory) -> Cell:
    """One small GRU trained on the synthetic language, with its data and BoW coefficients."""
    return train_synthetic_gru(tmp_path_factory.mktemp("synthetic-gru"))


@pytest.fixture(scope="session")
def context_tables(synthetic_gru, tmp_path_factory) -> dict:
    """Every context stage's table on the shared GRU."""
    return run_context_tables(synthetic_gru, tmp_path_factory.mktemp("context-tables"))


@pytest.fixture(scope="session")
def figure_tables(synthetic_gru, context_tables, tmp_path_factory) -> dict[str, Path]:
    """Paths of every table (and the checkpoint) the figures read, from the shared GRU."""
    return write_figure_tables(synthetic_gru, context_tables,
                               tmp_path_factory.mktemp("figure-tables"))
