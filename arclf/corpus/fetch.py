"""Download public corpora into the cache folder, verifying their SHA-256.

:func:`arclf.corpus.base.find_data` looks in :func:`~arclf.corpus.base.cache_dir`, so a fetched
corpus is found by its reader without further configuration. Only corpora listed in
a :class:`~arclf.corpus.registry.Download` in :data:`arclf.corpus.registry.CORPORA` can be fetched,
each pinned to one checksum.
"""

from __future__ import annotations

import functools
import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Optional

from arclf.errors import DataError
from arclf.corpus.base import cache_dir
from arclf.corpus.registry import CORPORA
from arclf.util.files import atomic_path

__all__ = ["fetch", "sha256_file"]

#: Bytes read per chunk while downloading and hashing.
CHUNK = 1 << 20
#: Seconds without data before a download is abandoned.
TIMEOUT = 60


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(functools.partial(fh.read, CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(url: str, out, progress: Optional[Callable[[int, Optional[int]], None]]) -> str:
    """Copy ``url`` into the open binary file ``out``; return the hex SHA-256 of the bytes."""
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        length = response.headers.get("Content-Length") if response.headers else None
        total = int(length) if length and length.isdigit() else None
        done = 0
        if progress:
            progress(0, total)
        while block := response.read(CHUNK):
            out.write(block)
            digest.update(block)
            done += len(block)
            if progress:
                progress(done, total)
    return digest.hexdigest()


def offline() -> bool:
    """Whether downloads are forbidden: ``ARCLF_OFFLINE`` set to anything but empty, 0 or false."""
    return os.environ.get("ARCLF_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def fetch(name: str, *, url: str | None = None, dest_dir: str | os.PathLike | None = None,
          force: bool = False, progress: Optional[Callable[[int, Optional[int]], None]] = None) -> Path:
    """Download every pinned file of a known corpus and verify each one's SHA-256.

    Each file is written to a temporary file beside its target, checked, then renamed into
    place, so an interrupted or corrupt download never leaves a file under the corpus's name;
    files already in place with the right checksum are not downloaded again.
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
        Called as ``progress(bytes_done, total_bytes)`` while downloading, over all the files;
        ``total_bytes`` is None when the server does not say.

    Returns
    -------
    Path
        Where the corpus now is: the file, or the folder holding its files.

    Raises
    ------
    DataError
        Unknown name, offline, unreachable address, an interrupted transfer, or a checksum
        mismatch (nothing is left behind; the next call starts that file again).
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
        raise DataError(f"{name}: not downloaded, and ARCLF_OFFLINE is set; run `arclf data fetch {name}` where there is "
                        f"network (or unset ARCLF_OFFLINE), or put the corpus in the data folder (ARCLF_DATA)")
    mirror = os.environ.get("ARCLF_MIRROR")
    done_before = [0]
    for d in missing:
        source = url or (f"{mirror.rstrip('/')}/{Path(d.filename).name}" if mirror else d.url)
        cb = (lambda done, total: progress(done_before[0] + done, None if len(downloads) > 1 else total)) if progress else None
        done_before[0] += _fetch_one(name, d, source, folder, cb)
    if len(downloads) == 1:
        return folder / downloads[0].filename
    return folder / os.path.commonpath([d.filename for d in downloads])


def _verified(path: Path, sha256: str) -> bool:
    return path.is_file() and sha256_file(path) == sha256


def _fetch_one(name: str, download, source: str, folder: Path, progress) -> int:
    """Download one file into place (verified); return its size in bytes."""
    import http.client

    target = folder / download.filename
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target, suffix=".part") as tmp, open(tmp, "wb") as out:
            digest = _download(source, out, progress)
            if digest != download.sha256:
                raise DataError(
                    f"{name}: checksum mismatch for {source} (expected sha256 {download.sha256}, got {digest}); "
                    f"nothing was saved: the download is corrupt or the file changed upstream; "
                    f"get the file elsewhere and pass --url, or put it in $ARCLF_DATA"
                )
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        if isinstance(exc, DataError):
            raise
        if isinstance(exc, urllib.error.HTTPError):
            reason = f"HTTP {exc.code} {exc.reason}"
        elif isinstance(exc, http.client.IncompleteRead):
            reason = f"the connection closed after {len(exc.partial):,} bytes"
        else:
            reason = getattr(exc, "reason", None) or exc
        raise DataError(f"{name}: could not download {source} ({reason}); nothing was saved; check the address and the "
                        f"network and run it again, download it by hand and save it as {target}, or point "
                        f"--data-dir / ARCLF_DATA at a folder that holds the corpus") from None
    return target.stat().st_size


def ensure_corpus(name: str, explicit_path=None, data_dir=None) -> None:
    """Download a known corpus into the cache on first use, when it is in neither the data folder nor the cache.

    Does nothing for a corpus given by path, one without downloads, or one already found.
    Says what it downloads, with the corpus's licence and citation, as a warning (one line
    on the command line).

    Raises
    ------
    DataError
        As :func:`fetch` (offline, unreachable, corrupt: nothing is left that looks complete).
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
        return  # downloaded before (files only get their names once verified)
    targets = {cache / d.filename for d in entry.downloads}
    placed = [cache / c for c in entry.candidates if (cache / c).exists()]
    if any(not any(t == p or p in t.parents for t in targets) for p in placed):
        return  # put in the cache by hand, in another layout than the downloads
    if not offline():
        import warnings

        warnings.warn(f"{name}: not in the data folder or the cache; downloading {len(entry.downloads)} file(s) from its "
                      f"public address into {cache_dir()}. Licence: {entry.licence}. Cite: {entry.citation}", stacklevel=2)
    fetch(name)
