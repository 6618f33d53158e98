"""Length bucketing keeps padding small, covers each document once, and is seeded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from rnn_dynamics.errors import ConfigError, DataError
from rnn_dynamics.padding import padded
from rnn_dynamics.training import (
    EncodedSplit,
    TrainConfig,
    length_buckets,
    padding_fraction,
    sample_trials,
)


def _imdb_like_lengths(n: int = 5000, seed: int = 0) -> np.ndarray:
    """Long-tailed like IMDB reviews: median ~175 tokens, a tail past 1,500."""
    rng = np.random.default_rng(seed)
    return np.clip(rng.lognormal(np.log(175), 0.75, n).astype(int), 5, 2500)


@pytest.mark.parametrize("max_tokens", [None, 8000])
def test_padding_small_and_every_doc_once(max_tokens):
    lengths = _imdb_like_lengths()
    assert lengths.max() > 1500
    for epoch in range(2):
        batches = length_buckets(lengths, batch_size=64, max_tokens=max_tokens, seed=[0, 0, epoch])
        seen = np.concatenate(batches)
        assert len(seen) == len(lengths) and set(seen.tolist()) == set(range(len(lengths)))
        assert padding_fraction(lengths, batches) < 0.10
        assert max(len(b) for b in batches) <= 64
        if max_tokens is not None:
            assert all(len(b) * lengths[b].max() <= max_tokens or len(b) == 1 for b in batches)


def test_naive_batching_would_pad_much_more():
    lengths = _imdb_like_lengths()
    order = np.random.default_rng(0).permutation(len(lengths))
    naive = [order[i:i + 64] for i in range(0, len(order), 64)]
    assert padding_fraction(lengths, naive) > 0.3


def test_order_is_seeded_and_changes_per_epoch():
    lengths = _imdb_like_lengths(1000)
    a = length_buckets(lengths, batch_size=32, seed=[1, 0, 1])
    b = length_buckets(lengths, batch_size=32, seed=[1, 0, 1])
    c = length_buckets(lengths, batch_size=32, seed=[1, 0, 2])
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))
    fixed = np.concatenate(length_buckets(lengths, batch_size=32, seed=None))
    assert np.all(np.diff(lengths[fixed]) >= 0)


def test_collate_pads_at_the_end():
    df = pd.DataFrame({"ids": [[5, 6, 7], [8], [9, 10, 11, 12]], "label": [1, 0, 1],
                       "length": [3, 1, 3]})
    split = EncodedSplit.from_frame(df)
    ids, lengths, labels = split.collate(np.array([2, 1]))
    assert ids.tolist() == [[9, 10, 11], [8, 0, 0]]
    assert lengths.tolist() == [3, 1] and labels.tolist() == [1.0, 0.0]


def test_padding_a_frame_s_rows_matches_the_training_batches():
    """Stages pad rows of an ``ids`` column, training pads flat arrays: the same tensors."""
    rng = np.random.default_rng(0)
    docs = [rng.integers(2, 50, size=n).tolist() for n in (5, 1, 9, 3)]
    df = pd.DataFrame({"ids": docs, "label": [0, 1, 1, 0], "length": [len(d) for d in docs]})
    rows = np.array([2, 0, 3])
    ids, lengths = padded(df["ids"], rows)
    ref_ids, ref_lengths, _ = EncodedSplit.from_frame(df).collate(rows)
    assert torch.equal(ids, ref_ids) and torch.equal(lengths, ref_lengths)
    assert ids.shape == (3, 9) and ids[0].tolist() == docs[2]
    assert ids[1, :5].tolist() == docs[0] and (ids[1, 5:] == 0).all()
    empty_ids, empty_lengths = padded(df["ids"], np.array([], dtype=np.int64))
    assert empty_ids.shape == (0, 0) and empty_lengths.shape == (0,)


def test_bad_frames_raise_data_error():
    with pytest.raises(DataError, match="length"):
        EncodedSplit.from_frame(pd.DataFrame({"ids": [[1]], "label": [1]}))
    for bad in (-1, 0.5):            # labels are class numbers 0, 1, ... (K classes)
        with pytest.raises(DataError, match="labels"):
            EncodedSplit.from_frame(pd.DataFrame({"ids": [[4]], "label": [bad], "length": [1]}))
    assert EncodedSplit.from_frame(pd.DataFrame({"ids": [[4], [5]], "label": [0, 3],
                                                 "length": [1, 1]})).n_classes == 4
    with pytest.raises(DataError, match="length"):
        EncodedSplit.from_frame(pd.DataFrame({"ids": [[4]], "label": [1], "length": [3]}))


def test_config_from_dict_names_bad_keys_and_values():
    cfg = TrainConfig.from_dict({"epochs": 3, "lr": 0.01, "max_tokens_per_batch": None,
                                 "search_space": {"lr": [1e-3, 1e-2]}})
    assert cfg.epochs == 3 and cfg.batch_size == 64 and cfg.search_space == {"lr": [1e-3, 1e-2]}
    with pytest.raises(ConfigError, match="'epoch'"):
        TrainConfig.from_dict({"epoch": 3})
    with pytest.raises(ConfigError, match="training.lr"):
        TrainConfig.from_dict({"lr": -1})
    with pytest.raises(ConfigError, match="batch_size"):
        TrainConfig.from_dict({"batch_size": 2.5})
    with pytest.raises(ConfigError, match="search_space.momentum"):
        TrainConfig.from_dict({"search_space": {"momentum": [0, 1]}})
    with pytest.raises(ConfigError, match="low must not exceed"):
        TrainConfig.from_dict({"search_space": {"lr": [1e-2, 1e-3]}})


def test_search_trial_zero_is_configured_and_draws_are_seeded():
    cfg = TrainConfig.from_dict({"lr": 0.002, "weight_decay": 0.0, "search_trials": 5,
                                 "search_space": {"lr": [1e-4, 1e-1], "weight_decay": [0, 1e-5]}})
    trials = sample_trials(cfg, seed=3)
    assert trials[0] == {"lr": 0.002, "weight_decay": 0.0, "dropout_embed": 0.0,
                         "dropout_final": 0.0} and len(trials) == 5
    assert trials == sample_trials(cfg, seed=3) and trials != sample_trials(cfg, seed=4)
    assert all(1e-4 <= t["lr"] <= 1e-1 and 0 <= t["weight_decay"] <= 1e-5 for t in trials[1:])
    assert all(t["dropout_embed"] == 0.0 == t["dropout_final"] for t in trials)
    # a key added to the space leaves the other keys' draws as they were
    wider = TrainConfig.from_dict({**cfg.to_dict(), "search_space": {
        **cfg.search_space, "dropout_final": [0.0, 0.5]}})
    drawn = sample_trials(wider, seed=3)
    assert [t["lr"] for t in drawn] == [t["lr"] for t in trials]
    assert len({t["dropout_final"] for t in drawn[1:]}) == 4
