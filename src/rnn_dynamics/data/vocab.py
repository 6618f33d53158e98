"""Word vocabulary: the most frequent training tokens, with fixed ids for padding and unknowns.

Id 0 is ``<pad>`` (so zero-padded batches need no mask for the embedding) and id 1 is
``<unk>``; words follow by descending count, ties broken alphabetically so the same corpus
always gives the same ids. Build it from the training split only, so that validation and
test words the model never saw count as unknown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from rnn_dynamics.errors import ConfigError

PAD, UNK = "<pad>", "<unk>"
PAD_ID, UNK_ID = 0, 1


def build_vocab(
    token_lists: Iterable[Sequence[str]], size: int, min_count: int = 1
) -> pd.DataFrame:
    """Top-``size`` tokens seen at least ``min_count`` times, plus ``<pad>`` and ``<unk>``.

    Returns columns ``token`` (str), ``id`` (int32), ``count`` (int64); the table has at
    most ``size + 2`` rows. ``count`` of ``<unk>`` is the number of training tokens that fall
    outside the vocabulary; ``<pad>`` has count 0.
    """
    if size < 1:
        raise ConfigError(f"vocab_size = {size}: it must be at least 1")
    if min_count < 1:
        raise ConfigError(f"min_count = {min_count}: it must be at least 1")
    counts: Counter[str] = Counter()
    for tokens in token_lists:
        counts.update(tokens)
    for special in (PAD, UNK):
        counts.pop(special, None)
    ranked = sorted(
        ((token, count) for token, count in counts.items() if count >= min_count),
        key=lambda item: (-item[1], item[0]),
    )[:size]
    unknown = sum(counts.values()) - sum(count for _, count in ranked)
    tokens = [PAD, UNK] + [token for token, _ in ranked]
    return pd.DataFrame(
        {
            "token": pd.Series(tokens, dtype=object),
            "id": np.arange(len(tokens), dtype=np.int32),
            "count": np.array([0, unknown] + [count for _, count in ranked], dtype=np.int64),
        }
    )


def vocab_map(vocab: pd.DataFrame) -> dict[str, int]:
    """token -> id, for :func:`encode`."""
    return dict(zip(vocab["token"], vocab["id"].astype(int)))


def encode(tokens: Sequence[str], vocab_map: Mapping[str, int]) -> np.ndarray:
    """Token ids (int32); tokens outside the vocabulary map to ``<unk>`` (1)."""
    get = vocab_map.get
    return np.fromiter((get(token, UNK_ID) for token in tokens), dtype=np.int32, count=len(tokens))
