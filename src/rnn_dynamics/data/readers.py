"""Read the three official releases straight from their archives into ``text``/``label`` tables.

Every reader returns ``{split: DataFrame}`` with columns ``text`` (str) and ``label``
(int8: 0 = negative, 1 = positive; for the multi-class readers :func:`read_sst5` and
:func:`read_imdb_ratings` the class 0..K-1, ordered from most negative), in an order fixed by
the data itself, never by the order of members inside the archive.

Encoding policy: the releases are UTF-8; any byte that is not valid UTF-8 is decoded as
U+FFFD (``errors="replace"``) rather than failing, so one damaged review cannot stop a run.
Empty texts are kept here; :mod:`rnn_dynamics.data.prepare` decides what to do with them.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from rnn_dynamics.data.members import iter_members, read_members
from rnn_dynamics.errors import DataError

ENCODING = "utf-8"
ERRORS = "replace"


def _frame(rows: list[tuple[str, int]]) -> pd.DataFrame:
    texts = [text for text, _ in rows]
    labels = pd.array([label for _, label in rows], dtype="int8")
    return pd.DataFrame({"text": pd.Series(texts, dtype=object), "label": labels})


# --- IMDB ---------------------------------------------------------------------------------

_IMDB_MEMBER = re.compile(r"^(?:.*/)?aclImdb/(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")
_IMDB_IN_FOLDER = re.compile(r"^(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")


def read_imdb(path: Path) -> dict[str, pd.DataFrame]:
    """IMDB v1.0 labelled reviews (``aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt``).

    ``path`` is ``aclImdb_v1.tar.gz`` or an unpacked ``aclImdb`` folder (or its parent). The
    unlabelled ``train/unsup`` part is ignored. Rows are sorted by label (neg first), then id.
    """
    return {split: _frame([(text, label) for label, _, _, text in rows])
            for split, rows in _imdb_rows(Path(path)).items()}


IMDB_RATING_CLASSES = {1: 0, 2: 0, 3: 1, 4: 1, 7: 2, 8: 2, 9: 3, 10: 3}
"""Star rating -> class of :func:`read_imdb_ratings`: four ordered classes of two ratings each
(1-2, 3-4, 7-8, 9-10). The release holds no 5s or 6s (its neutral gap), and pairing ratings
keeps the classes about equally large (each rating alone ranges from 4% to 19% of reviews)."""


def read_imdb_ratings(path: Path) -> dict[str, pd.DataFrame]:
    """IMDB v1.0 with the star rating of each file name as an ordered 4-class label
    (:data:`IMDB_RATING_CLASSES`); same archive, members and row order as :func:`read_imdb`."""
    out = {}
    for split, rows in _imdb_rows(Path(path)).items():
        bad = sorted({rating for _, _, rating, _ in rows} - set(IMDB_RATING_CLASSES))
        if bad:
            raise DataError(f"{path}: {split} reviews with rating(s) {bad}; aclImdb ratings are "
                            "1-4 (neg) and 7-10 (pos).")
        out[split] = _frame([(text, IMDB_RATING_CLASSES[rating])
                             for _, _, rating, text in rows])
    return out


def _imdb_rows(path: Path) -> dict[str, list[tuple[int, int, int, str]]]:
    """``(label, id, rating, text)`` per review and split, sorted by label then id."""
    pattern = _IMDB_MEMBER
    if path.is_dir() and (path / "train").is_dir():
        pattern = _IMDB_IN_FOLDER  # ``path`` is the aclImdb folder itself
    found: dict[str, list[tuple[int, int, int, str]]] = {"train": [], "test": []}
    seen: dict[tuple[str, str, int], str] = {}
    for name, content in iter_members(path, lambda n: pattern.match(n) is not None):
        split, polarity, doc_id, rating = pattern.match(name).groups()  # type: ignore[union-attr]
        key = (split, polarity, int(doc_id))
        if key in seen:
            raise DataError(f"{path}: review {split}/{polarity}/{doc_id} appears twice "
                            f"({seen[key]!r} and {name!r}); the archive holds more than one "
                            "aclImdb tree. Keep one.")
        seen[key] = name
        label = int(polarity == "pos")
        found[split].append((label, int(doc_id), int(rating), content.decode(ENCODING, ERRORS)))
    for split, rows in found.items():
        for label, polarity in ((0, "neg"), (1, "pos")):
            if not any(row[0] == label for row in rows):
                raise DataError(
                    f"{path}: expected member aclImdb/{split}/{polarity}/<id>_<rating>.txt "
                    "but found none; this is not the layout of aclImdb_v1.tar.gz."
                )
        rows.sort(key=lambda row: (row[0], row[1]))
    return found


# --- Yelp review polarity -----------------------------------------------------------------

YELP_DIR = "yelp_review_polarity_csv"
_YELP_LABELS = {"1": 0, "2": 1}


def read_yelp(path: Path) -> dict[str, pd.DataFrame]:
    """Yelp Review Polarity (Zhang et al. 2015) from ``yelp_review_polarity_csv.tgz``.

    Official CSV format: no header, every field double-quoted, ``"label","text"`` with
    1 = negative and 2 = positive, inner quotes doubled, and a newline inside a review
    written as the two characters ``\\n``, which become real newlines here. Rows keep the
    file's order.
    """
    path = Path(path)
    names = [f"{YELP_DIR}/{split}.csv" for split in ("train", "test")]
    members = read_members(path, names)
    return {
        split: _both_labels(parse_yelp_csv(members[name], f"{path}:{name}"), f"{path}:{name}")
        for split, name in zip(("train", "test"), names)
    }


def _both_labels(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """A sentiment split with one label only is not the release (and cannot train anything)."""
    present = set(frame["label"].astype(int))
    if present != {0, 1}:
        have = ", ".join(map(str, sorted(present))) or "none"
        raise DataError(f"{where}: holds {len(frame)} rows with label(s) {have} only; a "
                        "sentiment split needs both negative (0) and positive (1) rows.")
    return frame


def parse_yelp_csv(content: bytes, where: str) -> pd.DataFrame:
    """Parse one official Yelp polarity CSV; ``where`` names the file in error messages."""
    text = content.decode(ENCODING, ERRORS)
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for record in reader:
            if not record:
                continue
            if len(record) != 2 or record[0] not in _YELP_LABELS:
                raise DataError(
                    f'{where}, line {reader.line_num}: expected "label","text" with label '
                    f"1 or 2, got {record[:2]!r}; this is not the official CSV format."
                )
            rows.append((record[1].replace("\\n", "\n"), _YELP_LABELS[record[0]]))
    except csv.Error as exc:
        raise DataError(f"{where}, line {reader.line_num}: malformed CSV ({exc}).") from exc
    return _frame(rows)


# --- Stanford Sentiment Treebank ----------------------------------------------------------

SST_SPLITS = {"train": "trees/train.txt", "dev": "trees/dev.txt", "test": "trees/test.txt"}
_LEAF = re.compile(r"\(\d ([^()]+)\)")
_ROOT = re.compile(r"^\((\d) ")
PTB_ESCAPES = {
    "-LRB-": "(",
    "-RRB-": ")",
    "-LSB-": "[",
    "-RSB-": "]",
    "-LCB-": "{",
    "-RCB-": "}",
    "\\/": "/",
    "\\*": "*",
}
_PTB_ESCAPE = re.compile("|".join(re.escape(k) for k in PTB_ESCAPES))


def read_sst(path: Path, *, phrases: bool = False) -> dict[str, pd.DataFrame]:
    """Binary SST from ``trainDevTestTrees_PTB.zip`` (root label 0-1 -> 0, 3-4 -> 1, 2 dropped).

    The text is the tree's leaves joined by spaces: already PTB-tokenised (``does n't``),
    with bracket escapes such as ``-LRB-`` turned back into characters. Sentence order is kept.
    ``phrases``: the training split holds every labelled phrase of the training trees
    (:func:`parse_sst_trees`); dev and test stay whole sentences.
    """
    path = Path(path)
    members = read_members(path, SST_SPLITS.values())
    return {
        split: _both_labels(parse_sst_trees(members[name], f"{path}:{name}",
                                            phrases=phrases and split == "train"),
                            f"{path}:{name}")
        for split, name in SST_SPLITS.items()
    }


def read_sst5(path: Path, *, phrases: bool = False) -> dict[str, pd.DataFrame]:
    """SST-5: the same archive and sentences as :func:`read_sst`, with the fine-grained root
    label 0-4 (very negative .. very positive) and the neutral sentences kept; ``phrases`` as
    there (the standard way to train on SST-5, e.g. Tai et al. 2015)."""
    path = Path(path)
    members = read_members(path, SST_SPLITS.values())
    return {split: parse_sst_trees(members[name], f"{path}:{name}", fine=True,
                                   phrases=phrases and split == "train")
            for split, name in SST_SPLITS.items()}


def _subtrees(line: str) -> list[str]:
    """Every bracketed subtree of one PTB tree, innermost first, the whole tree last."""
    out, opened = [], []
    for i, char in enumerate(line):
        if char == "(":
            opened.append(i)
        elif char == ")":
            out.append(line[opened.pop():i + 1])
    return out


def parse_sst_trees(content: bytes, where: str, *, fine: bool = False,
                    phrases: bool = False) -> pd.DataFrame:
    """One tree per line -> rows; binary (``fine=False``): neutral (2) sentences are dropped
    and 0-1 / 3-4 become 0 / 1; ``fine=True``: the root label 0-4 as it is.

    ``phrases``: one row per labelled phrase (every subtree, single words included) instead of
    per sentence, each distinct phrase text once (its first occurrence), sentences in order
    and, within one, shorter phrases first."""
    rows, seen = [], set()
    for number, line in enumerate(content.decode(ENCODING, ERRORS).splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        root = _ROOT.match(line)
        if root is None or line.count("(") != line.count(")"):
            raise DataError(f"{where}, line {number}: not a PTB sentiment tree: {line[:60]!r}")
        for tree in _subtrees(line) if phrases else [line]:
            label = int(tree[1])
            if label > 4:
                raise DataError(f"{where}, line {number}: sentiment label {label} is not in "
                                "0-4.")
            if not fine and label == 2:
                continue
            text = " ".join(_PTB_ESCAPE.sub(lambda m: PTB_ESCAPES[m.group(0)], w)
                            for w in _LEAF.findall(tree))
            if phrases:
                if text in seen:
                    continue
                seen.add(text)
            rows.append((text, label if fine else int(label > 2)))
    return _frame(rows)


READERS = {"imdb": read_imdb, "yelp": read_yelp, "sst": read_sst, "sst5": read_sst5,
           "imdb_ratings": read_imdb_ratings}
