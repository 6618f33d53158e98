"""Archive registry, checksum flagging, downloads (local server only) and safe member access."""

from __future__ import annotations

import hashlib
import http.server
import io
import logging
import socket
import tarfile
import threading
import zipfile
from pathlib import Path
from typing import ClassVar

import pytest

from rnn_dynamics.data import archives
from rnn_dynamics.data.archives import RELEASES, Release, file_sha256, locate_archive
from rnn_dynamics.data.fetch import download_file
from rnn_dynamics.data.members import iter_members
from rnn_dynamics.data.readers import read_imdb, read_sst, read_yelp
from rnn_dynamics.errors import DataError

PAYLOAD = bytes(range(256)) * 4000  # ~1 MB, more than one download chunk
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


def make_tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.fixture
def fake_release(monkeypatch):
    """Replace the SST release by one whose address and checksum the test controls."""

    def install(url: str, sha256: str | None, filename: str = "trainDevTestTrees_PTB.zip"):
        release = Release("sst", filename, url, sha256, None)
        monkeypatch.setitem(RELEASES, "sst", release)
        return release

    return install


# --- registry and checksums ---------------------------------------------------------------


def test_registry_has_the_three_official_releases():
    assert RELEASES["imdb"].filename == "aclImdb_v1.tar.gz"
    assert RELEASES["imdb"].sha256 == (
        "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
    )
    assert RELEASES["imdb"].size == 84125825
    assert (
        RELEASES["yelp"].url == "https://s3.amazonaws.com/fast-ai-nlp/yelp_review_polarity_csv.tgz"
    )
    assert RELEASES["sst"].url == "https://nlp.stanford.edu/sentiment/trainDevTestTrees_PTB.zip"
    for release in RELEASES.values():
        assert release.sha256 is None or len(release.sha256) == 64


def test_mismatch_is_flagged_with_a_warning(tmp_path, caplog):
    (tmp_path / "imdb").mkdir()
    path = make_tar(tmp_path / "imdb" / "aclImdb_v1.tar.gz", {"aclImdb/README": b"x"})
    with caplog.at_level(logging.WARNING, logger="rnn_dynamics.data.archives"):
        info = locate_archive("imdb", tmp_path, download=False)
    assert info.path == path and not info.official
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "NOT the official" in caplog.text and "flagged" in caplog.text
    assert "unknown file" in info.note


def test_known_substitute_is_described(tmp_path, caplog, monkeypatch):
    path = make_tar(tmp_path / "yelp_review_polarity_csv.tgz", {"a": b"b"})
    monkeypatch.setitem(archives.KNOWN_COPIES, file_sha256(path), "a test substitute")
    with caplog.at_level(logging.WARNING):
        info = locate_archive("yelp", tmp_path, download=False)
    assert not info.official and "a test substitute" in caplog.text
    assert "a test substitute" in info.note


def test_matching_checksum_is_official_and_silent(tmp_path, caplog, fake_release):
    path = tmp_path / "trainDevTestTrees_PTB.zip"
    path.write_bytes(PAYLOAD)
    fake_release("http://unused.invalid/x.zip", PAYLOAD_SHA)
    with caplog.at_level(logging.WARNING):
        info = locate_archive("sst", tmp_path, download=False)
    assert info.official and info.sha256 == PAYLOAD_SHA
    assert "NOT the official" not in caplog.text


def test_release_without_checksum_is_never_official(tmp_path, fake_release):
    (tmp_path / "trainDevTestTrees_PTB.zip").write_bytes(PAYLOAD)
    fake_release("http://unused.invalid/x.zip", None)
    info = locate_archive("sst", tmp_path, download=False)
    assert not info.official and "cannot be verified" in info.note


def test_unpacked_imdb_folder_is_found_but_unverified(tmp_path):
    (tmp_path / "imdb" / "aclImdb").mkdir(parents=True)
    info = locate_archive("imdb", tmp_path, download=False)
    assert info.path == tmp_path / "imdb" / "aclImdb"
    assert info.sha256 is None and not info.official


