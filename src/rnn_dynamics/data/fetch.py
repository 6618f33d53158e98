"""Download one release archive, resumably, and verify it before it takes its final name.

The file is written to ``<dest>.part`` and only renamed once its sha256 matches, so a
half-finished or wrong download is never mistaken for the archive. An interrupted download
keeps its ``.part`` and the next attempt resumes with an HTTP ``Range`` request; a server
that ignores the range gets a fresh download.
"""

from __future__ import annotations

import hashlib
import logging
import os
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

from rnn_dynamics.errors import DataError

log = logging.getLogger(__name__)

CHUNK = 1 << 20


def download_file(
    url: str, dest: Path, sha256: str | None, size: int | None = None, *, timeout: float = 60.0
) -> Path:
    """Fetch ``url`` to ``dest``; a checksum mismatch deletes the download and raises DataError."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    log.info("downloading %s -> %s", url, dest)
    try:
        _fetch(url, part, size, timeout)
    except urllib.error.HTTPError as exc:
        if exc.code != 416:
            raise DataError(f"download of {url} failed: HTTP {exc.code} {exc.reason}") from exc
        part.unlink(missing_ok=True)  # the range was past the end: start over once
        _fetch_or_fail(url, part, size, timeout)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _network_error(url, part, exc) from exc
    digest = sha256_of(part)
    if sha256 is not None and digest != sha256:
        part.unlink(missing_ok=True)
        raise DataError(
            f"download of {url} has sha256 {digest}, expected {sha256}; the file was deleted. "
            "Try again later or fetch it by hand."
        )
    if sha256 is None:
        log.warning("%s has no official checksum; the download could not be verified", url)
    os.replace(part, dest)
    return dest


def _fetch_or_fail(url: str, part: Path, size: int | None, timeout: float) -> None:
    try:
        _fetch(url, part, size, timeout)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _network_error(url, part, exc) from exc


def _network_error(url: str, part: Path, exc: BaseException) -> DataError:
    kept = f" (partial download kept in {part}; a new attempt resumes it)" if part.exists() else ""
    return DataError(f"could not download {url}: {exc}{kept}")


def _fetch(url: str, part: Path, size: int | None, timeout: float) -> None:
    start = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={start}-"} if start else {}
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        status = getattr(response, "status", None)
        if start and status != 206:
            log.info("server ignored the Range request; restarting %s", part.name)
            start = 0
        length = response.headers.get("Content-Length")
        total = start + int(length) if length and length.isdigit() else size
        with (
            open(part, "ab" if start else "wb") as out,
            tqdm(
                total=total, initial=start, unit="B", unit_scale=True, desc=part.name, disable=None
            ) as bar,
        ):
            while chunk := response.read(CHUNK):
                out.write(chunk)
                bar.update(len(chunk))


def sha256_of(path: Path) -> str:
    """Streamed sha256 of a file (1 MiB at a time)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
