"""Length-bucketed batches of padded token ids.

Fused RNN kernels pay for every padded position, and ``pack_padded_sequence`` made them far
slower on CPU, so documents of similar length are batched together instead: shuffle, sort by
length inside chunks of ~``chunk_batches`` batches, cut into batches, shuffle the batch order.
Padding then stays a few percent of processed tokens on IMDB-like length distributions while
batch composition still changes every epoch. Pads go at the end; the model reads each
document's state at ``length - 1``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..errors import DataError
from ..padding import gather_padded


@dataclass(frozen=True)
class EncodedSplit:
    """One split as flat arrays: all tokens concatenated, offsets, lengths and labels."""

    tokens: np.ndarray   # int64 [total tokens]
    offsets: np.ndarray  # int64 [n]; document i is tokens[offsets[i] : offsets[i] + lengths[i]]
    lengths: np.ndarray  # int64 [n]
    labels: np.ndarray   # float32 [n], the class 0..K-1 (0 or 1 for the binary datasets)

    def __len__(self) -> int:
        return len(self.lengths)

    @classmethod
    def from_frame(cls, df: pd.DataFrame, name: str = "data") -> EncodedSplit:
        """Read ``ids`` / ``label`` / ``length`` columns; ``length`` tokens of each ``ids`` count."""
        missing = {"ids", "label", "length"} - set(df.columns)
        if missing:
            raise DataError(f"{name}: missing column(s) {sorted(missing)}; "
                            "expected ids, label, length")
        if len(df) == 0:
            raise DataError(f"{name}: no documents")
        lengths = df["length"].to_numpy(dtype=np.int64)
        ids = [np.asarray(x, dtype=np.int64) for x in df["ids"]]
        if lengths.min() < 1 or any(len(x) < n for x, n in zip(ids, lengths)):
            raise DataError(f"{name}: every document needs length >= 1 and at least 'length' ids")
        tokens = np.concatenate([x[:n] for x, n in zip(ids, lengths)])
        if tokens.min() < 0:
            raise DataError(f"{name}: negative token ids")
        labels = df["label"].to_numpy()
        if (not np.issubdtype(labels.dtype, np.integer) and not np.isin(labels, (0, 1)).all()
                or labels.min() < 0):
            raise DataError(f"{name}: labels must be class numbers 0, 1, ... (0 or 1 for "
                            "binary sentiment)")
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        return cls(tokens, offsets, lengths, labels.astype(np.float32))

    @property
    def n_classes(self) -> int:
        """1 + the largest label (at least 2)."""
        return max(2, int(self.labels.max()) + 1)

    def fingerprint(self) -> str:
        """Hash of tokens, lengths and labels: resuming needs exactly the same data."""
        h = hashlib.sha256()
        for arr in (self.tokens, self.lengths, self.labels):
            h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()

    def collate(self, idx: np.ndarray, device: torch.device | str = "cpu"
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Padded ids ``[B, T_max]`` (pad 0 at the end), lengths ``[B]``, labels ``[B]``."""
        ids, lengths = gather_padded(self.tokens, self.offsets, self.lengths, idx)
        return ids.to(device), lengths.to(device), torch.from_numpy(self.labels[idx]).to(device)


def length_buckets(lengths: np.ndarray, *, batch_size: int, max_tokens: int | None = None,
                   seed: int | list[int] | None = 0, chunk_batches: int = 50,
                   max_padding: float = 0.2) -> list[np.ndarray]:
    """Index arrays of batches, each of similar-length documents; every index exactly once.

    ``seed=None`` gives a fixed order (sorted by length, for evaluation); otherwise the
    shuffle of documents and of batch order depends only on ``seed`` (pass e.g.
    ``[seed, trial, epoch]``). A batch holds at most ``batch_size`` documents and, when
    ``max_tokens`` is set, at most ``max_tokens`` padded tokens (a longer single document
    still forms its own batch). A batch also ends before its own padding would pass
    ``max_padding``: in the long tail of a review corpus lengths jump quickly, and a single
    64-document batch there can otherwise hold as much padding as the rest of the epoch.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    n = len(lengths)
    if seed is None:
        order, chunk = np.arange(n), max(n, 1)
    else:
        rng = np.random.default_rng(seed)
        order, chunk = rng.permutation(n), batch_size * chunk_batches
    batches: list[np.ndarray] = []
    for start in range(0, n, chunk):
        idx = order[start:start + chunk]
        idx = idx[np.argsort(lengths[idx], kind="stable")]
        i = 0
        while i < len(idx):
            take = min(batch_size, len(idx) - i)
            # sorted ascending: k docs are padded to the k-th length
            run = lengths[idx[i:i + take]]
            padded = np.arange(1, take + 1) * run
            ok = (1.0 - np.cumsum(run) / padded) <= max_padding
            if max_tokens is not None:
                ok &= padded <= max_tokens
            take = max(1, int(np.argmin(ok)) if not ok.all() else take)
            batches.append(idx[i:i + take])
            i += take
    if seed is not None:
        batches = [batches[j] for j in rng.permutation(len(batches))]
    return batches


def padding_fraction(lengths: np.ndarray, batches: list[np.ndarray]) -> float:
    """Share of processed positions that are padding: ``1 - real / sum(B * T_max)``."""
    lengths = np.asarray(lengths)
    processed = sum(len(b) * int(lengths[b].max()) for b in batches)
    real = sum(int(lengths[b].sum()) for b in batches)
    return 1.0 - real / processed if processed else 0.0
