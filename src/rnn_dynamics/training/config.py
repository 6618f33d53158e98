"""Model and training settings as typed dataclasses, checked once at the door.

``from_dict`` takes the ``model:`` / ``training:`` sections of the workflow config (or any
dict); a bad key or value raises :class:`ConfigError` naming it, so a typo fails before hours
of training rather than after.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError

SEARCHABLE = ("lr", "weight_decay")


def _check_keys(cls: type, data: Mapping[str, Any], section: str) -> None:
    allowed = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ConfigError(f"{section}: unknown key{'s' if len(unknown) > 1 else ''} "
                          f"{', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}")


def _int(section: str, key: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{section}.{key} = {value!r}: expected an integer >= {minimum}")
    return int(value)


def _float(section: str, key: str, value: Any, *, positive: bool) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (positive and value == 0):
        need = "> 0" if positive else ">= 0"
        raise ConfigError(f"{section}.{key} = {value!r}: expected a finite number {need}")
    return float(value)


@dataclass(frozen=True)
class ModelConfig:
    """Sizes of the network: embedding ``E``, units per layer ``H``, stacked layers."""

    embed_dim: int = 128
    hidden_size: int = 256
    num_layers: int = 1

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelConfig:
        _check_keys(cls, data, "model")
        return cls(**{k: _int("model", k, v) for k, v in data.items()})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and the hyper-parameter search.

    ``weight_decay`` is an L2 penalty added to the gradient (``torch.optim.Adam``'s
    ``weight_decay``). ``search_space`` maps ``lr`` / ``weight_decay`` to ``[low, high]``;
    trials after the first draw log-uniformly when ``low > 0`` and uniformly otherwise.
    ``max_tokens_per_batch`` (padded tokens) caps batches of long documents; ``None`` = only
    ``batch_size`` counts.
    """

    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.0
    clip_norm: float = 5.0
    patience: int = 3
    max_tokens_per_batch: int | None = None
    search_trials: int = 1
    search_space: dict[str, list[float]] = field(default_factory=dict)
    eval_batch_size: int = 256

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        _check_keys(cls, data, "training")
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("epochs", "batch_size", "patience", "search_trials", "eval_batch_size"):
                out[key] = _int("training", key, value)
            elif key == "max_tokens_per_batch":
                out[key] = None if value is None else _int("training", key, value)
            elif key in ("lr", "clip_norm"):
                out[key] = _float("training", key, value, positive=True)
            elif key == "weight_decay":
                out[key] = _float("training", key, value, positive=False)
            else:
                out[key] = _search_space(value)
        return cls(**out)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _search_space(value: Any) -> dict[str, list[float]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"training.search_space = {value!r}: expected a mapping like "
                          "{'lr': [1e-3, 1e-2], 'weight_decay': [0, 1e-5]}")
    space = {}
    for key, bounds in value.items():
        where = f"training.search_space.{key}"
        if key not in SEARCHABLE:
            raise ConfigError(f"{where}: unknown key; allowed: {', '.join(SEARCHABLE)}")
        if not isinstance(bounds, (list, tuple)) or len(bounds) != 2:
            raise ConfigError(f"{where} = {bounds!r}: expected [low, high]")
        lo = _float("training", f"search_space.{key}[0]", bounds[0], positive=key == "lr")
        hi = _float("training", f"search_space.{key}[1]", bounds[1], positive=key == "lr")
        if lo > hi:
            raise ConfigError(f"{where} = {list(bounds)!r}: low must not exceed high")
        space[key] = [lo, hi]
    return space