def test_hash_is_cached_outside_the_data_folder(tmp_path, monkeypatch):
    data, cache_dir = tmp_path / "data", tmp_path / "results" / "data" / ".checksums"
    data.mkdir()
    path = data / "f.bin"
    path.write_bytes(PAYLOAD)
    assert file_sha256(path, cache_dir=cache_dir) == PAYLOAD_SHA
    assert sorted(p.name for p in data.iterdir()) == ["f.bin"]    # nothing beside the archive
    (cache,) = cache_dir.iterdir()
    assert cache.read_text().split()[0] == PAYLOAD_SHA
    monkeypatch.setattr(archives, "_HASH_MEMO", {})
    stat = path.stat()
    cache.write_text(f"{'0' * 64} {stat.st_size} {stat.st_mtime_ns}\n")
    assert file_sha256(path, cache_dir=cache_dir) == "0" * 64  # trusted while size/mtime match
    path.write_bytes(PAYLOAD + b"x")  # a changed file is hashed again
    assert file_sha256(path, cache_dir=cache_dir) == hashlib.sha256(PAYLOAD + b"x").hexdigest()


def test_preparing_real_data_writes_nothing_into_the_data_folder(tmp_path):
    from rnn_dynamics.data.prepare import prepare_dataset

    data = tmp_path / "archives"
    data.mkdir()
    make_zip(data / "trainDevTestTrees_PTB.zip",
             {f"trees/{s}.txt": b"(3 (2 a) (4 good))\n(1 (2 a) (0 bad))\n" * 50
              for s in ("train", "dev", "test")})
    before = sorted(p.name for p in data.rglob("*"))
    prepare_dataset("sst", tmp_path / "results" / "data" / "sst", data_dir=data, vocab_size=50,
                    valid_fraction=0.1, max_length=None, seed=0)
    assert sorted(p.name for p in data.rglob("*")) == before
    assert list((tmp_path / "results" / "data" / ".checksums").glob("*.sha256"))


def test_missing_archive_without_download_names_file_url_and_paths(tmp_path):
    with pytest.raises(DataError) as err:
        locate_archive("sst", tmp_path, download=False)
    message = str(err.value)
    assert "trainDevTestTrees_PTB.zip" in message
    assert RELEASES["sst"].url in message
    assert str(tmp_path / "sst" / "trainDevTestTrees_PTB.zip") in message


def test_unknown_dataset(tmp_path):
    with pytest.raises(DataError, match="unknown dataset"):
        locate_archive("mnist", tmp_path)


# --- downloads (local server only) --------------------------------------------------------


class _RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves PAYLOAD at any path, honouring ``Range: bytes=N-`` unless told not to."""

    honour_range = True
    ranges: ClassVar[list[str]] = []

    def do_GET(self):
        header = self.headers.get("Range")
        type(self).ranges.append(header or "")
        start = 0
        if header and self.honour_range:
            start = int(header.removeprefix("bytes=").rstrip("-"))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A local HTTP server on a free port; yields a function that configures its handler."""

    def start(honour_range: bool = True) -> str:
        handler = type("Handler", (_RangeHandler,), {"honour_range": honour_range, "ranges": []})
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        servers.append((httpd, handler))
        return f"http://127.0.0.1:{httpd.server_address[1]}/trainDevTestTrees_PTB.zip"

    servers: list = []
    start.servers = servers  # type: ignore[attr-defined]
    yield start
    for httpd, _ in servers:
        httpd.shutdown()
        httpd.server_close()


def test_download_with_correct_checksum(tmp_path, server, fake_release):
    fake_release(server(), PAYLOAD_SHA)
    info = locate_archive("sst", tmp_path, download=True)
    assert info.path == tmp_path / "sst" / "trainDevTestTrees_PTB.zip"
    assert info.path.read_bytes() == PAYLOAD and info.official
    assert not (tmp_path / "sst" / "trainDevTestTrees_PTB.zip.part").exists()


def test_download_with_wrong_checksum_leaves_nothing(tmp_path, server, fake_release):
    fake_release(server(), "f" * 64)
    with pytest.raises(DataError, match="sha256"):
        locate_archive("sst", tmp_path, download=True)
    assert not any((tmp_path / "sst").iterdir())


def test_download_resumes_a_partial_file(tmp_path, server):
    url = server()
    dest = tmp_path / "x.zip"
    (tmp_path / "x.zip.part").write_bytes(PAYLOAD[:1000])
    download_file(url, dest, PAYLOAD_SHA)
    assert dest.read_bytes() == PAYLOAD
    assert server.servers[0][1].ranges == ["bytes=1000-"]


