"""A small synthetic sentiment language whose ground truth is known exactly.

It is the demo dataset and the reference for the analysis tests: because every word's
valence and every modifier's effect are defined here, an analysis can be checked against
the truth (a line attractor should integrate :func:`effective_valence`; negators and
intensifiers should show up as contextual effects).

Grammar. A document is a sequence of ``L ~ Uniform{min_length..max_length}`` tokens, each
independently a filler word, a valence word, a negator or an intensifier with probabilities
``1 - p_valence - p_negator - p_intensifier``, ``p_valence``, ``p_negator``,
``p_intensifier`` (uniform choice within the class).

Semantics. A negator with span ``k`` at position ``j`` multiplies by -1 the valence of every
valence word at positions ``j+1 .. j+k``; an intensifier ``(factor, span)`` multiplies it by
``factor`` over ``j+1 .. j+span``. Spans count all tokens, modifiers included, and effects
compose by multiplication: in ``not very good`` (not: span 3, very: x2 span 1) ``good``
counts -2; ``not never good`` counts +1. The label is 1 when the summed effective valence is
positive and 0 when negative; a document whose sum is exactly zero (including one with no
valence word) is discarded and drawn again, so every label is unambiguous.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rnn_dynamics.errors import ConfigError

DEFAULT_FILLER = (
    "the",
    "a",
    "this",
    "that",
    "it",
    "movie",
    "film",
    "plot",
    "story",
    "actor",
    "actress",
    "scene",
    "cast",
    "script",
    "music",
    "ending",
    "director",
    "character",
    "dialogue",
    "camera",
    "was",
    "is",
    "and",
    "of",
    "to",
    "in",
    "with",
    "for",
    "as",
    "on",
    "at",
    "by",
    "from",
    "about",
    "one",
    "time",
    "also",
    "some",
    "watched",
    "show",
)
DEFAULT_VALENCE = {
    "good": 1.0,
    "great": 1.0,
    "nice": 1.0,
    "fine": 0.5,
    "awesome": 2.0,
    "excellent": 2.0,
    "bad": -1.0,
    "poor": -1.0,
    "dull": -1.0,
    "weak": -0.5,
    "awful": -2.0,
    "terrible": -2.0,
}
DEFAULT_NEGATORS = {"not": 3, "never": 3}
DEFAULT_INTENSIFIERS = {"very": (2.0, 1), "extremely": (3.0, 1)}

_ZERO = 1e-9  # sums within this of zero count as zero (user-given valences may be inexact)


@dataclass(frozen=True)
class SyntheticLanguage:
    """The vocabulary, word effects and document-length law of the synthetic language."""

    filler: tuple[str, ...] = DEFAULT_FILLER
    valence: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_VALENCE))
    negators: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_NEGATORS))
    intensifiers: dict[str, tuple[float, int]] = field(
        default_factory=lambda: dict(DEFAULT_INTENSIFIERS)
    )
    p_valence: float = 0.15
    p_negator: float = 0.05
    p_intensifier: float = 0.05
    min_length: int = 10
    max_length: int = 40

    def __post_init__(self) -> None:
        _validate(self)

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> SyntheticLanguage:
        """Build from a config mapping (missing keys take defaults); ConfigError on bad input."""
        allowed = {f.name for f in dataclasses.fields(cls)}
        for key in config:
            if key not in allowed:
                raise ConfigError(
                    f"synthetic language: unknown key {key!r}; allowed keys are {sorted(allowed)}"
                )
        kwargs = dict(config)
        if "filler" in kwargs:
            kwargs["filler"] = tuple(_as_list(kwargs["filler"], "filler"))
        for key in ("valence", "negators", "intensifiers"):
            if key in kwargs and not isinstance(kwargs[key], Mapping):
                raise ConfigError(
                    f"synthetic language: {key!r} must be a mapping word -> value, "
                    f"got {kwargs[key]!r}"
                )
        if "intensifiers" in kwargs:
            kwargs["intensifiers"] = {
                word: _as_pair(word, value) for word, value in kwargs["intensifiers"].items()
            }
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Plain types (lists, dicts) for logging or YAML."""
        out = dataclasses.asdict(self)
        out["filler"] = list(self.filler)
        out["intensifiers"] = {w: list(v) for w, v in self.intensifiers.items()}
        return out

    @property
    def p_filler(self) -> float:
        return max(0.0, 1.0 - self.p_valence - self.p_negator - self.p_intensifier)

    @property
    def words(self) -> list[str]:
        """Every word of the language: filler, valence, negators, intensifiers (in that order)."""
        return [*self.filler, *self.valence, *self.negators, *self.intensifiers]


def _as_list(value: Any, key: str) -> list[Any]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ConfigError(f"synthetic language: {key!r} must be a list of words, got {value!r}")
    return list(value)


