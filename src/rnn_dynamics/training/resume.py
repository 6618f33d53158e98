"""Everything a killed training run needs to continue bit-for-bit: state in, state out.

The file holds only tensors, numbers, strings, lists and dicts, so it loads with
``torch.load(weights_only=True)``; RNG states are stored as tensors and lists for that reason.
"""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..io import write_torch

log = logging.getLogger(__name__)


def capture_rng() -> dict[str, Any]:
    """torch / CUDA / NumPy / Python RNG states in a ``weights_only``-loadable form."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached": float(cached)},
        "python": {"version": version, "internal": list(internal), "gauss_next": gauss_next},
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"],
                         n["has_gauss"], n["cached"]))
    p = state["python"]
    random.setstate((p["version"], tuple(p["internal"]), p["gauss_next"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_state(path: Path, state: dict[str, Any]) -> None:
    """Write atomically: a kill during the write leaves the previous epoch's state intact."""
    write_torch(state, path)


def load_state(path: Path, fingerprint: str) -> dict[str, Any] | None:
    """The stored state if it belongs to this exact run (config, seed, data), else ``None``."""
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - a damaged file means starting over
        log.warning("%s: unreadable (%s); starting training from scratch", path, err)
        return None
    if not isinstance(state, dict) or state.get("fingerprint") != fingerprint:
        log.info("%s: belongs to a different config, seed or data; starting from scratch", path)
        return None
    return state
