"""Turn one dataset (release archive or synthetic language) into encoded Parquet splits.

Output, in ``out_dir``:

- ``train.parquet``, ``valid.parquet``, ``test.parquet``: ``ids`` list<int32> (token ids),
  ``label`` int8 (0 = negative, 1 = positive; for the multi-class datasets of
  :data:`MULTICLASS` the class 0..K-1), ``length`` int32 (= ``len(ids)``, >= 1).
  Rows keep the reader's deterministic order (see :mod:`rnn_dynamics.data.readers`).
- ``vocab.parquet``: ``token``, ``id``, ``count`` (see :mod:`rnn_dynamics.data.vocab`).
- ``source.parquet``: one row saying where the data came from and whether the archive was
  the official release (``official_checksum``), with per-split counts, so every downstream
  table can carry that flag.

Choices:

- validation split: SST and SST-5 use the official dev set; IMDB and Yelp hold out a seeded,
  stratified ``valid_fraction`` of the official train split; the synthetic language draws
  its own ``n_valid`` documents (``valid_fraction`` is unused there).
- ``max_train``: a seeded random subsample of the training split, for small presets.
- ``max_length``: each document is cut to its first ``max_length`` tokens before the
  vocabulary is counted (the papers used full reviews: ``None``).
- documents with no tokens are dropped from every split, test included: the classifier reads
  the state at the last real token, which an empty document does not have. The numbers
  dropped are recorded in ``source.parquet`` (``dropped_empty_<split>``).
- documents whose every token is outside the vocabulary are kept, as ``<unk>`` ids: they are
  real (if uninformative) inputs, and dropping them would bias the test accuracy.
- the vocabulary counts the training split only.
- all or nothing: nothing is written until the data has been read, tokenised and encoded,
  and then the five tables are written to temporary files that take their final names
  together (``source.parquet`` last). A failure at any point (a corrupt archive, a full disk)
  leaves ``out_dir`` as it was.

Bad text never stops a run: undecodable bytes become U+FFFD (see
:mod:`rnn_dynamics.data.readers`), HTML and odd whitespace are handled by
:mod:`rnn_dynamics.data.tokenize`, and reviews of any length are kept whole unless
``max_length`` is set.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rnn_dynamics.data.archives import describe, locate_archive
from rnn_dynamics.data.readers import READERS
from rnn_dynamics.data.synthetic import SyntheticLanguage, generate
from rnn_dynamics.data.synthetic_categories import CategoricalLanguage, generate_categories
from rnn_dynamics.data.tokenize import tokenize
from rnn_dynamics.data.vocab import build_vocab, encode, vocab_map
from rnn_dynamics.errors import ConfigError, DataError
from rnn_dynamics.io import atomic_paths, read_parquet

log = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")
BINARY = ("imdb", "yelp", "sst", "synthetic")
MULTICLASS = {"sst5": True, "imdb_ratings": True, "synthetic_categories": False}
"""The multi-class datasets, each with whether its labels are ordered (ratings) or not."""
DATASETS = (*BINARY, *MULTICLASS)
SYNTHETIC = ("synthetic", "synthetic_categories")
SPLIT_SCHEMA = pa.schema(
    [("ids", pa.list_(pa.int32())), ("label", pa.int8()), ("length", pa.int32())]
)
SYNTHETIC_SIZES = {"n_train": 3000, "n_valid": 500, "n_test": 1000}

Split = tuple[list[list[str]], np.ndarray]  # token lists and labels


CHECKSUM_CACHE = ".checksums"
"""Archive checksum cache, beside the prepared datasets (``results/data/.checksums``)."""


def prepare_dataset(
    dataset: str,
    out_dir: Path,
    *,
    data_dir: Path | None,
    vocab_size: int,
    valid_fraction: float,
    max_length: int | None,
    max_train: int | None = None,
    train_phrases: bool = False,
    seed: int,
    synthetic: Mapping[str, Any] | None = None,
    download: bool = True,
) -> dict[str, Any]:
    """Write the five Parquet tables of ``dataset`` to ``out_dir``; return the source row.

    ``train_phrases`` (SST and SST-5 only): train on every labelled phrase of the training
    trees, not only the sentences; validation and test stay whole sentences."""
    if dataset not in DATASETS:
        raise ConfigError(f"dataset = {dataset!r}: must be one of {list(DATASETS)}")
    if train_phrases and dataset not in PHRASE_DATASETS:
        raise ConfigError(f"data.train_phrases = true: only {', '.join(PHRASE_DATASETS)} have "
                          f"labelled phrases, {dataset!r} does not; set it per dataset "
                          "(per_dataset: {sst5: {data: {train_phrases: true}}})")
    if max_length is not None and max_length < 1:
        raise ConfigError(f"max_length = {max_length}: must be >= 1 or null")
    out_dir = Path(out_dir)
    if dataset == "synthetic":
        splits, source = _synthetic_splits(synthetic or {}, seed)
    elif dataset == "synthetic_categories":
        splits, source = _categorical_splits(synthetic or {}, seed)
    else:
        splits, source = _archive_splits(dataset, data_dir, valid_fraction, seed, download,
                                         cache_dir=out_dir.parent / CHECKSUM_CACHE,
                                         train_phrases=train_phrases)
    if max_train is not None:
        splits["train"] = _subsample(splits["train"], max_train, _rng(seed, 2))
    for split, (docs, labels) in list(splits.items()):
        if max_length is not None:
            source[f"truncated_{split}"] = sum(len(doc) > max_length for doc in docs)
            docs = [doc[:max_length] for doc in docs]
        keep = np.array([len(doc) > 0 for doc in docs], dtype=bool)
        source[f"dropped_empty_{split}"] = int((~keep).sum())
        if not keep.all():
            log.warning("%s/%s: dropped %d empty documents", dataset, split, (~keep).sum())
        splits[split] = ([doc for doc, k in zip(docs, keep) if k], labels[keep])
        source[f"n_{split}"] = int(keep.sum())
        if not keep.any():
            raise DataError(f"{dataset}/{split}: no non-empty documents are left")
    vocab = build_vocab(splits["train"][0], vocab_size)
    mapping = vocab_map(vocab)
    tables = {
        split: _split_table([encode(doc, mapping) for doc in docs], labels)
        for split, (docs, labels) in splits.items()
    }
    source.update(
        dataset=dataset,
        n_classes=int(max(labels.max() for _, labels in splits.values())) + 1,
        seed=seed,
        vocab_rows=len(vocab),
        max_length=max_length,
        max_train=max_train,
        train_phrases=bool(train_phrases),
    )
    row = {key: source.get(key) for key in _SOURCE_COLUMNS}
    # All five tables or none: each is written to a temporary file and they take their final
    # names together once every one is complete (source.parquet last).
    names = [*SPLITS, "vocab", "source"]
    with atomic_paths([out_dir / f"{name}.parquet" for name in names]) as tmps:
        for split, tmp in zip(SPLITS, tmps):
            pq.write_table(tables[split], tmp)
        vocab.to_parquet(tmps[3], engine="pyarrow", index=False)
        _source_frame(row).to_parquet(tmps[4], engine="pyarrow", index=False)
    log.info(
        "%s: train %d / valid %d / test %d documents, %d vocabulary rows, official_checksum=%s",
        dataset,
        source["n_train"],
        source["n_valid"],
        source["n_test"],
        len(vocab),
        source["official_checksum"],
    )
    return row


PHRASE_DATASETS = ("sst", "sst5")
"""The datasets whose archives label every phrase (the Stanford Sentiment Treebank's trees)."""


def _rng(seed: int, purpose: int) -> np.random.Generator:
    """An independent stream per purpose, so changing one step never shifts another."""
    return np.random.default_rng(np.random.SeedSequence([seed, purpose]))


def _archive_splits(
    dataset: str, data_dir: Path | None, valid_fraction: float, seed: int, download: bool,
    cache_dir: Path | None = None, train_phrases: bool = False,
) -> tuple[dict[str, Split], dict[str, Any]]:
    if data_dir is None:
        raise ConfigError(f"data_dir is required for dataset {dataset!r}")
    info = locate_archive(dataset, Path(data_dir), download=download, cache_dir=cache_dir)
    source = {**describe(info), "synthetic_language": ""}
    log.info("reading %s", info.path)
    raw = (READERS[dataset](info.path, phrases=True) if train_phrases
           else READERS[dataset](info.path))
    if "dev" in raw:          # SST and SST-5: the official dev set
        frames = {"train": raw["train"], "valid": raw["dev"], "test": raw["test"]}
    else:
        if not 0.0 < valid_fraction < 1.0:
            raise ConfigError(f"valid_fraction = {valid_fraction}: must be between 0 and 1")
        train_idx, valid_idx = stratified_split(
            raw["train"]["label"].to_numpy(), valid_fraction, _rng(seed, 1)
        )
        frames = {
            "train": raw["train"].iloc[train_idx],
            "valid": raw["train"].iloc[valid_idx],
            "test": raw["test"],
        }
    log.info("tokenising %s", dataset)
    splits = {
        split: ([tokenize(text) for text in frame["text"]], frame["label"].to_numpy(np.int8))
        for split, frame in frames.items()
    }
    return splits, source


def _synthetic_splits(
    config: Mapping[str, Any], seed: int
) -> tuple[dict[str, Split], dict[str, Any]]:
    sizes, lang = synthetic_config(config)
    return _generated_splits(partial(generate, lang), sizes, seed, 10), {
        **_GENERATED_SOURCE,
        "note": "synthetic sentiment language (rnn_dynamics.data.synthetic)",
        "synthetic_language": json.dumps(lang.to_dict(), sort_keys=True),
    }


def _categorical_splits(
    config: Mapping[str, Any], seed: int
) -> tuple[dict[str, Split], dict[str, Any]]:
    sizes, lang = categorical_config(config)
    return _generated_splits(partial(generate_categories, lang), sizes, seed, 20), {
        **_GENERATED_SOURCE,
        "note": "synthetic categorical language (rnn_dynamics.data.synthetic_categories)",
        "synthetic_language": json.dumps(lang.to_dict(), sort_keys=True),
    }


_GENERATED_SOURCE = {"archive": "", "sha256": "", "official_checksum": True}


def _generated_splits(draw, sizes: Mapping[str, int], seed: int, first_purpose: int
                      ) -> dict[str, Split]:
    """Each split drawn by ``draw(n, state)`` (a frame with ``tokens`` and ``label``) from
    its own seeded stream, numbered from ``first_purpose`` (one range per language)."""
    splits = {}
    for purpose, split in enumerate(SPLITS, start=first_purpose):
        state = int(np.random.SeedSequence([seed, purpose]).generate_state(1)[0])
        frame = draw(sizes[f"n_{split}"], state)
        splits[split] = (list(frame["tokens"]), frame["label"].to_numpy(np.int8))
    return splits


def _split_sizes(config: Mapping[str, Any], section: str
                 ) -> tuple[dict[str, int], dict[str, Any]]:
    """``n_train`` / ``n_valid`` / ``n_test`` of a generated language's config (defaults
    :data:`SYNTHETIC_SIZES`), and the rest of it."""
    sizes = dict(SYNTHETIC_SIZES)
    rest = {}
    for key, value in config.items():
        if key in SYNTHETIC_SIZES:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{section}.{key} = {value!r}: must be an integer >= 1")
            sizes[key] = value
        else:
            rest[key] = value
    return sizes, rest


def synthetic_config(config: Mapping[str, Any]) -> tuple[dict[str, int], SyntheticLanguage]:
    """Split the ``synthetic`` config into split sizes and the language definition."""
    sizes, rest = _split_sizes(config, "synthetic")
    return sizes, SyntheticLanguage.from_dict(rest)


def categorical_config(config: Mapping[str, Any]
                       ) -> tuple[dict[str, int], CategoricalLanguage]:
    """Split the ``synthetic_categories`` config into split sizes and the language."""
    sizes, rest = _split_sizes(config, "synthetic_categories")
    return sizes, CategoricalLanguage.from_dict(rest)


def stratified_split(
    labels: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (sorted) of a kept part and a held-out ``fraction`` of each class."""
    held = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        count = round(fraction * len(members))
        held.append(rng.permutation(members)[:count])
    held_idx = np.sort(np.concatenate(held)) if held else np.array([], dtype=np.int64)
    kept_idx = np.setdiff1d(np.arange(len(labels)), held_idx)
    return kept_idx, held_idx


def _subsample(split: Split, size: int, rng: np.random.Generator) -> Split:
    docs, labels = split
    if size >= len(docs):
        return split
    chosen = np.sort(rng.choice(len(docs), size=size, replace=False))
    return [docs[i] for i in chosen], labels[chosen]


def _split_table(ids: list[np.ndarray], labels: np.ndarray) -> pa.Table:
    lengths = np.array([len(x) for x in ids], dtype=np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int32)
    values = np.concatenate(ids).astype(np.int32) if ids else np.array([], dtype=np.int32)
    return pa.Table.from_arrays(
        [
            pa.ListArray.from_arrays(pa.array(offsets), pa.array(values)),
            pa.array(labels.astype(np.int8)),
            pa.array(lengths),
        ],
        schema=SPLIT_SCHEMA,
    )


_SOURCE_COLUMNS = [
    "dataset",
    "archive",
    "sha256",
    "official_checksum",
    "note",
    "seed",
    "vocab_rows",
    "max_length",
    "max_train",
    "train_phrases",
    "n_classes",
    *(f"n_{s}" for s in SPLITS),
    *(f"dropped_empty_{s}" for s in SPLITS),
    *(f"truncated_{s}" for s in SPLITS),
    "synthetic_language",
]


def _source_frame(row: Mapping[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame([row])
    for key in ("max_length", "max_train", *(f"truncated_{s}" for s in SPLITS)):
        frame[key] = frame[key].astype("Int64")  # null = no limit
    frame["official_checksum"] = frame["official_checksum"].astype(bool)
    return frame


def read_split(out_dir: Path, split: str) -> pd.DataFrame:
    """One prepared split: columns ``ids`` (int32 arrays), ``label``, ``length``."""
    if split not in SPLITS:
        raise ConfigError(f"split = {split!r}: must be one of {list(SPLITS)}")
    return _read(Path(out_dir) / f"{split}.parquet")


def read_vocab(out_dir: Path) -> pd.DataFrame:
    """The vocabulary table: ``token``, ``id``, ``count``."""
    return _read(Path(out_dir) / "vocab.parquet")


def read_source(out_dir: Path) -> dict[str, Any]:
    """The one-row source table as a dict."""
    return _read(Path(out_dir) / "source.parquet").iloc[0].to_dict()


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"{path} does not exist; run the prepare_data step for this dataset first.")
    return read_parquet(path)
