"""Reliability of the data stage: bad archives are refused with one clear DataError, bad text
never crashes, readers round-trip what they are given, and prepare_dataset is all-or-nothing."""

from __future__ import annotations

import csv
import gzip
import io
import re
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnn_dynamics.data.prepare import prepare_dataset, read_source, read_split, read_vocab
from rnn_dynamics.data.readers import read_imdb, read_sst, read_yelp
from rnn_dynamics.data.tokenize import tokenize
from rnn_dynamics.data.vocab import UNK_ID
from rnn_dynamics.errors import DataError

OUTPUTS = ["source.parquet", "test.parquet", "train.parquet", "valid.parquet", "vocab.parquet"]
ARCHIVE_SETTINGS = settings(max_examples=30, deadline=None,
                            suppress_health_check=[HealthCheck.function_scoped_fixture])


# --- archive builders in the official formats ---------------------------------------------


def tar_bytes(members: dict[str, bytes], links: dict[str, tuple[bytes, str]] | None = None,
              ) -> bytes:
    """A gzip tar of regular-file ``members`` plus ``links``: name -> (tar link type, target)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, (kind, target) in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            tar.addfile(info)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def imdb_members(reviews: dict[str, list[tuple[bytes, int]]]) -> dict[str, bytes]:
    """``reviews[split]`` = [(raw bytes, label)]; file ids follow list order, rating from label."""
    members = {"aclImdb/README": b"readme", "aclImdb/imdb.vocab": b"a\nb\n",
               "aclImdb/train/unsup/0_0.txt": b"unlabelled"}
    for split, rows in reviews.items():
        for doc_id, (data, label) in enumerate(rows):
            polarity, rating = ("pos", 8) if label else ("neg", 2)
            members[f"aclImdb/{split}/{polarity}/{doc_id}_{rating}.txt"] = data
    return members


def yelp_csv(rows: list[tuple[str, int]]) -> bytes:
    """The official CSV: no header, all fields quoted, 1 = negative, newlines written as ``\\n``."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for text, label in rows:
        writer.writerow([str(label + 1), text.replace("\n", "\\n")])
    return out.getvalue().encode("utf-8")


def ptb_tree(fine: int, leaves: list[tuple[int, str]]) -> str:
    """A right-branching PTB sentiment tree with root label ``fine`` over ``leaves``."""
    tree = f"({leaves[-1][0]} {leaves[-1][1]})"
    for label, word in reversed(leaves[:-1]):
        tree = f"(2 ({label} {word}) {tree})"
    return f"({fine} {tree})" if len(leaves) > 1 else f"({fine} {leaves[0][1]})"


# --- 1. corrupt, wrong and unsafe archives: one DataError that names the file ---------------


