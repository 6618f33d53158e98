"""The multi-class datasets: SST-5 and IMDB ratings from the same archives as their binary
versions, and the synthetic K-class language whose labels are known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_dynamics.config import resolve
from rnn_dynamics.data.archives import candidate_paths, get_release
from rnn_dynamics.data.prepare import prepare_dataset, read_source, read_split, read_vocab
from rnn_dynamics.data.readers import (
    IMDB_RATING_CLASSES,
    parse_sst_trees,
    read_imdb_ratings,
    read_sst5,
)
from rnn_dynamics.data.synthetic_categories import CategoricalLanguage, generate_categories
from rnn_dynamics.errors import ConfigError

from .conftest import REPO
from .test_reliability_data import tar_bytes, zip_bytes

SST5 = {f"trees/{s}.txt": (b"(3 (2 a) (4 good))\n(1 (2 a) (0 bad))\n(2 (2 a) (2 table))\n"
                           b"(0 (0 awful) (2 a))\n(4 (4 superb) (2 a))\n") * 40
        for s in ("train", "dev", "test")}


def _imdb_ratings_archive() -> bytes:
    members = {"aclImdb/README": b"readme"}
    for split in ("train", "test"):
        for doc_id, rating in enumerate([1, 2, 3, 4, 7, 8, 9, 10] * 20):
            polarity = "pos" if rating >= 7 else "neg"
            members[f"aclImdb/{split}/{polarity}/{doc_id}_{rating}.txt"] = f"rated {rating}".encode()
    return tar_bytes(members)


def test_sst5_keeps_the_fine_labels_and_the_neutral_sentences(tmp_path):
    path = tmp_path / "trainDevTestTrees_PTB.zip"
    path.write_bytes(zip_bytes(SST5))
    train = read_sst5(path)["train"]
    assert len(train) == 200
    assert list(train["label"][:5]) == [3, 1, 2, 0, 4]
    assert train["text"][2] == "a table"


def test_phrase_training_reads_every_labelled_subtree_once_and_keeps_sentences_elsewhere():
    tree = b"(3 (2 (2 The) (2 film)) (4 (3 is) (4 (2 very) (4 good))))\n(1 (2 The) (1 bad))\n"
    phrases = parse_sst_trees(tree, "t", fine=True, phrases=True)
    assert list(zip(phrases["text"], phrases["label"])) == [
        ("The", 2), ("film", 2), ("The film", 2), ("is", 3), ("very", 2), ("good", 4),
        ("very good", 4), ("is very good", 4), ("The film is very good", 3), ("bad", 1),
        ("The bad", 1)]                            # "The" of the second tree: already there
    binary = parse_sst_trees(tree, "t", phrases=True)
    assert "The" not in set(binary["text"]) and binary.set_index("text")["label"]["bad"] == 0


def test_prepared_sst5_with_phrases_trains_on_phrases_and_tests_on_sentences(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "trainDevTestTrees_PTB.zip").write_bytes(zip_bytes(SST5))
    row = prepare_dataset("sst5", tmp_path / "out", data_dir=tmp_path / "data", vocab_size=100,
                          valid_fraction=0.1, max_length=None, seed=0, download=False,
                          train_phrases=True)
    # 5 distinct two-word sentences, repeated: 11 distinct phrases (6 words, 5 sentences)
    assert row["train_phrases"] and row["n_train"] == 11 and row["n_test"] == 200
    assert read_source(tmp_path / "out")["train_phrases"]
    with pytest.raises(ConfigError, match="labelled phrases"):
        prepare_dataset("imdb", tmp_path / "x", data_dir=tmp_path / "data", vocab_size=100,
                        valid_fraction=0.1, max_length=None, seed=0, download=False,
                        train_phrases=True)


def test_imdb_ratings_are_four_ordered_classes_of_two_ratings(tmp_path):
    path = tmp_path / "aclImdb_v1.tar.gz"
    path.write_bytes(_imdb_ratings_archive())
    test = read_imdb_ratings(path)["test"]
    for text, label in zip(test["text"], test["label"]):
        assert label == IMDB_RATING_CLASSES[int(text.split()[1])]
    assert sorted(test["label"].value_counts().to_dict().items()) == [(0, 40), (1, 40), (2, 40),
                                                                      (3, 40)]


def test_multiclass_datasets_use_the_binary_datasets_archives(tmp_path):
    assert get_release("sst5") is get_release("sst")
    assert get_release("imdb_ratings") is get_release("imdb")
    assert candidate_paths("imdb_ratings", tmp_path) == candidate_paths("imdb", tmp_path)


def test_prepared_sst5_has_five_classes_and_the_official_dev_split(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "trainDevTestTrees_PTB.zip").write_bytes(zip_bytes(SST5))
    row = prepare_dataset("sst5", tmp_path / "out", data_dir=tmp_path / "data", vocab_size=100,
                          valid_fraction=0.1, max_length=None, seed=0, download=False)
    assert row["n_classes"] == 5 and row["n_valid"] == 200
    assert set(read_split(tmp_path / "out", "valid")["label"]) == {0, 1, 2, 3, 4}


def test_synthetic_labels_are_the_class_with_most_evidence_and_never_tied():
    lang = CategoricalLanguage(n_classes=4, words_per_class=3, p_evidence=0.2)
    frame = generate_categories(lang, 500, seed=1)
    word_class = lang.word_class
    for tokens, label, counts in zip(frame["tokens"], frame["label"], frame["counts"]):
        recount = np.bincount([word_class[t] for t in tokens if t in word_class], minlength=4)
        assert (recount == counts).all()
        assert label == counts.argmax() and (counts == counts.max()).sum() == 1
        assert lang.min_length <= len(tokens) <= lang.max_length
    assert set(frame["label"]) == {0, 1, 2, 3}
    again = generate_categories(lang, 500, seed=1)
    assert all(a == b for a, b in zip(frame["tokens"], again["tokens"]))


def test_prepared_synthetic_categories_follow_the_config(tmp_path):
    row = prepare_dataset("synthetic_categories", tmp_path, data_dir=None, vocab_size=100,
                          valid_fraction=0.1, max_length=None, seed=3,
                          synthetic={"n_classes": 4, "n_train": 300, "n_valid": 50, "n_test": 60})
    assert row["n_classes"] == 4 and (row["n_train"], row["n_valid"], row["n_test"]) == (300, 50, 60)
    vocab = set(read_vocab(tmp_path)["token"])
    assert {"c0_1", "c3_4"} <= vocab
    assert "synthetic categorical language" in read_source(tmp_path)["note"]


@pytest.mark.parametrize(("override", "message"), [
    ({"n_classes": 1}, "synthetic_categories.n_classes"),
    ({"min_length": 80, "max_length": 40}, "min_length"),
    ({"p_evidence": 0.0}, "synthetic_categories.p_evidence"),
])
def test_bad_categorical_language_is_a_config_error(override, message):
    presets = REPO / "workflow" / "presets"
    schema = REPO / "workflow" / "schemas" / "config.schema.yaml"
    with pytest.raises(ConfigError, match=message):
        resolve({"preset": "demo", "synthetic_categories": override}, presets, schema)
