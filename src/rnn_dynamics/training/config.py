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

SEARCHABLE = ("lr", "weight_decay", "dropout_embed", "dropout_final")
L2_FORMS = ("coupled", "decoupled")
L2_GROUPS = ("recurrent", "input", "readout", "embedding")
RECURRENT_INITS = ("default", "orthogonal", "identity")


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
    recurrent_init: str = "default"
    """``default`` (torch's uniform), ``orthogonal`` or ``identity`` (scaled) recurrent
    weights, see :func:`rnn_dynamics.models.sentiment.init_recurrent`."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelConfig:
        _check_keys(cls, data, "model")
        out: dict[str, Any] = {}
        for k, v in data.items():
            if k == "recurrent_init":
                out[k] = _choice("model", k, v, RECURRENT_INITS)
            else:
                out[k] = _int("model", k, v)
        return cls(**out)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation, regularisation and the hyper-parameter search.

    Regularisation. ``weight_decay`` is the L2 strength on the parameter groups named in
    ``l2_params`` (``recurrent`` = ``weight_hh``, ``input`` = ``weight_ih``, ``readout`` =
    the readout weight, ``embedding``; biases and the initial state are never penalised).
    ``l2_form: coupled`` adds ``weight_decay * θ`` to the clipped gradient before Adam's
    moment estimates (``torch.optim.Adam``; the gradient of ``weight_decay/2 ‖θ‖²``), so the
    penalty is rescaled per parameter like the loss gradient; ``decoupled`` shrinks
    ``θ ← θ (1 − lr · weight_decay)`` outside them (``torch.optim.AdamW``, Loshchilov &
    Hutter 2019), so the same value means a much weaker penalty. ``dropout_embed`` /
    ``dropout_final`` drop embedding entries / the final state before the readout in
    training. ``lr_decay`` multiplies the learning rate after every epoch (1 = constant).

    Search. ``search_space`` maps any of ``SEARCHABLE`` to ``[low, high]``; trials after the
    first draw log-uniformly when ``low > 0`` and uniformly otherwise. ``search_epochs`` and
    ``search_fraction`` set a cheaper budget for the search trials (at most that many epochs
    on a seeded share of the training set); when the budget is cheaper than the full one, the
    chosen setting is then trained once more with ``epochs`` on all the data, and that run is
    the model. ``max_tokens_per_batch`` (padded tokens) caps batches of long documents;
    ``None`` = only ``batch_size`` counts.
    """

    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.0
    l2_form: str = "coupled"
    l2_params: tuple[str, ...] = ("recurrent", "input", "readout")
    dropout_embed: float = 0.0
    dropout_final: float = 0.0
    lr_decay: float = 1.0
    clip_norm: float = 5.0
    patience: int = 3
    max_tokens_per_batch: int | None = None
    search_trials: int = 1
    search_space: dict[str, list[float]] = field(default_factory=dict)
    search_epochs: int | None = None
    search_fraction: float = 1.0
    eval_batch_size: int = 256

    @property
    def cheap_search(self) -> bool:
        """Whether search trials run on a smaller budget than the final training."""
        return self.search_trials > 1 and (
            self.search_fraction < 1.0
            or (self.search_epochs is not None and self.search_epochs < self.epochs))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        _check_keys(cls, data, "training")
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("epochs", "batch_size", "patience", "search_trials", "eval_batch_size"):
                out[key] = _int("training", key, value)
            elif key in ("max_tokens_per_batch", "search_epochs"):
                out[key] = None if value is None else _int("training", key, value)
            elif key in ("lr", "clip_norm"):
                out[key] = _float("training", key, value, positive=True)
            elif key == "weight_decay":
                out[key] = _float("training", key, value, positive=False)
            elif key in ("dropout_embed", "dropout_final"):
                out[key] = _fraction("training", key, value, closed=False)
            elif key in ("lr_decay", "search_fraction"):
                out[key] = _fraction("training", key, value, closed=True)
            elif key == "l2_form":
                out[key] = _choice("training", key, value, L2_FORMS)
            elif key == "l2_params":
                out[key] = _groups(value)
            else:
                out[key] = _search_space(value)
        return cls(**out)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["l2_params"] = list(self.l2_params)
        return out


def _choice(section: str, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{section}.{key} = {value!r}: expected one of {', '.join(allowed)}")
    return str(value)


def _fraction(section: str, key: str, value: Any, *, closed: bool) -> float:
    """A number in [0, 1) (dropout) or in (0, 1] (decay factor, data share)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    inside = ok and ((0 < value <= 1) if closed else (0 <= value < 1))
    if not inside:
        need = "in (0, 1]" if closed else "in [0, 1)"
        raise ConfigError(f"{section}.{key} = {value!r}: expected a number {need}")
    return float(value)


def _groups(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ConfigError(f"training.l2_params = {value!r}: expected a list of "
                          f"{', '.join(L2_GROUPS)}")
    bad = [v for v in value if v not in L2_GROUPS]
    if bad:
        raise ConfigError(f"training.l2_params: unknown group(s) {bad}; allowed: "
                          f"{', '.join(L2_GROUPS)}")
    return tuple(g for g in L2_GROUPS if g in value)


def _search_space(value: Any) -> dict[str, list[float]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"training.search_space = {value!r}: expected a mapping like "
                          "{'lr': [1e-3, 1e-2], 'weight_decay': [1e-6, 1e-4]}")
    space = {}
    for key, bounds in value.items():
        where = f"training.search_space.{key}"
        if key not in SEARCHABLE:
            raise ConfigError(f"{where}: unknown key; allowed: {', '.join(SEARCHABLE)}")
        if not isinstance(bounds, (list, tuple)) or len(bounds) != 2:
            raise ConfigError(f"{where} = {bounds!r}: expected [low, high]")
        lo = _float("training", f"search_space.{key}[0]", bounds[0], positive=key == "lr")
        hi = _float("training", f"search_space.{key}[1]", bounds[1], positive=key == "lr")
        if key.startswith("dropout") and hi >= 1:
            raise ConfigError(f"{where} = {list(bounds)!r}: dropout must stay below 1")
        if lo > hi:
            raise ConfigError(f"{where} = {list(bounds)!r}: low must not exceed high")
        space[key] = [lo, hi]
    return space