def _one_line_data_error(call, path: Path) -> DataError:
    with pytest.raises(DataError) as info:
        call(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message, message
    return info.value


GOOD_IMDB = imdb_members({"train": [(b"good film", 1), (b"bad film", 0)] * 300,
                          "test": [(b"great", 1), (b"awful", 0)] * 300})
GOOD_YELP = {f"yelp_review_polarity_csv/{s}.csv": yelp_csv([("nice place", 1), ("rude", 0)] * 400)
             for s in ("train", "test")}
GOOD_SST = {f"trees/{s}.txt": b"(3 (2 a) (4 good))\n(1 (2 a) (0 bad))\n" * 500
            for s in ("train", "dev", "test")}
READERS = {
    "imdb": (read_imdb, "aclImdb_v1.tar.gz", tar_bytes(GOOD_IMDB)),
    "yelp": (read_yelp, "yelp_review_polarity_csv.tgz", tar_bytes(GOOD_YELP)),
    "sst": (read_sst, "trainDevTestTrees_PTB.zip", zip_bytes(GOOD_SST)),
}


@pytest.mark.parametrize("dataset", sorted(READERS))
def test_good_archives_read(tmp_path, dataset):
    reader, name, data = READERS[dataset]
    (tmp_path / name).write_bytes(data)
    assert all(len(frame) > 0 for frame in reader(tmp_path / name).values())


@pytest.mark.parametrize("dataset", sorted(READERS))
@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty", "tail_cut"])
def test_damaged_archive_is_one_clear_data_error(tmp_path, dataset, damage):
    reader, name, data = READERS[dataset]
    blob = bytearray(data)
    if damage == "truncated":
        blob = blob[: len(blob) // 2]
    elif damage == "flipped":  # a burst of flipped bits in the compressed middle
        for i in range(len(blob) // 2, len(blob) // 2 + 64):
            blob[i] ^= 0xA5
    elif damage == "empty":
        blob = bytearray()
    else:  # the last 10 bytes: gzip's CRC/size trailer, or zip's end-of-directory record
        blob = blob[:-10]
    path = tmp_path / name
    path.write_bytes(bytes(blob))
    error = _one_line_data_error(reader, path)
    if damage in ("truncated", "flipped"):
        assert "corrupt" in str(error) or "missing" in str(error) or "expected" in str(error)


@pytest.mark.parametrize("dataset", sorted(READERS))
@pytest.mark.parametrize("wrong", ["other_release", "text", "gzip_not_tar", "png"])
def test_wrong_file_is_one_clear_data_error(tmp_path, dataset, wrong):
    reader, name, _ = READERS[dataset]
    others = [data for key, (_, _, data) in READERS.items() if key != dataset]
    blob = {
        "other_release": others[0],
        "text": b"<html><body>404 Not Found</body></html>\n" * 20,
        "gzip_not_tar": gzip.compress(b"just some text, not a tar archive\n" * 50),
        "png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    }[wrong]
    path = tmp_path / name
    path.write_bytes(blob)
    _one_line_data_error(reader, path)


@pytest.mark.parametrize("bad", ["../aclImdb/train/pos/0_9.txt", "/aclImdb/train/pos/0_9.txt",
                                 "aclImdb/../../etc/passwd"])
def test_path_traversal_through_the_imdb_reader_is_refused(tmp_path, bad):
    path = tmp_path / "aclImdb_v1.tar.gz"
    path.write_bytes(tar_bytes({**GOOD_IMDB, bad: b"evil"}))
    error = _one_line_data_error(read_imdb, path)
    assert "absolute path or '..'" in str(error)


@pytest.mark.parametrize("bad", ["../trees/train.txt", "/trees/dev.txt", "trees\\..\\..\\x.txt"])
def test_path_traversal_through_the_sst_reader_is_refused(tmp_path, bad):
    path = tmp_path / "trainDevTestTrees_PTB.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in GOOD_SST.items():
            archive.writestr(name, data)
        archive.writestr(zipfile.ZipInfo(bad), b"(4 (4 evil))\n")
    path.write_bytes(buffer.getvalue())
    error = _one_line_data_error(read_sst, path)
    assert "absolute path or '..'" in str(error)


def test_link_members_are_never_followed(tmp_path):
    """A symlink or hard link named like a review is not a regular file and is skipped."""
    links = {"aclImdb/train/pos/9001_9.txt": (tarfile.SYMTYPE, "/etc/passwd"),
             "aclImdb/train/pos/9002_9.txt": (tarfile.LNKTYPE, "/etc/passwd")}
    path = tmp_path / "aclImdb_v1.tar.gz"
    path.write_bytes(tar_bytes(GOOD_IMDB, links))
    train = read_imdb(path)["train"]
    assert len(train) == 600 and not train["text"].str.contains("root:").any()


# --- 2. prepare_dataset is all-or-nothing ---------------------------------------------------


def _prepare_imdb(data_dir: Path, out_dir: Path, **kwargs):
    args = {"data_dir": data_dir, "vocab_size": 50, "valid_fraction": 0.2, "max_length": None,
            "seed": 0, "download": False}
    return prepare_dataset("imdb", out_dir, **{**args, **kwargs})


def _write_imdb(data_dir: Path, reviews) -> Path:
    path = data_dir / "imdb" / "aclImdb_v1.tar.gz"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tar_bytes(imdb_members(reviews)))
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


@pytest.mark.parametrize("damage", ["truncated", "wrong_layout"])
def test_failed_read_writes_nothing(tmp_path, damage):
    path = _write_imdb(tmp_path / "data", {"train": [(b"good", 1), (b"bad", 0)] * 200,
                                           "test": [(b"nice", 1), (b"poor", 0)] * 200})
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:-200])
    else:
        path.write_bytes(tar_bytes({"aclImdb/train/pos/0_9.txt": b"good"}))
    out = tmp_path / "out"
    with pytest.raises(DataError):
        _prepare_imdb(tmp_path / "data", out)
    assert _snapshot(out) == {}


def test_failure_while_writing_leaves_no_partial_set_and_keeps_the_old_one(tmp_path, monkeypatch):
    """A write that fails after some tables are done (disk full) leaves none of the new ones;
    a complete set from an earlier run stays as it was, byte for byte."""
    _write_imdb(tmp_path / "data", {"train": [(b"good fun", 1), (b"bad plot", 0)] * 20,
                                    "test": [(b"nice", 1), (b"poor", 0)] * 5})
    out = tmp_path / "out"
    _prepare_imdb(tmp_path / "data", out)
    before = _snapshot(out)
    assert sorted(before) == OUTPUTS

    real_write = pq.write_table
    calls = []

    def failing_write(table, where, *args, **kwargs):
        calls.append(where)
        if len(calls) == 4:  # after three tables were written successfully
            raise OSError(28, "No space left on device")
        return real_write(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", failing_write)
    with pytest.raises(OSError, match="No space"):
        _prepare_imdb(tmp_path / "data", out, seed=1, vocab_size=3)
    assert len(calls) == 4
    assert _snapshot(out) == before  # no temporaries, no new tables next to old ones

    fresh = tmp_path / "fresh"
    calls.clear()
    with pytest.raises(OSError, match="No space"):
        _prepare_imdb(tmp_path / "data", fresh, seed=1)
    assert [p.name for p in fresh.iterdir()] == []


# --- 3. bad text: a documented policy, never a crash ----------------------------------------


def test_bad_text_policy_end_to_end(tmp_path):
    """Empty -> dropped; only unknown words -> kept as <unk>; non-UTF-8 -> U+FFFD; HTML and odd
    whitespace -> separators; a 100k-token review -> kept whole (or cut at max_length)."""
    huge = ("great " * 100_000).encode()
    train = [(b"good film", 1), (b"bad film", 0)] * 10 + [
        (b"", 1), (b"<br /><br />\t\r\n\xc2\xa0", 0),  # nothing left after clean-up
        (b"good \xff\xfe\xfd film", 1),  # invalid UTF-8 bytes
        ("<p>bad</p>\u3000<i>film</i>\u200b".encode(), 0),
        (huge, 1),
    ]
    test = [(b"zebra quokka", 1), (b"good", 1), (b"bad", 0), (b"", 0)]
    _write_imdb(tmp_path / "data", {"train": train, "test": test})
    source = _prepare_imdb(tmp_path / "data", tmp_path / "out", valid_fraction=0.2)
    assert source["dropped_empty_train"] + source["dropped_empty_valid"] == 2
    assert source["dropped_empty_test"] == 1 and source["n_test"] == 3
    words = read_vocab(tmp_path / "out")["token"].iloc[2:]  # after <pad>, <unk>
    assert words.str.contains("\ufffd").any()  # the damaged bytes became a visible token
    assert not words.str.contains(r"[<>\s\u200b]", regex=True).any()
    test_ids = read_split(tmp_path / "out", "test")["ids"]  # neg "bad"; pos "zebra quokka", "good"
    assert list(test_ids.iloc[1]) == [UNK_ID, UNK_ID]  # only unknown words: kept, as <unk>
    longest = max(read_split(tmp_path / "out", s)["length"].max() for s in ("train", "valid"))
    assert longest == 100_000

    cut = _prepare_imdb(tmp_path / "data", tmp_path / "cut", valid_fraction=0.2, max_length=64)
    assert max(read_split(tmp_path / "cut", s)["length"].max() for s in ("train", "valid")) == 64
    assert cut["truncated_train"] + cut["truncated_valid"] == 1
    assert read_source(tmp_path / "cut")["max_length"] == 64


_SEPARATORS = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "\u200b", "\x00",
               "\ufeff", "<br />", "<br/>", "<BR>", "<p>", "</p>", "<i >", "<div class=\"x\">"]
_words = st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), min_size=1, max_size=20)


