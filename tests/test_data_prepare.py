"""prepare_dataset: the five Parquet tables, their schemas, determinism and the source flag."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rnn_dynamics.data.prepare import (
    prepare_dataset,
    read_source,
    read_split,
    read_vocab,
    stratified_split,
)
from rnn_dynamics.data.synthetic import SyntheticLanguage
from rnn_dynamics.errors import ConfigError, DataError

SYNTHETIC = {"n_train": 400, "n_valid": 60, "n_test": 80, "min_length": 5, "max_length": 20}


def run(out_dir: Path, **overrides):
    kwargs = {
        "data_dir": None,
        "vocab_size": 1000,
        "valid_fraction": 0.1,
        "max_length": None,
        "seed": 3,
        "synthetic": SYNTHETIC,
    }
    kwargs.update(overrides)
    return prepare_dataset("synthetic", out_dir, **kwargs)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic")
    return out, run(out)


def test_writes_five_tables_with_the_schemas(prepared):
    out, _ = prepared
    assert sorted(p.name for p in out.iterdir()) == [
        "source.parquet",
        "test.parquet",
        "train.parquet",
        "valid.parquet",
        "vocab.parquet",
    ]
    expected = pa.schema(
        [("ids", pa.list_(pa.int32())), ("label", pa.int8()), ("length", pa.int32())]
    )
    for split, n in (("train", 400), ("valid", 60), ("test", 80)):
        assert pq.read_schema(out / f"{split}.parquet").remove_metadata() == expected
        frame = read_split(out, split)
        assert len(frame) == n
        assert (frame["length"] == frame["ids"].map(len)).all()
        assert frame["length"].between(5, 20).all()
        assert set(frame["label"]) == {0, 1}
    vocab = read_vocab(out)
    assert list(vocab.columns) == ["token", "id", "count"]
    assert vocab["token"].tolist()[:2] == ["<pad>", "<unk>"]


def test_source_row(prepared):
    out, returned = prepared
    source = read_source(out)
    assert source["dataset"] == "synthetic" and bool(source["official_checksum"])
    assert (source["n_train"], source["n_valid"], source["n_test"]) == (400, 60, 80)
    assert source["dropped_empty_train"] == 0
    assert returned["n_train"] == 400
    language = SyntheticLanguage.from_dict(json.loads(source["synthetic_language"]))
    assert language.min_length == 5  # the ground truth travels with the data


def test_vocab_comes_from_train_only(prepared):
    out, _ = prepared
    vocab = read_vocab(out)
    train_ids = np.concatenate(read_split(out, "train")["ids"].to_list())
    counts = np.bincount(train_ids, minlength=len(vocab))
    assert (counts[2:] == vocab["count"].to_numpy()[2:]).all()


def test_deterministic_with_a_seed(prepared, tmp_path):
    out, _ = prepared
    run(tmp_path / "again")
    for name in ("train", "valid", "test"):
        pd.testing.assert_frame_equal(read_split(out, name), read_split(tmp_path / "again", name))
    run(tmp_path / "other", seed=4)
    assert not read_split(out, "train").equals(read_split(tmp_path / "other", "train"))


def test_max_length_max_train_and_small_vocab(tmp_path):
    source = run(tmp_path, max_length=7, max_train=50, vocab_size=5)
    train = read_split(tmp_path, "train")
    assert len(train) == 50 and train["length"].max() == 7
    assert source["truncated_train"] > 0
    assert len(read_vocab(tmp_path)) == 7
    assert np.concatenate(train["ids"].to_list()).max() <= 6


def test_stratified_split_keeps_class_proportions():
    labels = np.array([0] * 300 + [1] * 100)
    kept, held = stratified_split(labels, 0.1, np.random.default_rng(0))
    assert len(held) == 40 and (labels[held] == 1).sum() == 10
    assert np.array_equal(np.sort(np.concatenate([kept, held])), np.arange(400))
    assert np.all(np.diff(kept) > 0) and np.all(np.diff(held) > 0)


def test_bad_arguments(tmp_path):
    with pytest.raises(ConfigError, match="dataset"):
        prepare_dataset(
            "mnist",
            tmp_path,
            data_dir=None,
            vocab_size=10,
            valid_fraction=0.1,
            max_length=None,
            seed=0,
        )
    with pytest.raises(ConfigError, match="data_dir"):
        prepare_dataset(
            "sst",
            tmp_path,
            data_dir=None,
            vocab_size=10,
            valid_fraction=0.1,
            max_length=None,
            seed=0,
        )
    with pytest.raises(ConfigError, match="n_train"):
        run(tmp_path, synthetic={"n_train": 0})
    with pytest.raises(ConfigError, match="colour"):
        run(tmp_path, synthetic={"colour": "red"})
    with pytest.raises(DataError, match="prepare_data"):
        read_split(tmp_path / "nowhere", "train")


def test_missing_archive_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="trainDevTestTrees_PTB.zip"):
        prepare_dataset(
            "sst",
            tmp_path / "out",
            data_dir=tmp_path,
            vocab_size=10,
            valid_fraction=0.1,
            max_length=None,
            seed=0,
            download=False,
        )


def _imdb_archive(folder: Path) -> Path:
    """A tiny IMDB-layout archive in which some reviews tokenise to nothing."""
    reviews = {
        "train/pos": ["good fun", "great!", "<br /><br />", "loved it", "nice", "fine film"],
        "train/neg": ["bad", "", "awful plot", "dull", "poor <i>acting</i>", "weak"],
        "test/pos": ["great", "<br />"],
        "test/neg": ["terrible", "bad bad"],
    }
    path = folder / "imdb" / "aclImdb_v1.tar.gz"
    path.parent.mkdir(parents=True)
    with tarfile.open(path, "w:gz") as tar:
        for where, texts in reviews.items():
            for i, text in enumerate(texts):
                data = text.encode()
                info = tarfile.TarInfo(f"aclImdb/{where}/{i}_5.txt")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def test_archive_dataset_drops_empty_documents_and_flags_checksum(tmp_path):
    _imdb_archive(tmp_path / "data")
    source = prepare_dataset(
        "imdb",
        tmp_path / "out",
        data_dir=tmp_path / "data",
        vocab_size=50,
        valid_fraction=0.34,
        max_length=None,
        seed=0,
        download=False,
    )
    dropped = [source[f"dropped_empty_{s}"] for s in ("train", "valid", "test")]
    assert sum(dropped[:2]) == 2 and dropped[2] == 1
    assert source["n_train"] + source["n_valid"] == 10 and source["n_test"] == 3
    assert not source["official_checksum"] and len(source["sha256"]) == 64
    for split in ("train", "valid", "test"):
        assert (read_split(tmp_path / "out", split)["length"] > 0).all()
    valid = read_split(tmp_path / "out", "valid")
    assert set(valid["label"]) == {0, 1}  # stratified: both classes held out


@pytest.mark.realdata
def test_real_sst_is_flagged_unofficial(shared_data_dir, tmp_path):
    source = prepare_dataset(
        "sst",
        tmp_path,
        data_dir=shared_data_dir,
        vocab_size=5000,
        valid_fraction=0.1,
        max_length=None,
        seed=0,
        download=False,
    )
    assert (source["n_train"], source["n_valid"], source["n_test"]) == (6920, 872, 1821)
    assert not read_source(tmp_path)["official_checksum"]
    assert "repacked" in read_source(tmp_path)["note"]
