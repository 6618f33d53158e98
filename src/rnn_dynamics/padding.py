"""Zero-padded id batches: the one place documents become ``[B, T]`` tensors.

Pads (id 0) go at the end; every model reads a document's state at ``length - 1``, so the
pads are never seen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import Tensor


def gather_padded(tokens: np.ndarray, offsets: np.ndarray, lengths: np.ndarray,
                  rows: np.ndarray) -> tuple[Tensor, Tensor]:
    """Ids ``[B, T_max]`` (int64, pad 0) and lengths ``[B]`` of documents ``rows`` of a flat
    token array, document i being ``tokens[offsets[i] : offsets[i] + lengths[i]]``."""
    rows = np.asarray(rows, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)[rows]
    pos = np.arange(int(lengths.max()) if len(rows) else 0)
    real = pos[None, :] < lengths[:, None]
    gather = np.where(real, np.asarray(offsets, dtype=np.int64)[rows][:, None] + pos[None, :], 0)
    ids = np.where(real, tokens[gather], 0) if tokens.size else np.zeros(real.shape, np.int64)
    return torch.from_numpy(ids.astype(np.int64, copy=False)), torch.from_numpy(lengths)


def padded(ids_column: pd.Series, rows: np.ndarray) -> tuple[Tensor, Tensor]:
    """Ids ``[B, T_max]`` and lengths ``[B]`` for the given rows of an ``ids`` column (one
    list of token ids per document, all of it read)."""
    seqs = [np.asarray(ids_column.iloc[int(r)], dtype=np.int64) for r in rows]
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    tokens = np.concatenate(seqs) if seqs else np.zeros(0, np.int64)
    return gather_padded(tokens, offsets, lengths, np.arange(len(seqs)))