def test_download_restarts_when_server_ignores_range(tmp_path, server):
    url = server(honour_range=False)
    dest = tmp_path / "x.zip"
    (tmp_path / "x.zip.part").write_bytes(b"stale bytes that are not the start")
    download_file(url, dest, PAYLOAD_SHA)
    assert dest.read_bytes() == PAYLOAD


def test_download_from_file_url(tmp_path):
    source = tmp_path / "src.bin"
    source.write_bytes(PAYLOAD)
    dest = download_file(source.as_uri(), tmp_path / "out" / "x.bin", PAYLOAD_SHA)
    assert dest.read_bytes() == PAYLOAD


def test_unreachable_server_names_file_url_and_place(tmp_path, fake_release):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/trainDevTestTrees_PTB.zip"
    fake_release(url, PAYLOAD_SHA)
    with pytest.raises(DataError) as err:
        locate_archive("sst", tmp_path, download=True)
    message = str(err.value)
    assert "trainDevTestTrees_PTB.zip" in message and url in message
    assert str(tmp_path / "sst" / "trainDevTestTrees_PTB.zip") in message


# --- safe, validated member access --------------------------------------------------------


@pytest.mark.parametrize("bad", ["../evil.txt", "/etc/evil.txt", "a/../../evil.txt"])
def test_tar_path_traversal_is_refused(tmp_path, bad):
    path = make_tar(tmp_path / "x.tgz", {"ok.txt": b"1", bad: b"2"})
    with pytest.raises(DataError, match="absolute path or '..'"):
        list(iter_members(path, lambda name: True))


@pytest.mark.parametrize("bad", ["../evil.txt", "/evil.txt", "..\\evil.txt"])
def test_zip_path_traversal_is_refused(tmp_path, bad):
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo(bad), b"2")
    with pytest.raises(DataError, match=str(path)):
        list(iter_members(path, lambda name: True))


def _yelp_members(rows: int = 200) -> dict[str, bytes]:
    csv = "".join(f'"{1 + i % 2}","review number {i} is here"\n' for i in range(rows)).encode()
    return {"yelp_review_polarity_csv/train.csv": csv, "yelp_review_polarity_csv/test.csv": csv}


def test_truncated_tar_gz(tmp_path):
    whole = make_tar(tmp_path / "whole.tgz", _yelp_members(3000)).read_bytes()
    cut = tmp_path / "yelp_review_polarity_csv.tgz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match="truncated or corrupt") as err:
        read_yelp(cut)
    assert str(cut) in str(err.value)


def test_garbage_file(tmp_path):
    path = tmp_path / "aclImdb_v1.tar.gz"
    path.write_bytes(b"this is not an archive at all" * 10)
    with pytest.raises(DataError, match=str(path)):
        read_imdb(path)


def test_truncated_and_corrupt_zip(tmp_path):
    members = {f"trees/{s}.txt": b"(3 (2 a) (4 good))\n" * 2000 for s in ("train", "dev", "test")}
    whole = make_zip(tmp_path / "whole.zip", members).read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match=str(cut)):
        read_sst(cut)
    first = zipfile.ZipFile(tmp_path / "whole.zip").infolist()[0]
    flipped = bytearray(whole)
    data_start = first.header_offset + 30 + len(first.filename)
    flipped[data_start + first.compress_size // 2] ^= 0xFF  # inside the compressed data
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(DataError, match=str(bad)):
        read_sst(bad)


def test_unexpected_layout_names_the_expected_member(tmp_path):
    yelp = make_tar(tmp_path / "y.tgz", {"other/train.csv": b'"1","x"\n'})
    with pytest.raises(DataError, match="yelp_review_polarity_csv/train.csv"):
        read_yelp(yelp)
    sst = make_zip(tmp_path / "s.zip", {"trees/train.txt": b"(3 (3 good))\n"})
    with pytest.raises(DataError, match="trees/dev.txt"):
        read_sst(sst)
    imdb = make_tar(
        tmp_path / "i.tgz",
        {
            "aclImdb/train/pos/0_9.txt": b"good",
            "aclImdb/test/pos/0_9.txt": b"good",
            "aclImdb/test/neg/0_1.txt": b"bad",
        },
    )
    with pytest.raises(DataError, match="aclImdb/train/neg"):
        read_imdb(imdb)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_sst(tmp_path / "nothing.zip")
