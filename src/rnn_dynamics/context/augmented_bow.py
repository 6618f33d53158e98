"""An augmented bag-of-words that knows what the RNN learned about context.

Plain BoW (the paper's baseline, :mod:`rnn_dynamics.baselines.bow`) sees word presence only.
The augmented model adds, per vocabulary word u, a *context-weighted count*

    z_u(doc) = sum over positions t with token u of  m_t * s_t,

where ``m_t`` is the product of the measured gains of every modifier that precedes t within
its measured reach (``gain(gap)`` from :mod:`.dynamics`; gap = tokens strictly between), and
``s_t`` the measured start/end emphasis (``gain`` of :mod:`.position` at t tokens from the
start, from h0, times the end gain at L - 1 - t tokens from the end; 1 beyond the measured
range, and 1 where a gain could not be measured, e.g. a network whose output ignores its
input). Nothing is hand-set: the weights per word are learned, the context factors measured
from the network. Logistic regression (liblinear, L2) on ``[presence, z]``; C chosen on
validation. Variants, so the gain can be attributed: ``bow`` (presence), ``bow_counts``
(presence + plain counts, m = s = 1), ``augmented_modifiers`` (s = 1), ``augmented``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..baselines.bow import presence_matrix, select_logistic_regression

AUGMENTED_COLUMNS = ["model", "C", "train_acc", "valid_acc", "test_acc", "bow_test_acc",
                     "rnn_test_acc", "gap_recovered", "n_features"]
VARIANTS = ("bow", "bow_counts", "augmented_modifiers", "augmented")


def _flat(ids: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(tokens, doc index, position, document length) per token, all documents concatenated."""
    lengths = np.array([len(x) for x in ids], dtype=np.int64)
    tokens = (np.concatenate([np.asarray(x, np.int64) for x in ids]) if len(ids)
              else np.zeros(0, np.int64))
    doc = np.repeat(np.arange(len(ids)), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(ids) else np.zeros(0, np.int64)
    pos = np.arange(len(tokens)) - np.repeat(starts, lengths)
    return tokens, doc, pos, np.repeat(lengths, lengths)


def modifier_factors(tokens: np.ndarray, doc: np.ndarray,
                     gains: Mapping[int, np.ndarray]) -> np.ndarray:
    """``m_t`` per token: product of ``gains[w][gap]`` over modifiers w at t - 1 - gap (same
    document). Effects compose by multiplication, as two modifiers in a row do in the RNN."""
    factor = np.ones(len(tokens))
    for wid, curve in gains.items():
        at = np.flatnonzero(tokens == wid)
        for gap, g in enumerate(np.asarray(curve, np.float64)):
            if not np.isfinite(g):
                continue                      # unmeasurable gain: no effect assumed
            tgt = at + 1 + gap
            ok = tgt < len(tokens)
            tgt, src = tgt[ok], at[ok]
            tgt = tgt[doc[tgt] == doc[src]]
            np.multiply.at(factor, tgt, g)
    return factor


def position_factors(pos: np.ndarray, length: np.ndarray, start: np.ndarray | None,
                     end: np.ndarray | None) -> np.ndarray:
    """``s_t = start[t] * end[L - 1 - t]`` (1 outside the measured curves)."""
    out = np.ones(len(pos))
    for curve, offset in ((start, pos), (end, length - 1 - pos)):
        if curve is not None and len(curve):
            c = np.asarray(curve, np.float64)
            c = np.where(np.isfinite(c), c, 1.0)
            out *= np.where(offset < len(c), c[np.minimum(offset, len(c) - 1)], 1.0)
    return out


def context_counts(ids: Sequence[np.ndarray], vocab_size: int, *,
                   gains: Mapping[int, np.ndarray] | None = None, start: np.ndarray | None = None,
                   end: np.ndarray | None = None) -> sp.csr_matrix:
    """The matrix of context-weighted counts ``z`` [docs, vocab] (pad/unk columns empty)."""
    tokens, doc, pos, length = _flat(ids)
    w = np.ones(len(tokens))
    if gains:
        w *= modifier_factors(tokens, doc, gains)
    w *= position_factors(pos, length, start, end)
    keep = tokens > 1
    return sp.csr_matrix((w[keep], (doc[keep], tokens[keep])), shape=(len(ids), vocab_size))


def _features(ids: Sequence[np.ndarray], vocab_size: int, variant: str,
              gains: Mapping[int, np.ndarray], start: np.ndarray | None,
              end: np.ndarray | None) -> sp.csr_matrix:
    presence = presence_matrix(list(ids), vocab_size)
    if variant == "bow":
        return presence
    kw = {"bow_counts": {}, "augmented_modifiers": {"gains": gains},
          "augmented": {"gains": gains, "start": start, "end": end}}[variant]
    return sp.hstack([presence, context_counts(ids, vocab_size, **kw)], format="csr")


def fit_augmented_bow(train: pd.DataFrame, valid: pd.DataFrame, test: pd.DataFrame,
                      vocab_size: int, gains: Mapping[int, np.ndarray], *,
                      start: np.ndarray | None = None, end: np.ndarray | None = None,
                      rnn_test_acc: float = float("nan"),
                      C_grid: Sequence[float] = (0.01, 0.1, 1.0, 10.0),
                      variants: Sequence[str] = VARIANTS, seed: int = 0) -> pd.DataFrame:
    """One row per variant (schema ``AUGMENTED_COLUMNS``); ``gap_recovered`` =
    (test_acc - bow) / (rnn - bow), nan when the RNN does not beat BoW."""
    splits = {"train": train, "valid": valid, "test": test}
    y = {k: df["label"].to_numpy() for k, df in splits.items()}
    rows = []
    for variant in variants:
        x = {k: _features([np.asarray(v, np.int64) for v in df["ids"]], vocab_size, variant,
                          gains, start, end) for k, df in splits.items()}
        best, scores = select_logistic_regression(x["train"], y["train"], x["valid"],
                                                  y["valid"], C_grid, seed)
        best_acc = scores[best.C]
        rows.append({"model": variant, "C": float(best.C),
                     "train_acc": float(best.score(x["train"], y["train"])),
                     "valid_acc": best_acc, "test_acc": float(best.score(x["test"], y["test"])),
                     "n_features": int(x["train"].shape[1])})
    table = pd.DataFrame(rows)
    bow = float(table.loc[table["model"] == "bow", "test_acc"].iloc[0]) if "bow" in variants \
        else float("nan")
    gap = rnn_test_acc - bow
    table["bow_test_acc"] = bow
    table["rnn_test_acc"] = float(rnn_test_acc)
    table["gap_recovered"] = (table["test_acc"] - bow) / gap if gap > 0 else float("nan")
    return table[AUGMENTED_COLUMNS]
