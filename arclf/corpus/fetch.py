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


def fetch(name: str, *, url: str | None = None, dest_dir: str | os.PathLike | None = None,
          force: bool = False, progress: Optional[Callable[[int, Optional[int]], None]] = None) -> Path:
    """Download a known corpus and verify its checksum.

    The file is written to a temporary file in the destination folder, checked, then
    renamed into place, so an interrupted or corrupt download never leaves a file under
    the corpus's name.

    Parameters
    ----------
    name : str
        A corpus of :data:`arclf.corpus.registry.CORPORA` with a download (``"ant"``).
    url : str, optional
        Download from here instead (a mirror, or ``file://`` for a local copy); the
        checksum must still match.
    dest_dir : path, optional
        Destination folder (default :func:`arclf.corpus.base.cache_dir`, created if needed).
    force : bool, default=False
        Download even if a file with the right checksum is already there.
    progress : callable, optional
        Called as ``progress(bytes_done, total_bytes)`` while downloading; ``total_bytes``
        is None when the server does not say.

    Returns
    -------
    Path
        The verified file, ``<dest_dir>/<download filename>``.

    Raises
    ------
    DataError
        Unknown name, unreachable address, or checksum mismatch (nothing is left behind).
        A file already in place with a wrong checksum is downloaded again.
    """
    fetchable = sorted(n for n, c in CORPORA.items() if c.download)
    if name not in CORPORA:
        raise DataError(f"unknown corpus {name!r} to fetch; known: {', '.join(fetchable)}")
    download = CORPORA[name].download
    if download is None:
        raise DataError(f"{name}: arclf has no download address for it yet; put it in the data folder (--data-dir / "
                        f"ARCLF_DATA); corpora it can fetch: {', '.join(fetchable)}")
    folder = Path(dest_dir).expanduser() if dest_dir is not None else cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / download.filename
    if target.is_file() and not force and sha256_file(target) == download.sha256:
        return target
    source = url or download.url
    try:
        with atomic_path(target, suffix=".part") as tmp, open(tmp, "wb") as out:
            digest = _download(source, out, progress)
            if digest != download.sha256:
                raise DataError(
                    f"{name}: checksum mismatch for {source} (expected sha256 {download.sha256}, got {digest}); "
                    f"nothing was saved: the download is corrupt or the file changed upstream; "
                    f"get the file elsewhere and pass --url, or put it in $ARCLF_DATA"
                )
    except (urllib.error.URLError, OSError, ValueError) as exc:
        if isinstance(exc, DataError):
            raise
        if isinstance(exc, urllib.error.HTTPError):
            reason = f"HTTP {exc.code} {exc.reason}"
        else:
            reason = getattr(exc, "reason", None) or exc
        raise DataError(f"{name}: could not download {source} ({reason}); check the address and the network, "
                        f"or download it by hand and save it as {folder / download.filename}") from None
    return target
