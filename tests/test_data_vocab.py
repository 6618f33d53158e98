"""Vocabulary: fixed special ids, deterministic ranking, unknown handling."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_dynamics.data.vocab import build_vocab, encode, vocab_map
from rnn_dynamics.errors import ConfigError

DOCS = [["b", "a", "c", "a"], ["c", "b", "d"], ["a", "e"]]


def test_specials_then_count_then_alphabetical():
    vocab = build_vocab(DOCS, size=10)
    assert vocab["token"].tolist() == ["<pad>", "<unk>", "a", "b", "c", "d", "e"]
    assert vocab["id"].tolist() == list(range(7))
    assert vocab["count"].tolist() == [0, 0, 3, 2, 2, 1, 1]
    assert vocab["id"].dtype == np.int32


def test_size_and_min_count_cut_and_count_unknowns():
    vocab = build_vocab(DOCS, size=2)
    assert vocab["token"].tolist() == ["<pad>", "<unk>", "a", "b"]
    assert vocab["count"].tolist()[1] == 4  # c, c, d, e
    assert build_vocab(DOCS, size=10, min_count=2)["token"].tolist()[2:] == ["a", "b", "c"]


def test_same_input_same_ids_regardless_of_document_order():
    assert build_vocab(DOCS, 10).equals(build_vocab(DOCS[::-1], 10))


def test_encode_maps_unknowns_to_one():
    mapping = vocab_map(build_vocab(DOCS, size=2))
    ids = encode(["a", "zzz", "b", "<pad>"], mapping)
    assert ids.dtype == np.int32
    assert ids.tolist() == [2, 1, 3, 0]
    assert encode([], mapping).tolist() == []


def test_bad_size():
    with pytest.raises(ConfigError, match="vocab_size"):
        build_vocab(DOCS, size=0)
