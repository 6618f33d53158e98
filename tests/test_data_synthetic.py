"""Synthetic sentiment language: determinism, ground-truth semantics and config validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnn_dynamics.data.synthetic import SyntheticLanguage, effective_valence, generate
from rnn_dynamics.errors import ConfigError

LANG = SyntheticLanguage()


def test_same_seed_same_documents():
    a, b = generate(LANG, 300, seed=7), generate(LANG, 300, seed=7)
    pd.testing.assert_frame_equal(a, b)
    c = generate(LANG, 300, seed=8)
    assert list(a["tokens"]) != list(c["tokens"])


def test_columns_lengths_and_vocabulary():
    lang = SyntheticLanguage(min_length=5, max_length=9)
    docs = generate(lang, 500, seed=0)
    assert list(docs.columns) == ["tokens", "label", "valence_sum"]
    assert docs["label"].dtype == np.int8
    lengths = docs["tokens"].map(len)
    assert lengths.min() >= 5 and lengths.max() <= 9
    words = set(lang.words)
    assert all(set(tokens) <= words for tokens in docs["tokens"])


def test_labels_are_the_sign_of_the_recomputed_valence():
    docs = generate(LANG, 1000, seed=1)
    for tokens, label, total in docs.itertuples(index=False):
        recomputed = effective_valence(tokens, LANG).sum()
        assert recomputed == pytest.approx(total)
        assert recomputed != 0
        assert label == int(recomputed > 0)


def test_classes_roughly_balanced():
    assert 0.45 < generate(LANG, 4000, seed=2)["label"].mean() < 0.55


def test_negators_flip_within_their_span():
    lang = SyntheticLanguage(negators={"not": 2}, filler=("x",))
    assert effective_valence(["not", "good"], lang).tolist() == [0, -1]
    assert effective_valence(["not", "x", "good"], lang).tolist() == [0, 0, -1]
    assert effective_valence(["not", "x", "x", "good"], lang).tolist() == [0, 0, 0, 1]
    assert effective_valence(["not", "good", "bad"], lang).tolist() == [0, -1, 1]
    assert effective_valence(["bad", "not"], lang).tolist() == [-1, 0]


def test_intensifiers_scale_and_effects_multiply():
    lang = SyntheticLanguage(intensifiers={"very": (2.0, 1), "so": (1.5, 2)}, filler=("x",))
    assert effective_valence(["very", "good"], lang).tolist() == [0, 2]
    assert effective_valence(["very", "x", "good"], lang).tolist() == [0, 0, 1]
    assert effective_valence(["so", "x", "awful"], lang).tolist() == [0, 0, -3]
    assert effective_valence(["very", "very", "good"], lang).tolist() == [0, 0, 2]
    assert effective_valence(["not", "very", "good"], lang).tolist() == [0, 0, -2]
    assert effective_valence(["not", "never", "good"], lang).tolist() == [0, 0, 1]


def test_truth_is_exposed():
    assert LANG.valence["good"] > 0 > LANG.valence["bad"]
    assert LANG.negators["not"] >= 1
    factor, span = LANG.intensifiers["very"]
    assert factor > 1 and span >= 1


def test_from_dict_round_trip_and_defaults():
    lang = SyntheticLanguage.from_dict(
        {"min_length": 3, "max_length": 4, "intensifiers": {"very": [2, 1]}}
    )
    assert lang.min_length == 3 and lang.intensifiers == {"very": (2, 1)}
    assert SyntheticLanguage.from_dict(lang.to_dict()) == lang
    assert SyntheticLanguage.from_dict({}) == LANG


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"colour": 1}, "colour"),
        ({"min_length": 10, "max_length": 5}, "min_length"),
        ({"min_length": 0}, "min_length"),
        ({"p_valence": 1.5}, "p_valence"),
        ({"p_valence": 0.0}, "p_valence"),
        ({"p_valence": 0.6, "p_negator": 0.3, "p_intensifier": 0.3}, "p_negator"),
        ({"valence": {"good": 0}}, "good"),
        ({"valence": {"good": "yes"}}, "good"),
        ({"valence": ["good"]}, "valence"),
        ({"negators": {"not": 0}}, "not"),
        ({"negators": {"not": 1.5}}, "not"),
        ({"intensifiers": {"very": 2}}, "very"),
        ({"intensifiers": {"very": [-1, 1]}}, "very"),
        ({"filler": ["good", "the"]}, "good"),
        ({"filler": "the movie"}, "filler"),
        ({"filler": ["two words"]}, "two words"),
    ],
)
def test_from_dict_errors_name_the_bad_key(config, named):
    with pytest.raises(ConfigError, match=named):
        SyntheticLanguage.from_dict(config)


def test_generate_rejects_negative_n():
    with pytest.raises(ConfigError):
        generate(LANG, -1, seed=0)
    assert len(generate(LANG, 0, seed=0)) == 0
