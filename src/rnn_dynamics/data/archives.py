"""Where each dataset's official release archive lives, and whether a local copy is that release.

Results are only comparable with the papers when they come from the official archives, so
every local copy is hashed and compared with the published checksum. A copy that differs is
still used (offline machines may hold repacked or substitute files), but ``official=False``
is recorded and a warning is logged, so downstream tables can carry the flag.

Official checksums (sha256, size in bytes) and where they were taken from:

- imdb: TensorFlow Datasets ``tensorflow_datasets/datasets/imdb_reviews/checksums.tsv``.
- yelp: TensorFlow Datasets ``url_checksums/yelp_polarity_reviews.txt`` and Hugging Face
  ``datasets/yelp_polarity/dataset_infos.json`` (they agree).
- sst: Hugging Face ``datasets/sst/dataset_infos.json``; the same hash is pinned by other
  public downloaders of this URL.

A release whose ``sha256`` is ``None`` cannot be verified; copies of it are then always
recorded as ``official=False``.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from rnn_dynamics.data.fetch import download_file, sha256_of
from rnn_dynamics.errors import DataError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Release:
    """One official dataset release: the archive's file name, address and checksum."""

    name: str
    filename: str
    url: str
    sha256: str | None
    size: int | None


RELEASES: dict[str, Release] = {
    "imdb": Release(
        "imdb",
        "aclImdb_v1.tar.gz",
        "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
        "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
        84125825,
    ),
    "yelp": Release(
        "yelp",
        "yelp_review_polarity_csv.tgz",
        "https://s3.amazonaws.com/fast-ai-nlp/yelp_review_polarity_csv.tgz",
        "528f22e286cad085948acbc3bea7e58188416546b0e364d0ae4ca0ce666abe35",
        166373201,
    ),
    "sst": Release(
        "sst",
        "trainDevTestTrees_PTB.zip",
        "https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip",
        "5c613a4f673fc74097d523a2c83f38e0cc462984d847b82c7aaf36b01cbbbfcc",
        789539,
    ),
}

#: Known non-official copies (sha256 -> what the file is), so the warning can say more than
#: "mismatch". These are the offline copies described in the shared data folder's README.
KNOWN_COPIES: dict[str, str] = {
    "058c901028912d9492575b0f4513c03b0fd7c619a941778acf4af25f50030116": (
        "offline IMDB copy: all 50,000 labelled reviews identical, unlabelled part left out"
    ),
    "f3fcd81d63604d155df1c9dc02a8212110b723f7cbd813e483e0c550da5451ef": (
        "offline SST copy: official trees/{train,dev,test}.txt repacked into a new zip"
    ),
    "be45ae1e8d8cf58e42ce9a2f9abbda8c53ff05bade4e7b05d1a1ee25761d434e": (
        "SUBSTITUTE Yelp set: 46,466 real Yelp reviews in the official format, "
        "not the official rows (about 33% negative)"
    ),
    "1152850a8717bf853c3b1558b8ba722753bace31e5a2c930babed7d190835ef8": (
        "Yelp sample: first 200 train / 20 test rows of the official files, for loader tests only"
    ),
}

_UNPACKED = {"imdb": "aclImdb"}

SAME_ARCHIVE: dict[str, str] = {"sst5": "sst", "imdb_ratings": "imdb"}
"""Datasets read from another dataset's release (its fine-grained labels): one archive, found
and checked in one place, serves both."""


@dataclass(frozen=True)
class ArchiveInfo:
    """A located local copy: ``official`` is False whenever it is not verifiably the release."""

    path: Path
    sha256: str | None
    official: bool
    note: str


def get_release(dataset: str) -> Release:
    """The release archive ``dataset`` is read from (see :data:`SAME_ARCHIVE`)."""
    try:
        return RELEASES[SAME_ARCHIVE.get(dataset, dataset)]
    except KeyError:
        raise DataError(
            f"unknown dataset {dataset!r}; archives are known for {sorted(RELEASES)}"
        ) from None


_HASH_MEMO: dict[tuple[str, int, int], str] = {}


def _cache_file(cache_dir: Path, path: Path) -> Path:
    """One small file per archive, named by a hash of its absolute path."""
    key = hashlib.sha256(os.fsencode(path.resolve())).hexdigest()[:32]
    return Path(cache_dir) / f"{key}.sha256"


