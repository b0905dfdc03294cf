"""Download public corpora into the cache folder, verifying their SHA-256, resuming where servers allow.

:func:`arclf.corpus.base.find_data` looks in :func:`~arclf.corpus.base.cache_dir`, so a fetched
corpus is found by its reader without further configuration. Only corpora listed in
a :class:`~arclf.corpus.registry.Download` in :data:`arclf.corpus.registry.CORPORA` can be fetched,
each pinned to one checksum.

A file is received into ``<cache>/.downloads/<sha256>.part``, a name no reader looks for. A
transfer cut off midway keeps that part, and the next call asks the server for the rest (an HTTP
``Range`` request; a server that ignores it sends the whole file again). A verified file becomes
``<sha256>.ok`` there; only when every file of the corpus is verified are they moved under the
corpus's own names, so a corpus in the cache is either complete or absent. A wrong checksum or a
full disk deletes the part: the next call starts that file again.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

from arclf.errors import DataError
from arclf.corpus.base import cache_dir
from arclf.corpus.registry import CORPORA
from arclf.util.progress import DownloadCallback, report_download

__all__ = ["fetch", "sha256_file", "offline", "ensure_corpus", "partial_dir"]

#: Bytes read per chunk while downloading and hashing.
CHUNK = 1 << 20
#: Seconds without data before a download is abandoned.
TIMEOUT = 60
#: Folder under the destination that holds unfinished and not yet placed downloads.
PARTIAL = ".downloads"


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    return _hash_file(path).hexdigest()


def _hash_file(path, digest=None):
    digest = digest or hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(functools.partial(fh.read, CHUNK), b""):
            digest.update(block)
    return digest


def offline() -> bool:
    """Whether downloads are forbidden: ``ARCLF_OFFLINE`` set to anything but empty, 0 or false."""
    return os.environ.get("ARCLF_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def partial_dir(dest_dir: str | os.PathLike | None = None) -> Path:
    """The folder holding unfinished downloads (``<dest>/.downloads``, default under :func:`cache_dir`)."""
    return (Path(dest_dir).expanduser() if dest_dir is not None else cache_dir()) / PARTIAL


def fetch(name: str, *, url: str | None = None, dest_dir: str | os.PathLike | None = None,
          force: bool = False, progress: Optional[DownloadCallback] = None) -> Path:
    """Download every pinned file of a known corpus, verify each one's SHA-256, and put them in place.

    Files already in place with the right checksum are not downloaded again; a part left by
    an interrupted call is resumed with an HTTP ``Range`` request where the server allows it.
    ``ARCLF_MIRROR=<base URL>`` fetches ``<base URL>/<file name>`` instead of the public address
    (air-gapped sites, tests); ``ARCLF_OFFLINE=1`` forbids downloading.

    Parameters
    ----------
    name : str
        A corpus of :data:`arclf.corpus.registry.CORPORA` with downloads (``"ant"``, ``"saudinewsnet"``, ``"asnd"``).
    url : str, optional
        Download from here instead (a mirror, or ``file://`` for a local copy); only for a
        corpus of one file. The checksum must still match.
    dest_dir : path, optional
        Destination folder (default :func:`arclf.corpus.base.cache_dir`, created if needed).
    force : bool, default=False
        Download even if a file with the right checksum is already there.
    progress : callable, optional
        Called as ``progress(label, bytes_done, bytes_total)`` while each file downloads
        (``label`` is ``"<corpus> <file name>"``, ``bytes_total`` None when the server does not
        say). Default: the callback installed with :func:`arclf.util.progress.download_progress`.

    Returns
    -------
    Path
        Where the corpus now is: the file, or the folder holding its files.

    Raises
    ------
    DataError
        Unknown name, offline, unreachable address, a transfer cut off or interrupted (the part
        is kept for the next call to resume), a checksum mismatch or a full disk (the part is
        deleted). In every case no file under the corpus's name is left incomplete.
    """
    fetchable = sorted(n for n, c in CORPORA.items() if c.downloads)
    if name not in CORPORA:
        raise DataError(f"unknown corpus {name!r} to fetch; known: {', '.join(fetchable)}")
    downloads = CORPORA[name].downloads
    if not downloads:
        raise DataError(f"{name}: arclf has no download address for it yet; put it in the data folder (--data-dir / "
                        f"ARCLF_DATA); corpora it can fetch: {', '.join(fetchable)}")
    if url is not None and len(downloads) > 1:
        raise DataError(f"{name}: --url names one file but {name} has {len(downloads)}; set ARCLF_MIRROR=<base URL> "
                        f"to fetch <base URL>/<file name> for each")
    folder = Path(dest_dir).expanduser() if dest_dir is not None else cache_dir()
    missing = [d for d in downloads if force or not _verified(folder / d.filename, d.sha256)]
    if missing and offline():
        names = sorted({Path(d.filename).name for d in missing})
        files = ", ".join(names) if len(names) <= 3 else f"its {len(names)} files ({names[0]} ... {names[-1]})"
        raise DataError(f"{name}: not downloaded, and ARCLF_OFFLINE is set; run `arclf data fetch {name}` with network "
                        f"(ARCLF_OFFLINE unset) or copy {files} from a machine that has it into {folder}"
                        f"{'/' + str(Path(missing[0].filename).parent) if len(downloads) > 1 else ''}, or point "
                        f"--data-dir / ARCLF_DATA at a folder that holds the corpus")
    mirror = os.environ.get("ARCLF_MIRROR")
    report = progress or report_download
    staged = []
    for d in missing:
        source = url or (f"{mirror.rstrip('/')}/{Path(d.filename).name}" if mirror else d.url)
        staged.append((_fetch_one(name, d, source, folder, report), folder / d.filename))
    for ok, target in staged:  # every file verified: only now do they take the corpus's names
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(ok, target)
    if staged:
        _remove_if_empty(partial_dir(folder))
    if len(downloads) == 1:
        return folder / downloads[0].filename
    return folder / os.path.commonpath([d.filename for d in downloads])


def _verified(path: Path, sha256: str) -> bool:
    return path.is_file() and sha256_file(path) == sha256


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def _fetch_one(name: str, download, source: str, folder: Path, report) -> Path:
    """Download one file into ``<folder>/.downloads/<sha256>.ok``, verified; return that path."""
    import http.client
    import urllib.error

    staging = folder / PARTIAL
    ok, part = staging / f"{download.sha256}.ok", staging / f"{download.sha256}.part"
    label = f"{name} {Path(download.filename).name}"
    received = [0, None]  # bytes in the part, expected total
    try:
        with _locked(staging / f"{download.sha256}.lock"):  # another process may be fetching the same file
            if _verified(ok, download.sha256):
                return ok
            digest = _download(source, part, label, report, received)
            if digest != download.sha256:
                part.unlink(missing_ok=True)
                raise DataError(
                    f"{name}: checksum mismatch for {source} (expected sha256 {download.sha256}, got {digest}); "
                    f"nothing was saved: the download is corrupt or the file changed upstream; run it again, or "
                    f"fetch a good copy with {_elsewhere(name, download)}, or point --data-dir / ARCLF_DATA at a "
                    f"folder that holds the corpus")
            os.replace(part, ok)
            return ok
    except KeyboardInterrupt:
        kept = "the part is kept under a temporary name and the next run resumes it" if received[0] else "nothing was saved"
        raise DataError(f"{name}: interrupted while downloading {source} ({_progress_text(received)}); {kept}") from None
    except OSError as exc:
        if getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
            part.unlink(missing_ok=True)
            free = shutil.disk_usage(staging if staging.exists() else folder).free
            need = f", it needs {_mb(received[1])}" if received[1] else ""
            _remove_if_empty(staging)
            raise DataError(f"{name}: the disk holding {folder} is full ({_mb(free)} free{need}); nothing was saved; "
                            f"free some space or set ARCLF_CACHE to a folder on another disk, and run it again") from None
        if isinstance(exc, urllib.error.HTTPError):
            reason = f"HTTP {exc.code} {exc.reason}"
        elif isinstance(exc, urllib.error.URLError):
            reason = exc.reason
        else:
            reason = exc.strerror or exc
        raise DataError(_failed(name, source, folder, download, reason, received)) from None
    except DataError:
        raise
    except (ValueError, http.client.HTTPException) as exc:
        reason = (f"the connection closed after {_progress_text(received)}" if isinstance(exc, http.client.IncompleteRead)
                  else exc)
        raise DataError(_failed(name, source, folder, download, reason, received)) from None


@contextmanager
def _locked(path: Path):
    """Hold an exclusive lock on ``path`` (POSIX; elsewhere no lock) for the block, and delete it after."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover  (Windows)
        yield
        return
    while True:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a")
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            if os.path.exists(path) and os.path.samestat(os.fstat(fh.fileno()), os.stat(path)):
                break  # (else the holder before us deleted it: lock the new one)
        except OSError:
            pass
        fh.close()
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        fh.close()
        _remove_if_empty(path.parent)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _elsewhere(name: str, download) -> str:
    """How to fetch ``download`` from another address."""
    if len(CORPORA[name].downloads) == 1:
        return f"`arclf data fetch {name} --url <address or file:// path>`"
    return f"ARCLF_MIRROR=<base URL holding {Path(download.filename).name}>"


def _progress_text(received) -> str:
    done, total = received
    return f"{done:,} of {total:,} bytes" if total else f"{done:,} bytes"


def _failed(name, source, folder, download, reason, received) -> str:
    kept = ("the part received is kept under a temporary name and the next run resumes it"
            if received[0] else "nothing was saved")
    return (f"{name}: could not download {source} ({reason}); {kept}; check the address and the network and run it "
            f"again, download it by hand and save it as {folder / download.filename}, or point --data-dir / ARCLF_DATA "
            f"at a folder that holds the corpus")


def _download(source: str, part: Path, label: str, report, received: list) -> str:
    """Append ``source`` to ``part`` (resuming from its length where the server allows); return the file's hex SHA-256.

    ``received`` is kept up to date as ``[bytes in the part, expected total or None]``.
    """
    import urllib.error
    import urllib.request

    have = part.stat().st_size if part.exists() else 0
    received[:] = [have, None]
    request = urllib.request.Request(source, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:  # 416: the part is no prefix of the file (changed upstream): start again
        if exc.code != 416 or not have:
            raise
        part.unlink()
        return _download(source, part, label, report, received)
    with response:
        headers = response.headers or {}
        resumed = have and response.status == 206 and headers.get("Content-Range", "").startswith(f"bytes {have}-")
        start = have if resumed else 0
        length = headers.get("Content-Length")
        total = start + int(length) if length and length.isdigit() else None
        digest = _hash_file(part) if resumed else hashlib.sha256()
        received[:] = [start, total]
        report(label, start, total)
        with open(part, "ab" if resumed else "wb") as out:
            while block := response.read(CHUNK):
                out.write(block)
                digest.update(block)
                received[0] += len(block)
                report(label, received[0], total)
            out.flush()
            os.fsync(out.fileno())
    if total is not None and received[0] < total:
        import http.client

        raise http.client.IncompleteRead(b"", total - received[0])
    if total is None:
        report(label, received[0], received[0])  # the size is known now
    return digest.hexdigest()


def ensure_corpus(name: str, explicit_path=None, data_dir=None) -> None:
    """Download a known corpus into the cache on first use, when it is in neither the data folder nor the cache.

    Does nothing for a corpus given by path, one without downloads, or one already found.
    Says what it downloads, with the corpus's licence and citation, as one warning (one line on
    the command line) before the first download of that corpus; progress goes to the callback
    installed with :func:`arclf.util.progress.download_progress`.

    Raises
    ------
    DataError
        As :func:`fetch` (offline, unreachable, corrupt, disk full: nothing is left that looks complete).
    """
    from arclf.corpus.base import data_dir as resolve_data_dir

    entry = CORPORA.get(name)
    if explicit_path is not None or entry is None or not entry.downloads:
        return
    root = resolve_data_dir(data_dir)
    if root is not None and any((root / c).exists() for c in entry.candidates):
        return  # in the data folder (a lab share, CI's ../shared): nothing is downloaded
    cache = cache_dir()
    if all((cache / d.filename).is_file() for d in entry.downloads):
        return  # downloaded before (files only get their names once all are verified)
    targets = {cache / d.filename for d in entry.downloads}
    placed = [cache / c for c in entry.candidates if (cache / c).exists()]
    if any(not any(t == p or p in t.parents for t in targets) for p in placed):
        return  # put in the cache by hand, in another layout than the downloads
    if not offline():
        import warnings

        resuming = any((partial_dir() / f"{d.sha256}{ext}").exists() for d in entry.downloads for ext in (".part", ".ok"))
        verb = "resuming the download of" if resuming else "downloading"
        warnings.warn(f"{name}: not in the data folder or the cache; {verb} {len(entry.downloads)} file(s) from its "
                      f"{'mirror' if os.environ.get('ARCLF_MIRROR') else 'public address'} into {cache}. "
                      f"Licence: {entry.licence}. Cite: {entry.citation}", stacklevel=2)
    fetch(name)
