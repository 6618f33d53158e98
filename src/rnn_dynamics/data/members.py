"""Safe, streaming access to the files inside a release archive (tar, zip or unpacked folder).

The readers never extract to disk: they stream members straight out of the archive. Even so,
a member whose name is absolute or climbs out with ``..`` is refused, because such an archive
is not a genuine release (and would be dangerous to anyone who extracts it by hand). Any
low-level failure of a truncated or corrupt archive is turned into one :class:`DataError`
that names the file. A compressed tar archive is read to the end of its compressed stream, so
that the stream's own checksum (gzip's CRC-32, bz2's and xz's checks) is verified too: tar
itself stops at its end-of-archive marker and would accept a damaged tail. Links are never
followed: link members of a tar and symbolic links inside an unpacked folder are skipped.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath

from rnn_dynamics.errors import DataError

#: What a damaged gzip/bz2/xz/zip stream raises somewhere inside the standard library.
CORRUPT_ERRORS: tuple[type[BaseException], ...] = (
    tarfile.TarError,
    zipfile.BadZipFile,
    EOFError,
    zlib.error,
    OSError,  # gzip.BadGzipFile, lzma.LZMAError's sibling errors, truncated reads
    ValueError,  # lzma / bz2 "invalid data stream" on some versions
)


def check_member_name(name: str, archive: Path) -> str:
    """Return ``name`` in POSIX form, or refuse an absolute or ``..`` path (path traversal)."""
    posix = name.replace("\\", "/")
    parts = PurePosixPath(posix).parts
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":") or ".." in parts:
        raise DataError(
            f"{archive}: member {name!r} has an absolute path or '..'; this is not a genuine "
            "release archive. Delete it and download the official file again."
        )
    return posix.removeprefix("./")


def iter_members(path: Path, select: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
    """Yield ``(name, content)`` of each regular file whose POSIX name passes ``select``.

    Tar archives are read as a stream (any compression), so memory holds one member at a
    time; zip archives and folders are read member by member. Names are relative to the
    archive root (for a folder: relative to ``path``).
    """
    path = Path(path)
    if path.is_dir():
        yield from _iter_dir(path, select)
        return
    if not path.is_file():
        raise DataError(f"{path}: file not found.")
    try:
        if zipfile.is_zipfile(path):
            yield from _iter_zip(path, select)
        else:
            yield from _iter_tar(path, select)
    except DataError:
        raise
    except CORRUPT_ERRORS as exc:
        raise DataError(
            f"{path}: the archive is truncated or corrupt ({type(exc).__name__}: {exc}). "
            "Delete it and download it again."
        ) from exc


_COMPRESSED = ((b"\x1f\x8b", gzip.open), (b"BZh", bz2.open), (b"\xfd7zXZ\x00", lzma.open))


def _open_stream(path: Path):
    """The decompressed byte stream of a (possibly gzip/bz2/xz-compressed) file."""
    with open(path, "rb") as handle:
        head = handle.read(6)
    for magic, opener in _COMPRESSED:
        if head.startswith(magic):
            return opener(path, "rb")
    return open(path, "rb")


def _iter_tar(path: Path, select: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
    with _open_stream(path) as stream:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                name = check_member_name(member.name, path)
                if member.isfile() and select(name):
                    handle = tar.extractfile(member)
                    assert handle is not None  # regular files always have a handle
                    yield name, handle.read()
        while stream.read(1 << 20):  # to the end, so the compression checksum is verified
            pass


def _read_zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    """A member's bytes; an encrypted member or an unsupported compression is a DataError."""
    if info.flag_bits & 0x1:
        raise DataError(f"{path}: member {info.filename!r} is encrypted; the official release "
                        "is not. Download it again.")
    try:
        return archive.read(info)
    except NotImplementedError as exc:
        raise DataError(f"{path}: member {info.filename!r} uses a compression method this "
                        f"Python cannot read ({exc}); the official release uses deflate. "
                        "Download it again.") from None


def _iter_zip(path: Path, select: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = check_member_name(info.filename, path)
            if not info.is_dir() and select(name):
                yield name, _read_zip_member(archive, info, path)


def _regular_files(root: Path) -> Iterator[Path]:
    """Regular files under ``root``, never through a symbolic link (a link could point
    anywhere on the machine, e.g. /etc/passwd), in sorted order."""
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
        for name in files:
            file = Path(folder) / name
            if stat.S_ISREG(os.lstat(file).st_mode):
                found.append(file)
    yield from sorted(found)


def _iter_dir(path: Path, select: Callable[[str], bool]) -> Iterator[tuple[str, bytes]]:
    for file in _regular_files(path):
        name = file.relative_to(path).as_posix()
        if select(name):
            yield name, file.read_bytes()


def read_members(path: Path, names: Iterable[str]) -> dict[str, bytes]:
    """Read the named members; a missing one means the archive has the wrong layout."""
    wanted = list(names)
    found = dict(iter_members(path, set(wanted).__contains__))
    for name in wanted:
        if name not in found:
            raise DataError(
                f"{path}: expected member {name!r} is missing; the file does not have the "
                "layout of the official release. Check that it is the right archive."
            )
    return found
