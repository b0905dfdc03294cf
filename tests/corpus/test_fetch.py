"""Tests for arclf.corpus.fetch: file:// and a loopback HTTP server only, never the internet."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
import zipfile

import pytest

from arclf.corpus import fetch as fetch_mod
from arclf.corpus.base import find_data
from arclf.corpus.fetch import fetch, sha256_file
from arclf.corpus.registry import CORPORA, Corpus, Download
from arclf.errors import DataError


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A small zip in tmp_path/src, registered in the corpus registry as 'tiny' with its real checksum."""
    src = tmp_path / "src"
    src.mkdir()
    archive = src / "tiny.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("top/BBC/sport/BB-sport-1-1.txt", "<DOC><TITLE>t</TITLE></DOC>" * 2000)
    data = archive.read_bytes()
    entry = {"url": archive.as_uri(), "sha256": hashlib.sha256(data).hexdigest(), "filename": "tiny-v1.zip"}
    monkeypatch.setitem(CORPORA, "tiny", Corpus("tiny", "arclf.corpus.ant:read_ant", licence="CC0", citation="none",
                                                 candidates=("tiny-v1.zip",), downloads=(Download(**entry),)))
    monkeypatch.setattr(fetch_mod, "CHUNK", 4096)  # several progress calls for a small file
    monkeypatch.delenv("ARCLF_OFFLINE", raising=False)  # the suite forbids downloads; these are from file:// and 127.0.0.1
    return archive, data, entry


@pytest.fixture
def server(tiny):
    """An HTTP server on 127.0.0.1 (ephemeral port) serving the 'tiny' source folder."""
    archive = tiny[0]
    handler = functools.partial(_QuietHandler, directory=str(archive.parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _set_checksum(monkeypatch, sha256: str) -> None:
    import dataclasses

    tiny = CORPORA["tiny"]
    monkeypatch.setitem(CORPORA, "tiny", dataclasses.replace(tiny, downloads=(dataclasses.replace(tiny.download, sha256=sha256),)))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


def test_file_url_copy_is_verified(tiny, tmp_path):
    archive, data, entry = tiny
    calls = []
    path = fetch("tiny", dest_dir=tmp_path / "dest", progress=lambda label, done, total: calls.append((done, total)))
    assert path == tmp_path / "dest" / "tiny-v1.zip"
    assert path.read_bytes() == data and sha256_file(path) == entry["sha256"]
    assert calls[-1][0] == len(data) and len(calls) > 2
    assert sorted(p.name for p in path.parent.iterdir()) == ["tiny-v1.zip"]  # no temporary file left


def test_loopback_http_download(tiny, server, tmp_path):
    archive, data, _ = tiny
    calls = []
    path = fetch("tiny", url=f"{server}/{archive.name}", dest_dir=tmp_path / "dest",
                 progress=lambda label, done, total: calls.append((done, total)))
    assert path.read_bytes() == data
    assert calls[0] == (0, len(data)) and calls[-1] == (len(data), len(data))  # Content-Length known


def test_present_file_with_the_right_hash_is_not_downloaded_again(tiny, tmp_path):
    dest = tmp_path / "dest"
    first = fetch("tiny", dest_dir=dest)
    again = fetch("tiny", url=(tmp_path / "missing.zip").as_uri(), dest_dir=dest)  # would fail if it downloaded
    assert again == first


def test_present_file_with_a_wrong_hash_is_replaced(tiny, tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "tiny-v1.zip").write_bytes(b"truncated")
    assert fetch("tiny", dest_dir=dest).read_bytes() == tiny[1]


def test_wrong_checksum_leaves_nothing_behind(tiny, tmp_path, monkeypatch):
    _set_checksum(monkeypatch, "0" * 64)
    dest = tmp_path / "dest"
    with pytest.raises(DataError, match=r"tiny: checksum mismatch .*expected sha256 0{64}, got [0-9a-f]{64}.*nothing was saved.*`arclf data fetch tiny --url <address"):
        fetch("tiny", dest_dir=dest)
    assert list(dest.iterdir()) == []


def test_wrong_checksum_over_http_leaves_nothing_behind(tiny, server, tmp_path, monkeypatch):
    _set_checksum(monkeypatch, "f" * 64)
    dest = tmp_path / "dest"
    with pytest.raises(DataError, match="checksum mismatch"):
        fetch("tiny", url=f"{server}/{tiny[0].name}", dest_dir=dest)
    assert list(dest.iterdir()) == []


def test_unreachable_address(tiny, server, tmp_path):
    dest = tmp_path / "dest"
    with pytest.raises(DataError, match=r"tiny: could not download .*404"):
        fetch("tiny", url=f"{server}/no-such.zip", dest_dir=dest)
    with pytest.raises(DataError, match="could not download"):
        fetch("tiny", url=(tmp_path / "missing.zip").as_uri(), dest_dir=dest)
    assert list(dest.iterdir()) == []


def test_unknown_name():
    with pytest.raises(DataError, match=r"unknown corpus 'nope' to fetch; known: .*ant"):
        fetch("nope")


def test_fetched_corpus_is_found_in_the_cache(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("ARCLF_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ARCLF_DATA", raising=False)
    path = fetch("tiny")
    assert path.parent == tmp_path / "cache"
    assert find_data(None, ["tiny-v1.zip"], what="tiny") == path


def test_ant_entry_matches_the_shared_archive(ant_zip):
    sums = dict(line.split()[::-1] for line in (ant_zip.parent / "SHA256SUMS").read_text().splitlines() if line.strip())
    download = CORPORA["ant"].download
    assert download.sha256 == sums[f"./{ant_zip.name}"] == sha256_file(ant_zip)
    assert download.filename == ant_zip.name
    assert download.url.startswith("https://github.com/antcorpus/antcorpus.multisource.data/")
