"""A known corpus downloads itself on first use: the real download path against an HTTP server on
127.0.0.1 serving copies of ../shared's ASND files (ARCLF_MIRROR), a corrupted copy, and a server
that closes the connection halfway."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading

import pytest

from arclf.corpus.cache import load_corpus_cached
from arclf.errors import DataError

from ..conftest import ASND


class _Handler(http.server.SimpleHTTPRequestHandler):
    cut = False  # send half of each file, then close

    def log_message(self, *args):
        pass

    def copyfile(self, source, outputfile):
        if not self.cut:
            return super().copyfile(source, outputfile)
        data = source.read()
        outputfile.write(data[: len(data) // 2])
        self.close_connection = True


@pytest.fixture
def mirror(tmp_path, asnd_dir):
    """A folder served on 127.0.0.1 holding the ASND files; yields (base URL, folder, handler class)."""
    served = tmp_path / "served"
    served.mkdir()
    for f in ASND.glob("sm_news_ar_*.csv"):
        shutil.copy(f, served / f.name)
    handler = type("H", (_Handler,), {"cut": False})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", served, handler, httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def empty_machine(tmp_path, monkeypatch):
    """No data folder, an empty cache."""
    monkeypatch.delenv("ARCLF_DATA", raising=False)
    monkeypatch.delenv("ARCLF_OFFLINE", raising=False)
    monkeypatch.setenv("ARCLF_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_first_use_downloads_and_verifies_then_second_use_is_offline(mirror, empty_machine, monkeypatch):
    base, served, handler, httpd = mirror
    monkeypatch.setenv("ARCLF_MIRROR", base)
    with pytest.warns(UserWarning, match=r"asnd: not in the data folder or the cache; downloading 3 file\(s\).*Licence: CC BY 4.0"):
        ds, report = load_corpus_cached("asnd")
    assert len(ds) == 8346 and report["cache"]["hit"] is False
    got = sorted(p.name for p in (empty_machine / "asnd" / "Arabic_Social_Media_News_Dataset_ASND").iterdir())
    assert got == ["sm_news_ar_dev.csv", "sm_news_ar_trn.csv", "sm_news_ar_tst.csv"]
    httpd.shutdown()  # no server any more, and downloads forbidden: the cache must do
    monkeypatch.setenv("ARCLF_OFFLINE", "1")
    ds2, report2 = load_corpus_cached("asnd")
    assert len(ds2) == 8346 and report2["cache"]["hit"] is True


def test_offline_without_the_corpus_says_what_to_fetch(empty_machine, monkeypatch):
    monkeypatch.setenv("ARCLF_OFFLINE", "1")
    with pytest.raises(DataError, match=r"asnd: not downloaded, and ARCLF_OFFLINE is set; run `arclf data fetch asnd`"):
        load_corpus_cached("asnd")
    assert not empty_machine.exists() or not any(empty_machine.rglob("*.csv"))


def test_a_corrupted_file_is_refused_and_not_cached(mirror, empty_machine, monkeypatch):
    base, served, handler, _ = mirror
    (served / "sm_news_ar_trn.csv").write_bytes((served / "sm_news_ar_trn.csv").read_bytes()[:-10] + b"corrupted!")
    monkeypatch.setenv("ARCLF_MIRROR", base)
    with pytest.warns(UserWarning), pytest.raises(DataError, match=r"asnd: checksum mismatch .*sm_news_ar_trn.csv.*nothing was saved"):
        load_corpus_cached("asnd")
    folder = empty_machine / "asnd" / "Arabic_Social_Media_News_Dataset_ASND"
    assert not (folder / "sm_news_ar_trn.csv").exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary left


def test_an_interrupted_download_leaves_nothing_complete_and_the_next_run_starts_again(mirror, empty_machine, monkeypatch):
    base, served, handler, _ = mirror
    monkeypatch.setenv("ARCLF_MIRROR", base)
    handler.cut = True
    with pytest.warns(UserWarning), pytest.raises(DataError, match=r"asnd: (could not download .*connection closed|checksum mismatch)"):
        load_corpus_cached("asnd")
    folder = empty_machine / "asnd" / "Arabic_Social_Media_News_Dataset_ASND"
    assert not folder.exists() or not [p for p in folder.iterdir()]
    handler.cut = False
    ds, _ = load_corpus_cached("asnd")  # starts the download again, and completes it
    assert len(ds) == 8346 and len(list(folder.iterdir())) == 3
