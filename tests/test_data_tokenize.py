"""Tokeniser: PTB-compatible splits, HTML clean-up, and properties on arbitrary text."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_dynamics.data.tokenize import tokenize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I don't like it.", ["i", "do", "n't", "like", "it", "."]),
        ("It CAN'T be", ["it", "ca", "n't", "be"]),
        ("won't", ["wo", "n't"]),
        ("cannot", ["can", "not"]),
        (
            "it's they're we've I'll he'd I'm",
            ["it", "'s", "they", "'re", "we", "'ve", "i", "'ll", "he", "'d", "i", "'m"],
        ),
        ("Great!<br /><br />Really?", ["great", "!", "really", "?"]),
        ("a<br>b <i>c</i> <BR/>d", ["a", "b", "c", "d"]),
        ("Tom &amp; Jerry &quot;rock&quot;", ["tom", "&", "jerry", '"', "rock", '"']),
        ("Wow!!! ... -- ?!", ["wow", "!!!", "...", "--", "?", "!"]),
        ("7.5/10, 1,000 and 2 stars", ["7.5/10", ",", "1,000", "and", "2", "stars"]),
        ("Jean-Claud Van Damme", ["jean-claud", "van", "damme"]),
        ("\u201cquoted\u201d and `` ptb ''", ['"', "quoted", '"', "and", '"', "ptb", '"']),
        ("don\u2019t", ["do", "n't"]),
        ("  tabs\tand\nnew\r\nlines\u00a0nbsp ", ["tabs", "and", "new", "lines", "nbsp"]),
        ("", []),
        ("<br /><br />", []),
    ],
)
def test_examples(text, expected):
    assert tokenize(text) == expected


@pytest.mark.parametrize(
    ("raw", "sst"),
    [
        ("doesn't", "does n't"),
        ("It can't work", "It ca n't work"),
        ("I won't.", "I wo n't ."),
        ('The film\'s "best" part', "The film 's `` best '' part"),
        ("Isn't it (sort of) fun?", "Is n't it ( sort of ) fun ?"),
    ],
)
def test_raw_text_matches_sst_ptb_tokens(raw, sst):
    assert tokenize(raw) == tokenize(sst)


_garbage = st.binary(max_size=300).map(lambda b: b.decode("utf-8", errors="replace"))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), _garbage))
def test_tokens_are_clean_on_any_text(text):
    tokens = tokenize(text)
    for token in tokens:
        assert token
        assert token == token.lower()
        assert not any(c.isspace() for c in token)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(["good", "bad", "not", "don't", "!", "<br />", "&amp;", " ", "\n"]),
        max_size=50,
    )
)
def test_deterministic_and_idempotent_on_rejoin(parts):
    text = " ".join(parts)
    tokens = tokenize(text)
    assert tokenize(text) == tokens
    assert tokenize(" ".join(tokens)) == tokens


def test_long_review_is_fast():
    text = "This movie isn't great, but <br /><br />it's FUN &amp; 7.5/10!! " * 8_000
    start = time.perf_counter()
    tokens = tokenize(text)
    elapsed = time.perf_counter() - start
    assert len(tokens) > 100_000
    assert elapsed < 2.0
