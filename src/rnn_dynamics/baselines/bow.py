"""Bag-of-words logistic regression on unigram presence.

It is the paper's baseline and, through its per-word coefficients, the valence lexicon that
later stages use to pick positive, negative and neutral words.
"""

from __future__ import annotations

import logging
import time
from typing import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from ..io import read_parquet, write_parquet

log = logging.getLogger(__name__)

PAD, UNK = 0, 1


def presence_matrix(ids: Sequence[np.ndarray], vocab_size: int) -> sp.csr_matrix:
    """Binary document-by-word matrix; ``<pad>`` and ``<unk>`` carry no meaning and are dropped."""
    rows, cols = [], []
    for row, doc in enumerate(ids):
        words = np.unique(np.asarray(doc, dtype=np.int64))
        words = words[words > UNK]
        rows.append(np.full(words.size, row, dtype=np.int64))
        cols.append(words)
    rows_arr = np.concatenate(rows) if rows else np.empty(0, np.int64)
    cols_arr = np.concatenate(cols) if cols else np.empty(0, np.int64)
    data = np.ones(rows_arr.size, dtype=np.float32)
    return sp.csr_matrix((data, (rows_arr, cols_arr)), shape=(len(ids), vocab_size))


def select_logistic_regression(x_train, y_train, x_valid, y_valid, C_grid: Sequence[float],
                               seed: int = 0) -> tuple[LogisticRegression, dict[float, float]]:
    """One L2 logistic regression per C (liblinear, seeded), the first best on validation:
    ``(model, validation accuracy per C)``."""
    scores: dict[float, float] = {}
    best: LogisticRegression | None = None
    for C in C_grid:
        model = LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=seed)
        model.fit(x_train, y_train)
        scores[C] = float(model.score(x_valid, y_valid))
        log.info("logistic regression C=%g: validation accuracy %.4f", C, scores[C])
        if best is None or scores[C] > scores[best.C]:
            best = model
    if best is None:
        raise ValueError("C_grid is empty: give at least one regularisation strength")
    return best, scores


def fit_bow(
    train: pd.DataFrame, valid: pd.DataFrame, test: pd.DataFrame, vocab: pd.DataFrame,
    C_grid: Sequence[float], seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame, LogisticRegression]:
    """Fit one L2 logistic regression per C, keep the best on validation, report test accuracy.

    Returns ``(metrics, coefficients, model)``: metrics is one row (train/valid/test accuracy,
    chosen C, and the validation accuracy of every C tried); coefficients has one row per
    vocabulary word (``token``, ``id``, ``coef``, ``count``; positive coef = positive sentiment).
    """
    start = time.perf_counter()
    vocab_size = int(vocab["id"].max()) + 1
    X = {name: presence_matrix(df["ids"].to_list(), vocab_size)
         for name, df in (("train", train), ("valid", valid), ("test", test))}
    y = {name: df["label"].to_numpy() for name, df in (("train", train), ("valid", valid), ("test", test))}
    best, scores = select_logistic_regression(X["train"], y["train"], X["valid"], y["valid"],
                                              C_grid, seed)
    metrics = pd.DataFrame([{
        "model": "bow",
        "train_acc": float(best.score(X["train"], y["train"])),
        "valid_acc": scores[best.C],
        "test_acc": float(best.score(X["test"], y["test"])),
        "C": float(best.C),
        "C_grid": [float(c) for c in C_grid],
        "valid_acc_grid": [scores[c] for c in C_grid],
    }])
    coefficients = vocab[["token", "id", "count"]].copy()
    coefficients["coef"] = best.coef_[0][coefficients["id"].to_numpy()]
    coefficients.loc[coefficients["id"] <= UNK, "coef"] = 0.0
    log.info("BoW: C=%g, test accuracy %.4f, %.1f s", best.C, metrics.loc[0, "test_acc"],
             time.perf_counter() - start)
    return metrics, coefficients[["token", "id", "coef", "count"]], best


def run_bow(train_path, valid_path, test_path, vocab_path, *, metrics_path, coefficients_path,
            C_grid: Sequence[float], seed: int = 0) -> pd.DataFrame:
    """File-level wrapper for the workflow: read the prepared splits, write the two tables."""
    metrics, coefficients, _ = fit_bow(
        read_parquet(train_path), read_parquet(valid_path), read_parquet(test_path),
        read_parquet(vocab_path), C_grid, seed)
    write_parquet(coefficients, coefficients_path)
    write_parquet(metrics, metrics_path)
    return metrics