@settings(max_examples=200, deadline=None)
@given(_words, st.lists(st.sampled_from(_SEPARATORS), min_size=1, max_size=20))
def test_odd_whitespace_and_html_only_separate_words(words, separators):
    text = "".join(w + separators[i % len(separators)] for i, w in enumerate(words))
    assert tokenize(text) == tokenize(" ".join(words))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_tokenizer_never_crashes_on_decoded_bytes(raw):
    tokens = tokenize(raw.decode("utf-8", errors="replace"))
    assert all(t and t == t.lower() and not any(c.isspace() for c in t) for t in tokens)
    assert not any("<br" in t for t in tokens)


# --- 4. the three readers round-trip hypothesis-generated data -------------------------------

_texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
_raw = st.one_of(_texts.map(lambda t: t.encode("utf-8")), st.binary(max_size=60))


def _labelled(element):
    return st.lists(st.tuples(element, st.integers(0, 1)), max_size=8)


@ARCHIVE_SETTINGS
@given(train=_labelled(_raw), test=_labelled(_raw))
def test_imdb_reader_round_trips(tmp_path, train, test):
    # each split needs both classes in the official layout
    train = train + [(b"pos", 1), (b"neg", 0)]
    test = [(b"neg", 0)] + test + [(b"pos", 1)]
    path = tmp_path / "aclImdb_v1.tar.gz"
    path.write_bytes(tar_bytes(imdb_members({"train": train, "test": test})))
    out = read_imdb(path)
    for split, rows in (("train", train), ("test", test)):
        expected = sorted(((label, i, data) for i, (data, label) in enumerate(rows)))
        frame = out[split]
        assert frame["label"].tolist() == [label for label, _, _ in expected]
        assert frame["text"].tolist() == [d.decode("utf-8", "replace") for _, _, d in expected]
        assert str(frame["label"].dtype) == "int8"


