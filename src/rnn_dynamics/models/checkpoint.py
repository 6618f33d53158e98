"""Model checkpoints: ``{"state_dict", "meta"}`` written atomically, read with ``weights_only``.

``meta`` records what the model is (arch and sizes, so it can be rebuilt) and what it was
trained against (e.g. a vocabulary hash), so that analysis code can refuse a checkpoint that
does not fit its data instead of silently producing nonsense.
"""

from __future__ import annotations

import json
import os
from typing import Any

import torch

from ..errors import CheckpointError
from ..io import write_torch
from .sentiment import ARCHS, SentimentRNN, build_model

_SHAPE_KEYS = ("arch", "vocab_size", "embed_dim", "hidden_size", "num_layers")


def model_meta(model: SentimentRNN) -> dict[str, Any]:
    """The fields needed to rebuild ``model``."""
    return {**{k: getattr(model, k) for k in _SHAPE_KEYS}, "n_classes": model.n_classes}


def save_model(model: SentimentRNN, path: str | os.PathLike, meta: dict | None = None) -> None:
    """Write ``{"state_dict", "meta"}`` atomically; ``meta`` must be JSON-like (str, numbers,
    lists, dicts) so that it loads with ``weights_only=True``. The model's own shape fields
    override same-named keys in ``meta``."""
    try:
        extra = json.loads(json.dumps(meta or {}))
    except TypeError as err:
        raise TypeError(f"save_model: meta must be JSON-serialisable ({err})") from err
    full = {**extra, **model_meta(model)}
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    write_torch({"state_dict": state, "meta": full}, path)


def load_model(path: str | os.PathLike, map_location: str | torch.device = "cpu",
               expect: dict | None = None) -> tuple[SentimentRNN, dict]:
    """Rebuild the model saved at ``path``; returns ``(model in eval mode, meta)``.

    Every key in ``expect`` (e.g. ``arch``, ``vocab_size``, ``vocab_hash``) must equal the
    stored meta, else :class:`CheckpointError` names the mismatches. Unreadable or corrupt
    files also raise :class:`CheckpointError`.
    """
    try:
        blob = torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError as err:
        raise CheckpointError(f"{path}: checkpoint not found") from err
    except Exception as err:  # torch raises many types for a damaged file
        raise CheckpointError(f"{path}: not a readable model checkpoint ({type(err).__name__}: "
                              f"{err})") from err
    if not (isinstance(blob, dict) and isinstance(blob.get("meta"), dict)
            and isinstance(blob.get("state_dict"), dict)):
        raise CheckpointError(f"{path}: not a model checkpoint (expected keys 'state_dict', 'meta')")
    meta = blob["meta"]
    missing = [k for k in _SHAPE_KEYS if k not in meta]
    if missing or meta.get("arch") not in ARCHS:
        raise CheckpointError(f"{path}: checkpoint meta lacks {missing or 'a known arch'}")
    wrong = {k: (meta.get(k, "<absent>"), v) for k, v in (expect or {}).items()
             if meta.get(k, "<absent>") != v}
    if wrong:
        detail = "; ".join(f"{k}: checkpoint has {got!r}, expected {want!r}"
                           for k, (got, want) in wrong.items())
        raise CheckpointError(f"{path}: checkpoint does not fit this run ({detail})")
    _check_shape_meta(path, meta)
    model = build_model(*(meta[k] for k in _SHAPE_KEYS), n_classes=meta.get("n_classes", 2))
    try:
        model.load_state_dict(blob["state_dict"])
    except RuntimeError as err:
        raise CheckpointError(f"{path}: weights do not match the model in its meta ({err})") from err
    bad = [k for k, v in blob["state_dict"].items()
           if isinstance(v, torch.Tensor) and v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise CheckpointError(f"{path}: weights {', '.join(bad)} hold NaN or infinite values; "
                              "the training that wrote it diverged. Retrain it.")
    return model.to(map_location).eval(), meta


def _check_shape_meta(path: str | os.PathLike, meta: dict) -> None:
    """Sizes must be positive integers (bool and '16' are not): a damaged or hand-edited meta
    would otherwise fail deep inside torch."""
    for key in (*_SHAPE_KEYS[1:], "n_classes"):
        value = meta.get(key, 2)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise CheckpointError(f"{path}: checkpoint meta '{key}' = {value!r} is not allowed; "
                                  "it must be a positive integer")
