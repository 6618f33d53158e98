"""Readers: format details on small hand-made archives, and counts on the real offline copies."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from rnn_dynamics.data.readers import read_imdb, read_sst, read_yelp
from rnn_dynamics.data.tokenize import tokenize


def make_tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


IMDB_MEMBERS = {
    "aclImdb/README": b"readme",
    "aclImdb/train/pos/10_9.txt": b"Great fun.<br /><br />Loved it",
    "aclImdb/train/pos/2_7.txt": b"good",
    "aclImdb/train/neg/1_1.txt": b"bad \xff\xfe bytes",
    "aclImdb/train/unsup/0_0.txt": b"unlabelled",
    "aclImdb/test/neg/0_2.txt": b"awful",
    "aclImdb/test/pos/0_10.txt": b"",
}


def _check_imdb(result):
    assert set(result) == {"train", "test"}
    train = result["train"]
    assert list(train.columns) == ["text", "label"]
    assert train["label"].tolist() == [0, 1, 1]  # neg first, then by numeric id
    assert train["text"].tolist() == [
        "bad \ufffd\ufffd bytes",
        "good",
        "Great fun.<br /><br />Loved it",
    ]
    assert result["test"]["text"].tolist() == ["awful", ""]  # empty texts are kept


def test_imdb_from_tar_ignores_unsup_and_sorts(tmp_path):
    _check_imdb(read_imdb(make_tar(tmp_path / "aclImdb_v1.tar.gz", IMDB_MEMBERS)))


def test_imdb_from_unpacked_folder(tmp_path):
    for name, data in IMDB_MEMBERS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    _check_imdb(read_imdb(tmp_path))  # the parent of aclImdb/
    _check_imdb(read_imdb(tmp_path / "aclImdb"))  # the folder itself


def test_yelp_quoting_escapes_and_labels(tmp_path):
    train = (
        b'"1","He said ""no"", twice.\\nThen left."\n'
        b'"2","Line one\\n\\nLine two, with, commas"\n'
        b'"2",""\n'
    )
    path = make_tar(
        tmp_path / "y.tgz",
        {
            "yelp_review_polarity_csv/train.csv": train,
            "yelp_review_polarity_csv/test.csv": b'"1","x"\n"2","y"\n',
            "yelp_review_polarity_csv/readme.txt": b"r",
        },
    )
    result = read_yelp(path)
    assert result["train"]["label"].tolist() == [0, 1, 1]
    assert result["train"]["text"].tolist() == [
        'He said "no", twice.\nThen left.',
        "Line one\n\nLine two, with, commas",
        "",
    ]
    assert result["test"]["label"].tolist() == [0, 1]


def test_yelp_bad_label_names_file_and_line(tmp_path):
    from rnn_dynamics.errors import DataError

    path = make_tar(
        tmp_path / "y.tgz",
        {
            "yelp_review_polarity_csv/train.csv": b'"1","a"\n"3","b"\n',
            "yelp_review_polarity_csv/test.csv": b'"1","x"\n',
        },
    )
    with pytest.raises(DataError, match=r"train.csv, line 2"):
        read_yelp(path)


def test_sst_binary_labels_and_unescaping(tmp_path):
    trees = (
        b"(3 (2 It) (4 (3 (2 is) (4 great)) (2 !)))\n"
        b"(2 (2 Neutral) (2 .))\n"
        b"(1 (2 -LRB-) (1 (2 does) (1 (2 n't) (2 work))) (2 -RRB-) (2 8 1\\/2))\n"
        b"(0 (0 Awful))\n"
        b"(4 (4 Best))\n"
    )
    path = tmp_path / "trainDevTestTrees_PTB.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for split in ("train", "dev", "test"):
            archive.writestr(f"trees/{split}.txt", trees)
    result = read_sst(path)
    assert set(result) == {"train", "dev", "test"}
    train = result["train"]
    assert train["text"].tolist() == ["It is great !", "( does n't work ) 8 1/2", "Awful", "Best"]
    assert train["label"].tolist() == [1, 0, 0, 1]
    assert tokenize(train["text"][1]) == tokenize("(doesn't work) 8 1/2")


# --- the real offline copies (read once per module) ---------------------------------------


@pytest.fixture(scope="module")
def imdb(shared_data_dir):
    return read_imdb(shared_data_dir / "imdb" / "aclImdb_v1.tar.gz")


@pytest.fixture(scope="module")
def sst(shared_data_dir):
    return read_sst(shared_data_dir / "sst" / "trainDevTestTrees_PTB.zip")


@pytest.mark.realdata
def test_real_imdb_counts(imdb):
    for split in ("train", "test"):
        frame = imdb[split]
        assert len(frame) == 25_000
        assert frame["label"].value_counts().to_dict() == {0: 12_500, 1: 12_500}
        assert frame["text"].str.len().min() > 0
    assert "<br />" in imdb["train"]["text"].str.cat(sep=" ")[:2_000_000]


@pytest.mark.realdata
def test_real_sst_binary_counts(sst):
    assert {split: len(frame) for split, frame in sst.items()} == {
        "train": 6_920,
        "dev": 872,
        "test": 1_821,
    }
    assert sst["train"]["label"].value_counts().to_dict() == {0: 3_310, 1: 3_610}
    assert sst["test"]["label"].value_counts().to_dict() == {0: 912, 1: 909}
    text = " ".join(sst["train"]["text"])
    assert "-LRB-" not in text and "\\/" not in text and " n't " in text


@pytest.mark.realdata
def test_real_yelp_sample(shared_data_dir):
    result = read_yelp(shared_data_dir / "yelp" / "yelp_review_polarity_csv_sample.tgz")
    train, test = result["train"], result["test"]
    assert (len(train), len(test)) == (200, 20)
    assert train["label"].value_counts().to_dict() == {0: 131, 1: 69}
    assert test["label"].value_counts().to_dict() == {0: 12, 1: 8}
    texts = " ".join(train["text"])
    assert "\\n" not in texts and "\n" in texts  # escapes turned into newlines
    assert '"' in texts and '""' not in texts  # doubled quotes undone
    assert train["text"][0].startswith("Unfortunately, the frustration of being Dr. Goldberg's")


@pytest.mark.realdata
def test_real_yelp_substitute_counts(shared_data_dir):
    result = read_yelp(shared_data_dir / "yelp" / "yelp_review_polarity_csv.tgz")
    assert (len(result["train"]), len(result["test"])) == (41_846, 4_620)
    assert result["train"]["label"].value_counts().to_dict() == {0: 13_904, 1: 27_942}
    assert result["test"]["label"].value_counts().to_dict() == {0: 1_539, 1: 3_081}