@ARCHIVE_SETTINGS
@given(train=_labelled(_texts), test=_labelled(_texts))
def test_yelp_reader_round_trips(tmp_path, train, test):
    train, test = train + [("pos", 1), ("neg", 0)], [("neg", 0)] + test + [("pos", 1)]
    path = tmp_path / "yelp_review_polarity_csv.tgz"
    path.write_bytes(tar_bytes({"yelp_review_polarity_csv/train.csv": yelp_csv(train),
                                "yelp_review_polarity_csv/test.csv": yelp_csv(test)}))
    out = read_yelp(path)
    for split, rows in (("train", train), ("test", test)):
        frame = out[split]
        assert frame["label"].tolist() == [label for _, label in rows]
        # the format writes a newline as the two characters \n: reading turns both back
        assert frame["text"].tolist() == [t.replace("\\n", "\n") for t, _ in rows]


_leaf_words = st.one_of(
    st.sampled_from(["-LRB-", "-RRB-", "-LSB-", "-RSB-", "-LCB-", "-RCB-", "\\/", "\\*", "n't",
                     "'s", "``", "''", "...", "good", "bad", "caf\u00e9", "\u2665"]),
    st.from_regex(r"[^\s()]{1,6}", fullmatch=True),
)
_tree = st.tuples(st.integers(0, 4), st.lists(st.tuples(st.integers(0, 4), _leaf_words),
                                               min_size=1, max_size=6))


_ESCAPES = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}",
            "\\/": "/", "\\*": "*"}
_ESCAPE = re.compile("|".join(map(re.escape, _ESCAPES)))


def _unescape(word: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group(0)], word)


@ARCHIVE_SETTINGS
@given(splits=st.fixed_dictionaries({s: st.lists(_tree, max_size=8)
                                     for s in ("train", "dev", "test")}))
def test_sst_reader_round_trips(tmp_path, splits):
    splits = {k: [(4, [(4, "good")]), *trees, (0, [(0, "bad")])] for k, trees in splits.items()}
    members = {f"trees/{split}.txt": "".join(ptb_tree(f, leaves) + "\n" for f, leaves in trees)
               .encode("utf-8") for split, trees in splits.items()}
    path = tmp_path / "trainDevTestTrees_PTB.zip"
    path.write_bytes(zip_bytes(members))
    out = read_sst(path)
    for split, trees in splits.items():
        kept = [(fine, leaves) for fine, leaves in trees if fine != 2]
        assert out[split]["label"].tolist() == [int(fine > 2) for fine, _ in kept]
        assert out[split]["text"].tolist() == [" ".join(_unescape(w) for _, w in leaves)
                                               for _, leaves in kept]


@ARCHIVE_SETTINGS
@given(dataset=st.sampled_from(["yelp", "sst"]), content=st.binary(max_size=300),
       lines=st.lists(st.sampled_from(['"1","ok"', '"2","a ""q"" b"', "(3 (3 good))", "(0 x)",
                                       '"3","bad label"', '"1"', "(9 (9 x))", "(3 (3 open",
                                       '"2","unterminated', "", "\x00", "a,b,c"]), max_size=6))
def test_readers_never_crash_on_garbage_members(tmp_path, dataset, content, lines):
    """Whatever a member holds, the reader returns rows or raises DataError; nothing else."""
    data = "\n".join(lines).encode() + content
    if dataset == "yelp":
        path = tmp_path / "yelp_review_polarity_csv.tgz"
        path.write_bytes(tar_bytes({f"yelp_review_polarity_csv/{s}.csv": data
                                    for s in ("train", "test")}))
        reader = read_yelp
    else:
        path = tmp_path / "trainDevTestTrees_PTB.zip"
        path.write_bytes(zip_bytes({f"trees/{s}.txt": data for s in ("train", "dev", "test")}))
        reader = read_sst
    try:
        out = reader(path)
    except DataError as error:
        assert str(path) in str(error)
    else:
        for frame in out.values():
            assert list(frame.columns) == ["text", "label"]
            assert set(frame["label"].tolist()) <= {0, 1}
            assert np.all([isinstance(t, str) for t in frame["text"]])
