"""A known corpus downloads itself on first use: the real download path against an HTTP server on
127.0.0.1 serving copies of ../shared's ASND files (ARCLF_MIRROR), a corrupted copy, a server that
closes the connection halfway, and one that answers HTTP Range requests (resume)."""

from __future__ import annotations

import errno
import functools
import hashlib
import http.server
import re
import shutil
import threading

import pytest

from arclf.corpus import fetch as fetch_mod
from arclf.corpus.cache import load_corpus_cached
from arclf.corpus.fetch import fetch
from arclf.corpus.registry import CORPORA
from arclf.errors import DataError
from arclf.util.progress import download_progress

from ..conftest import ASND

FOLDER = ("asnd", "Arabic_Social_Media_News_Dataset_ASND")
DEV = CORPORA["asnd"].downloads[0]  # sm_news_ar_dev.csv, the first file fetched


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; logs each GET's Range header and the bytes sent. ``cut``: send half a file, then close.
    ``ranges``: answer ``Range: bytes=N-`` with 206 and the rest of the file (else the whole file, as http.server)."""

    cut = False
    ranges = False
    log: list = []  # (path, Range header or None, bytes sent)

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.translate_path(self.path)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            return self.send_error(404)
        asked = self.headers.get("Range")
        m = re.fullmatch(r"bytes=(\d+)-", asked or "")
        start = int(m.group(1)) if m and self.ranges else 0
        if start >= len(data) > 0:
            return self.send_error(416)
        body = data[start:]
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        sent = body[: len(body) // 2] if self.cut else body
        self.wfile.write(sent)
        self.log.append((self.path, asked, len(sent)))
        if self.cut:
            self.close_connection = True


@pytest.fixture
def mirror(tmp_path, asnd_dir):
    """A folder served on 127.0.0.1 holding the ASND files; yields (base URL, folder, handler class, server)."""
    served = tmp_path / "served"
    served.mkdir()
    for f in ASND.glob("sm_news_ar_*.csv"):
        shutil.copy(f, served / f.name)
    handler = type("H", (_Handler,), {"cut": False, "ranges": False, "log": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", served, handler, httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def empty_machine(tmp_path, monkeypatch):
    """No data folder, an empty cache, downloads allowed."""
    monkeypatch.delenv("ARCLF_DATA", raising=False)
    monkeypatch.delenv("ARCLF_OFFLINE", raising=False)
    monkeypatch.setenv("ARCLF_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _files(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_first_use_downloads_and_verifies_then_second_use_is_offline(mirror, empty_machine, monkeypatch):
    base, served, handler, httpd = mirror
    monkeypatch.setenv("ARCLF_MIRROR", base)
    calls = []
    with pytest.warns(UserWarning, match=r"asnd: not in the data folder or the cache; downloading 3 file\(s\) from its "
                                         r"mirror.*Licence: CC BY 4.0.*Cite: S. A. Chowdhury"):
        with download_progress(lambda label, done, total: calls.append((label, done, total))):
            ds, report = load_corpus_cached("asnd")
    assert len(ds) == 8346 and report["cache"]["hit"] is False
    assert _files(empty_machine / "asnd") == [f"Arabic_Social_Media_News_Dataset_ASND/sm_news_ar_{s}.csv" for s in ("dev", "trn", "tst")]
    assert not (empty_machine / ".downloads").exists()  # nothing left over
    size = (served / "sm_news_ar_trn.csv").stat().st_size
    trn = [c for c in calls if c[0] == "asnd sm_news_ar_trn.csv"]
    assert trn[0] == ("asnd sm_news_ar_trn.csv", 0, size) and trn[-1] == ("asnd sm_news_ar_trn.csv", size, size)
    assert [r for _, r, _ in handler.log] == [None, None, None]
    httpd.shutdown()  # no server any more, and downloads forbidden: the cache must do
    monkeypatch.setenv("ARCLF_OFFLINE", "1")
    ds2, report2 = load_corpus_cached("asnd")
    assert len(ds2) == 8346 and report2["cache"]["hit"] is True


def test_offline_without_the_corpus_says_what_to_fetch(empty_machine, monkeypatch):
    monkeypatch.setenv("ARCLF_OFFLINE", "1")
    with pytest.raises(DataError, match=r"asnd: not downloaded, and ARCLF_OFFLINE is set; run `arclf data fetch asnd` with network \(ARCLF_OFFLINE "
                                        r"unset\) or copy sm_news_ar_dev.csv, sm_news_ar_trn.csv, sm_news_ar_tst.csv from a "
                                        r"machine that has it into .*cache/asnd/Arabic_Social_Media_News_Dataset_ASND, or"):
        load_corpus_cached("asnd")
    assert _files(empty_machine) == []


def test_a_corrupted_file_is_refused_and_not_cached(mirror, empty_machine, monkeypatch):
    base, served, handler, _ = mirror
    (served / "sm_news_ar_trn.csv").write_bytes((served / "sm_news_ar_trn.csv").read_bytes()[:-10] + b"corrupted!")
    monkeypatch.setenv("ARCLF_MIRROR", base)
    with pytest.warns(UserWarning), pytest.raises(DataError, match=r"asnd: checksum mismatch .*sm_news_ar_trn.csv.*nothing was saved.*ARCLF_MIRROR=<base URL holding sm_news_ar_trn.csv>"):
        load_corpus_cached("asnd")
    assert not (empty_machine / "asnd").exists()  # dev.csv was fine, but the corpus is not complete: not placed
    assert _files(empty_machine) == [f".downloads/{DEV.sha256}.ok"]  # kept, verified, for the next run
    shutil.copy(ASND / "sm_news_ar_trn.csv", served / "sm_news_ar_trn.csv")  # the mirror is repaired
    handler.log.clear()
    with pytest.warns(UserWarning, match="asnd: .*resuming the download of 3 file"):
        ds, _ = load_corpus_cached("asnd")
    assert len(ds) == 8346 and [p for p, _, _ in handler.log] == ["/sm_news_ar_trn.csv", "/sm_news_ar_tst.csv"]
    assert _files(empty_machine / ".downloads") == []


def test_an_interrupted_download_leaves_nothing_complete_and_the_next_run_starts_again(mirror, empty_machine, monkeypatch):
    base, served, handler, _ = mirror
    monkeypatch.setenv("ARCLF_MIRROR", base)
    handler.cut = True  # a server without Range support, which closes the connection halfway
    with pytest.warns(UserWarning), pytest.raises(DataError, match=r"asnd: could not download .*sm_news_ar_dev.csv \(the "
                                                                   r"connection closed after [\d,]+ of [\d,]+ bytes\); the part"):
        load_corpus_cached("asnd")
    assert _files(empty_machine) == [f".downloads/{DEV.sha256}.part"]  # under a name no reader looks for
    handler.cut = False
    with pytest.warns(UserWarning, match="resuming"):
        ds, _ = load_corpus_cached("asnd")  # asks for the rest, gets the whole file (no Range support), completes
    assert len(ds) == 8346 and _files(empty_machine / "asnd")[0].endswith("sm_news_ar_dev.csv")
    assert handler.log[1][1] is not None and handler.log[1][2] == (served / "sm_news_ar_dev.csv").stat().st_size


def test_a_server_that_allows_it_sends_only_the_rest(mirror, empty_machine, monkeypatch):
    base, served, handler, _ = mirror
    monkeypatch.setenv("ARCLF_MIRROR", base)
    size = (served / "sm_news_ar_dev.csv").stat().st_size
    handler.cut, handler.ranges = True, True
    with pytest.raises(DataError, match="the part received is kept under a temporary name and the next run resumes it"):
        fetch("asnd")
    half = size // 2
    assert (empty_machine / ".downloads" / f"{DEV.sha256}.part").stat().st_size == half
    handler.cut = False
    handler.log.clear()
    fetch("asnd")
    assert handler.log[0] == ("/sm_news_ar_dev.csv", f"bytes={half}-", size - half)  # only the rest was sent
    assert [r for _, r, _ in handler.log[1:]] == [None, None]
    assert fetch_mod.sha256_file(empty_machine.joinpath(*FOLDER, "sm_news_ar_dev.csv")) == DEV.sha256


def test_a_part_that_is_not_a_prefix_of_the_file_is_refused_then_fetched_again(mirror, empty_machine, monkeypatch):
    base, served, handler, _ = mirror
    monkeypatch.setenv("ARCLF_MIRROR", base)
    handler.ranges = True
    part = empty_machine / ".downloads" / f"{DEV.sha256}.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"garbage from somewhere else")
    with pytest.raises(DataError, match="checksum mismatch"):
        fetch("asnd")
    assert _files(empty_machine) == []
    fetch("asnd")
    assert len(_files(empty_machine / "asnd")) == 3


def test_a_full_disk_leaves_nothing_and_says_so(mirror, empty_machine, monkeypatch):
    base, served, handler, _ = mirror
    monkeypatch.setenv("ARCLF_MIRROR", base)
    real_open = open

    class FullDisk:
        """A file whose writes fail with ENOSPC after 100 kB."""

        def __init__(self, fh):
            self.fh, self.written = fh, 0

        def write(self, data):
            self.written += len(data)
            if self.written > 100_000:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.fh.write(data)

        def __getattr__(self, name):
            return getattr(self.fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    def small_disk(path, mode="r", *args, **kwargs):
        fh = real_open(path, mode, *args, **kwargs)
        return FullDisk(fh) if str(path).endswith(".part") and "b" in mode else fh

    monkeypatch.setattr(fetch_mod, "open", small_disk, raising=False)
    monkeypatch.setattr(fetch_mod, "CHUNK", 16_384)
    with pytest.raises(DataError, match=r"asnd: the disk holding .*cache is full \([\d,.]+ MB free, it needs [\d.]+ MB\); "
                                        r"nothing was saved; free some space or set ARCLF_CACHE"):
        fetch("asnd")
    assert _files(empty_machine) == []
    monkeypatch.setattr(fetch_mod, "open", real_open, raising=False)
    assert fetch("asnd") == empty_machine / "asnd" / "Arabic_Social_Media_News_Dataset_ASND"  # starts again


def test_an_interrupted_process_keeps_the_part_and_resumes(mirror, empty_machine, monkeypatch):
    base, served, handler, _ = mirror
    monkeypatch.setenv("ARCLF_MIRROR", base)
    monkeypatch.setattr(fetch_mod, "CHUNK", 16_384)
    handler.ranges = True

    def ctrl_c_halfway(label, done, total):
        if done > total // 2:
            raise KeyboardInterrupt

    with download_progress(ctrl_c_halfway), pytest.raises(DataError, match=r"asnd: interrupted while downloading .*dev.csv "
                                                                           r"\([\d,]+ of [\d,]+ bytes\); the part is kept"):
        fetch("asnd")
    part = empty_machine / ".downloads" / f"{DEV.sha256}.part"
    have = part.stat().st_size
    assert not (empty_machine / "asnd").exists() and have > 0
    handler.log.clear()
    fetch("asnd")
    assert handler.log[0][1:] == (f"bytes={have}-", (served / "sm_news_ar_dev.csv").stat().st_size - have)
    assert hashlib.sha256(empty_machine.joinpath(*FOLDER, "sm_news_ar_dev.csv").read_bytes()).hexdigest() == DEV.sha256


def test_the_command_line_shows_progress_and_the_licence_once_then_fails_in_one_line(mirror, empty_machine, monkeypatch, capsys):
    from arclf.cli.app import main

    base, served, handler, _ = mirror
    monkeypatch.setenv("ARCLF_MIRROR", base)
    with pytest.warns(UserWarning) as record:  # (the command line prints each as one line: test_cli)
        assert main(["data", "inspect", "asnd", "--near", "0", "--format", "json"]) == 0
    licence = [str(w.message) for w in record if "Licence" in str(w.message)]
    assert len(licence) == 1 and licence[0].startswith("asnd: not in the data folder or the cache; downloading 3 file(s)")
    err = capsys.readouterr().err.splitlines()
    size = (served / "sm_news_ar_trn.csv").stat().st_size
    assert f"arclf: downloading asnd sm_news_ar_trn.csv ({size / 1e6:.1f} MB)" in err
    assert any(re.fullmatch(r"arclf: asnd sm_news_ar_trn.csv: [\d.]+ MB in [\d.]+ s \([\d.,]+ [kM]B/s\), verifying", e) for e in err)
    shutil.rmtree(empty_machine)
    (served / "sm_news_ar_tst.csv").write_bytes(b"not the file")
    assert main(["data", "fetch", "asnd"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "arclf: downloading asnd sm_news_ar_tst.csv (12 bytes)" in err
    assert err[-1].startswith("arclf: error: asnd: checksum mismatch for ") and len([e for e in err if "error" in e]) == 1
    assert not (empty_machine / "asnd").exists()


def test_offline_on_the_command_line(empty_machine, monkeypatch, capsys):
    from arclf.cli.app import main

    monkeypatch.setenv("ARCLF_OFFLINE", "")  # (restored after the test: --offline sets it)
    assert main(["--offline", "data", "fetch", "asnd"]) == 2
    assert capsys.readouterr().err.startswith("arclf: error: asnd: not downloaded, and ARCLF_OFFLINE is set")
    assert _files(empty_machine) == []
