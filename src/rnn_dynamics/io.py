"""Atomic file output: a killed job never leaves a half-written table or checkpoint.

:func:`atomic_path` covers one file; :func:`atomic_paths` covers a set of files that belong
together (a stage's outputs), so that a failure while computing or writing any of them leaves
none of them behind. Temporaries are named ``.<target name>.<random>.tmp`` next to their
target; one left by a killed writer is removed the next time that target is written (each
output has one writer at a time: the job that produces it). Finished files get the mode a
plain ``open`` would give them (``0666`` minus the umask), not ``mkstemp``'s private ``0600``.
"""

from __future__ import annotations

import errno
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import OutputError

_NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


def current_umask() -> int:
    """The process umask, read without changing it where Linux allows (thread-safe)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Delete temporaries of ``target`` that an earlier, killed writer left behind."""
    removed = []
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        stale.unlink(missing_ok=True)
        removed.append(stale)
    return removed


def _not_writable(path: Path, err: OSError) -> OutputError:
    return OutputError(f"cannot write '{path}': {os.strerror(err.errno or errno.EACCES)}; "
                       "make that folder writable (or run in a folder you own)")


def _temporary(target: Path, mode: int) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.fchmod(fd, mode)
        os.close(fd)
    except OSError as err:
        if err.errno in _NOT_WRITABLE:
            raise _not_writable(target, err) from None
        raise
    return Path(tmp)


@contextmanager
def atomic_paths(paths: Sequence[str | os.PathLike]) -> Iterator[list[Path]]:
    """Temporary paths next to each of ``paths``; all move into place only if the block succeeds.

    An exception inside the block leaves every target as it was and removes the temporaries.
    The moves happen in the given order once the block is done, so list last the file whose
    presence marks a complete set.
    """
    targets = [Path(p) for p in paths]
    mode = 0o666 & ~current_umask()
    temps: list[Path] = []
    try:
        for target in targets:
            temps.append(_temporary(target, mode))
        yield list(temps)
        for tmp, target in zip(temps, targets):
            try:
                os.chmod(tmp, mode)       # writers that recreate the file get the mode back
                os.replace(tmp, target)
            except OSError as err:
                if err.errno in _NOT_WRITABLE:
                    raise _not_writable(target, err) from None
                raise
    finally:
        for tmp in temps:
            if tmp.exists():
                tmp.unlink()


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place only if the block succeeds."""
    with atomic_paths([path]) as (tmp,):
        yield tmp


def write_parquet(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a single-file Parquet table atomically (pyarrow, no index)."""
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, engine="pyarrow", index=False)


def torch_bytes(obj: Any) -> bytes:
    """``torch.save`` into memory. Saving to a file path names the zip's root folder after
    the file, so a random temporary name would make identical checkpoints differ."""
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def write_torch(obj: Any, path: str | os.PathLike) -> None:
    """Write a torch checkpoint atomically; identical objects give identical bytes."""
    data = torch_bytes(obj)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def read_parquet(path: str | os.PathLike) -> pd.DataFrame:
    return pd.read_parquet(path, engine="pyarrow")