def file_sha256(path: Path, *, cache_dir: Path | None = None) -> str:
    """Streamed sha256 of a file, cached by size and mtime in memory and, with ``cache_dir``,
    on disk (the workflow passes a folder under ``results/``).

    The cache never goes next to the archive: the user's data folder is theirs (and may be
    shared or read-only). A cache that cannot be written is skipped silently.
    """
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _HASH_MEMO:
        return _HASH_MEMO[key]
    cache = _cache_file(cache_dir, path) if cache_dir is not None else None
    cached = _read_cache(cache, stat.st_size, stat.st_mtime_ns) if cache else None
    if cached:
        _HASH_MEMO[key] = cached
        return cached
    value = sha256_of(path)
    _HASH_MEMO[key] = value
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(f"{value} {stat.st_size} {stat.st_mtime_ns} {path.resolve()}\n")
        except OSError:
            log.debug("could not write checksum cache %s", cache)
    return value


def _read_cache(cache: Path, size: int, mtime_ns: int) -> str | None:
    try:
        value, cached_size, cached_mtime = cache.read_text().split()[:3]
    except (OSError, ValueError):
        return None
    if cached_size == str(size) and cached_mtime == str(mtime_ns) and len(value) == 64:
        return value
    return None


def candidate_paths(dataset: str, data_dir: Path) -> list[Path]:
    """Where a local copy is looked for, in order (the archive first, then an unpacked folder)."""
    release = get_release(dataset)
    data_dir = Path(data_dir)
    paths = [data_dir / release.filename, data_dir / release.name / release.filename]
    if release.name in _UNPACKED:
        folder = _UNPACKED[release.name]
        paths += [data_dir / folder, data_dir / release.name / folder]
    return paths


def verify(dataset: str, path: Path, cache_dir: Path | None = None) -> ArchiveInfo:
    """Hash a local copy and compare it with the official checksum, warning on a mismatch."""
    release = get_release(dataset)
    path = Path(path)
    if path.is_dir():
        note = "unpacked folder: cannot be checked against the official archive checksum"
        log.warning("%s: %s; results will be flagged official_checksum=False", path, note)
        return ArchiveInfo(path, None, False, note)
    digest = file_sha256(path, cache_dir=cache_dir)
    if release.sha256 is None:
        note = "no official checksum is recorded for this release; it cannot be verified"
        log.warning("%s: %s; results will be flagged official_checksum=False", path, note)
        return ArchiveInfo(path, digest, False, note)
    if digest == release.sha256:
        return ArchiveInfo(path, digest, True, f"official {release.filename}")
    known = KNOWN_COPIES.get(digest, "unknown file")
    log.warning(
        "%s is NOT the official %s release (sha256 %s, official %s): %s. "
        "Results computed from it will be flagged official_checksum=False.",
        path,
        release.filename,
        digest,
        release.sha256,
        known,
    )
    return ArchiveInfo(path, digest, False, f"not the official release: {known}")


def locate_archive(dataset: str, data_dir: Path, download: bool = True,
                   cache_dir: Path | None = None) -> ArchiveInfo:
    """Find (or download) the release archive of ``dataset`` under ``data_dir`` and verify it
    (checksums cached in ``cache_dir``, see :func:`file_sha256`)."""
    release = get_release(dataset)
    candidates = candidate_paths(dataset, data_dir)
    for path in candidates:
        if path.exists():
            log.info("using %s for %s", path, dataset)
            return verify(dataset, path, cache_dir)
    if not download:
        raise DataError(_missing_message(release, candidates, "downloading is disabled"))
    dest = Path(data_dir) / release.name / release.filename
    try:
        download_file(release.url, dest, release.sha256, release.size)
    except DataError as exc:
        raise DataError(_missing_message(release, candidates, str(exc))) from exc
    return verify(dataset, dest, cache_dir)


def _missing_message(release: Release, candidates: list[Path], reason: str) -> str:
    where = "\n".join(f"  {p}" for p in candidates)
    return (
        f"{release.filename} ({release.name}) was not found and could not be obtained "
        f"({reason}). Download it from {release.url} and put it at one of:\n{where}\n"
        "or, if you have it elsewhere, point the workflow at its folder: "
        "snakemake --config data_dir=/path/to/archives"
    )


def describe(info: ArchiveInfo) -> dict[str, object]:
    """The archive facts that go into ``source.parquet``."""
    return {
        "archive": os.fspath(info.path),
        "sha256": info.sha256 or "",
        "official_checksum": info.official,
        "note": info.note,
    }