def _as_pair(word: str, value: Any) -> tuple[float, int]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise ConfigError(
            f"synthetic language: intensifiers[{word!r}] = {value!r}; expected [factor, span]"
        )
    return (value[0], value[1])


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _is_count(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1


def _validate(lang: SyntheticLanguage) -> None:
    def bad(key: str, value: Any, why: str) -> ConfigError:
        return ConfigError(f"synthetic language: {key} = {value!r}: {why}")

    for key in ("p_valence", "p_negator", "p_intensifier"):
        value = getattr(lang, key)
        if not _is_number(value) or not 0.0 <= value <= 1.0:
            raise bad(key, value, "must be a probability in [0, 1]")
    total = lang.p_valence + lang.p_negator + lang.p_intensifier
    if total > 1.0 + 1e-12:
        raise bad("p_valence + p_negator + p_intensifier", total, "must be at most 1")
    if lang.p_valence <= 0:
        raise bad("p_valence", lang.p_valence, "must be > 0, or no document has a label")
    for key in ("min_length", "max_length"):
        if not _is_count(getattr(lang, key)):
            raise bad(key, getattr(lang, key), "must be an integer >= 1")
    if lang.min_length > lang.max_length:
        raise bad("min_length", lang.min_length, f"must be <= max_length = {lang.max_length}")
    if not lang.valence:
        raise bad("valence", lang.valence, "needs at least one word")
    if lang.p_filler > 0 and not lang.filler:
        raise bad("filler", lang.filler, "needs at least one word while p_filler > 0")
    if lang.p_negator > 0 and not lang.negators:
        raise bad("negators", lang.negators, "needs at least one word while p_negator > 0")
    if lang.p_intensifier > 0 and not lang.intensifiers:
        raise bad("intensifiers", lang.intensifiers, "needs a word while p_intensifier > 0")
    for word, value in lang.valence.items():
        if not _is_number(value) or not math.isfinite(value) or value == 0:
            raise bad(f"valence[{word!r}]", value, "must be a finite non-zero number")
    for word, span in lang.negators.items():
        if not _is_count(span):
            raise bad(f"negators[{word!r}]", span, "the span must be an integer >= 1")
    for word, pair in lang.intensifiers.items():
        factor, span = pair
        if not _is_number(factor) or not math.isfinite(factor) or factor <= 0:
            raise bad(f"intensifiers[{word!r}]", pair, "the factor must be a finite number > 0")
        if not _is_count(span):
            raise bad(f"intensifiers[{word!r}]", pair, "the span must be an integer >= 1")
    seen: dict[str, str] = {}
    classes = {
        "filler": lang.filler,
        "valence": lang.valence,
        "negators": lang.negators,
        "intensifiers": lang.intensifiers,
    }
    for cls_name, words in classes.items():
        for word in words:
            if not isinstance(word, str) or not word or any(c.isspace() for c in word):
                raise bad(cls_name, word, "words must be non-empty strings without spaces")
            if word in seen:
                raise bad(
                    cls_name, word, f"the word is also in {seen[word]}; classes must not overlap"
                )
            seen[word] = cls_name


def effective_valence(tokens: list[str] | np.ndarray, lang: SyntheticLanguage) -> np.ndarray:
    """Each token's contribution to the document's valence sum (0 for non-valence words)."""
    base = np.array([lang.valence.get(token, 0.0) for token in tokens], dtype=np.float64)
    factor = np.ones(len(base))
    for j, token in enumerate(tokens):
        if token in lang.negators:
            factor[j + 1 : j + 1 + lang.negators[token]] *= -1.0
        elif token in lang.intensifiers:
            scale, span = lang.intensifiers[token]
            factor[j + 1 : j + 1 + span] *= scale
    return base * factor + 0.0  # + 0.0 turns -0.0 into 0.0


def _draw(lang: SyntheticLanguage, n: int, rng: np.random.Generator) -> list[list[str]]:
    classes = [list(lang.filler), list(lang.valence), list(lang.negators), list(lang.intensifiers)]
    probs = np.array([lang.p_filler, lang.p_valence, lang.p_negator, lang.p_intensifier])
    probs = probs / probs.sum()
    sizes = np.array([len(words) for words in classes])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    vocabulary = np.array([w for words in classes for w in words], dtype=object)
    lengths = rng.integers(lang.min_length, lang.max_length + 1, size=n)
    total = int(lengths.sum())
    kind = rng.choice(4, size=total, p=probs)
    within = np.minimum((rng.random(total) * sizes[kind]).astype(np.int64), sizes[kind] - 1)
    words = vocabulary[offsets[kind] + within]
    return [list(doc) for doc in np.split(words, np.cumsum(lengths)[:-1])]


def generate(lang: SyntheticLanguage, n: int, seed: int) -> pd.DataFrame:
    """``n`` labelled documents: columns ``tokens`` (list[str]), ``label`` (int8), ``valence_sum``.

    Deterministic for a given language and seed. Zero-sum documents are redrawn.
    """
    if n < 0:
        raise ConfigError(f"synthetic language: n = {n}: the number of documents must be >= 0")
    rng = np.random.default_rng(seed)
    docs: list[list[str]] = []
    sums: list[float] = []
    rounds = 0
    while len(docs) < n:
        rounds += 1
        if rounds > 10_000:
            raise ConfigError(
                "synthetic language: almost every document has a zero valence sum; "
                "raise p_valence or max_length"
            )
        for tokens in _draw(lang, n - len(docs), rng):
            total = float(effective_valence(tokens, lang).sum())
            if abs(total) > _ZERO:
                docs.append(tokens)
                sums.append(total)
    sums_arr = np.array(sums, dtype=np.float64)
    return pd.DataFrame(
        {
            "tokens": pd.Series(docs, dtype=object),
            "label": (sums_arr > 0).astype(np.int8),
            "valence_sum": sums_arr,
        }
    )
