"""A synthetic K-class language whose integration dimension is known: K - 1.

Each class ``k`` has its own evidence words (``c<k>_<j>``, e.g. ``c0_1``); every other token
is shared filler. A document is ``L ~ Uniform{min_length..max_length}`` tokens, each an
evidence word with probability ``p_evidence`` (class and word drawn uniformly) and filler
otherwise. Its label is the class with the most evidence words; documents with a tie for the
most are drawn again, so every label is unambiguous.

The classes are unordered and exchangeable: to classify, a network must keep K running counts
up to a common shift, a (K - 1)-dimensional quantity, so a trained network's fixed points
should fill a (K - 1)-dimensional manifold (Aitken et al., ICLR 2021). This is the reference
the attractor-dimension analysis (:mod:`rnn_dynamics.analysis.integration`) is tested on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rnn_dynamics.data.synthetic import DEFAULT_FILLER
from rnn_dynamics.errors import ConfigError


@dataclass(frozen=True)
class CategoricalLanguage:
    """Number of classes, evidence words per class, their rate and the document-length law."""

    n_classes: int = 3
    words_per_class: int = 4
    p_evidence: float = 0.15
    min_length: int = 20
    max_length: int = 60
    filler: tuple[str, ...] = DEFAULT_FILLER

    def __post_init__(self) -> None:
        def bad(key: str, why: str) -> ConfigError:
            return ConfigError(f"synthetic_categories.{key} = {getattr(self, key)!r}: {why}")

        for key, low in (("n_classes", 2), ("words_per_class", 1), ("min_length", 1),
                         ("max_length", 1)):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise bad(key, f"must be an integer >= {low}")
        if self.min_length > self.max_length:
            raise bad("min_length", f"must be <= max_length = {self.max_length}")
        p = self.p_evidence
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 < p <= 1.0:
            raise bad("p_evidence", "must be a probability in (0, 1]")
        if p < 1.0 and not self.filler:
            raise bad("filler", "needs at least one word while p_evidence < 1")

    @classmethod
    def from_dict(cls, config: Mapping[str, Any]) -> CategoricalLanguage:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ConfigError(f"synthetic_categories: unknown key(s) {unknown}; "
                              f"allowed: {sorted(known)}")
        values = dict(config)
        if "filler" in values:
            values["filler"] = tuple(values["filler"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["filler"] = list(self.filler)
        return out

    def evidence_words(self, k: int) -> list[str]:
        """The words that count for class ``k``."""
        return [f"c{k}_{j}" for j in range(1, self.words_per_class + 1)]

    @property
    def word_class(self) -> dict[str, int]:
        """Evidence word -> its class (filler words are absent)."""
        return {w: k for k in range(self.n_classes) for w in self.evidence_words(k)}


def _draw(lang: CategoricalLanguage, n: int, rng: np.random.Generator
          ) -> tuple[list[list[str]], np.ndarray]:
    """``n`` documents and their per-class evidence counts ``[n, K]``."""
    evidence = np.array([w for k in range(lang.n_classes) for w in lang.evidence_words(k)],
                        dtype=object)
    filler = np.array(lang.filler, dtype=object)
    lengths = rng.integers(lang.min_length, lang.max_length + 1, size=n)
    total = int(lengths.sum())
    is_evidence = rng.random(total) < lang.p_evidence
    which = rng.integers(0, len(evidence), size=total)
    fill = rng.integers(0, max(len(filler), 1), size=total)
    words = np.where(is_evidence, evidence[which], filler[fill] if len(filler) else evidence[which])
    cls = np.where(is_evidence, which // lang.words_per_class, -1)
    bounds = np.cumsum(lengths)[:-1]
    docs = [list(d) for d in np.split(words, bounds)]
    counts = np.stack([np.bincount(c[c >= 0], minlength=lang.n_classes)
                       for c in np.split(cls, bounds)]) if n else np.zeros((0, lang.n_classes))
    return docs, counts


def generate_categories(lang: CategoricalLanguage, n: int, seed: int) -> pd.DataFrame:
    """``n`` labelled documents: ``tokens`` (list[str]), ``label`` (int8, 0..K-1) and
    ``counts`` (evidence words per class). Deterministic for a language and seed; documents
    whose largest count is tied are drawn again."""
    if n < 0:
        raise ConfigError(f"synthetic_categories: n = {n}: the number of documents must be >= 0")
    rng = np.random.default_rng(seed)
    docs: list[list[str]] = []
    counts: list[np.ndarray] = []
    for _ in range(10_000):
        if len(docs) >= n:
            break
        batch, c = _draw(lang, n - len(docs), rng)
        top = c.max(axis=1, keepdims=True)
        unique = (c == top).sum(axis=1) == 1
        docs += [d for d, u in zip(batch, unique) if u]
        counts += list(c[unique])
    else:
        raise ConfigError("synthetic_categories: almost every document has a tie for the most "
                          "evidence words; raise p_evidence or max_length")
    arr = np.array(counts, dtype=np.int64).reshape(-1, lang.n_classes)
    return pd.DataFrame({"tokens": pd.Series(docs, dtype=object),
                         "label": arr.argmax(axis=1).astype(np.int8),
                         "counts": list(arr)})
