"""Folder-per-category reader: ``root/<label>/<file>``, from a folder or a zip.

Each file is one text; the name of the folder that holds it is its ``section`` (the corpus's
own category), whatever depth it is at, so a zip whose files sit under one top folder
(``corpus/<label>/<file>``) and ANT's ``<Source>/<section>/<file>`` layout both work. Files
directly in the root have no label and are skipped. Hidden files and ``__MACOSX`` are ignored.

Every file's encoding is detected on its own (UTF-8, UTF-8 with BOM, UTF-16, Windows-1256)
by :func:`arclf.text.decode.decode_bytes`; ``stats.encodings`` counts files per encoding and
``stats.skipped['undecodable']`` the binary or undecodable ones.

``spec.filename_regex`` (matched at the start of the file name) may fill schema fields from
named groups, e.g. ``(?P<region>[A-Z]{2})_.*`` reads ``SA_001.txt`` as region ``SA``.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Iterator

from arclf.errors import ConfigError, DataError, InputError
from arclf.corpus.schema import make_record
from arclf.corpus.base import ReadStats, find_data, undecodable_reason
from arclf.corpus.tables import MAPPABLE_FIELDS
from arclf.text.decode import decode_bytes
from arclf.util.files import is_hidden, list_files

__all__ = ["read_folders", "iter_folder_files"]

REGEX_FIELDS = ("id", "title") + MAPPABLE_FIELDS


def _top_folder(names: list[str]) -> str:
    """The one folder every name starts with (a zip's or tree's wrapper folder), as a prefix, or ''."""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        top = tops.pop() + "/"
        # strip only a wrapper: a folder holding the label folders, not a label folder itself
        if any(n[len(top):].count("/") for n in names):
            return top
    return ""


def iter_folder_files(root: Path) -> Iterator[tuple[str, bytes]]:
    """Yield ``(posix path inside the corpus, bytes)`` of every non-hidden file under ``root``, sorted.

    ``root`` is a folder or a .zip; one folder wrapping the whole corpus
    (``news.zip: news/<label>/<file>``) is not part of the returned paths.
    """
    if root.is_file():
        try:
            with zipfile.ZipFile(root) as zf:
                infos = sorted((i for i in zf.infolist() if not i.is_dir() and not is_hidden(PurePosixPath(i.filename).parts)),
                               key=lambda i: i.filename)
                top = _top_folder([i.filename for i in infos])
                for info in infos:
                    yield info.filename[len(top):], zf.read(info)
        except zipfile.BadZipFile:
            raise DataError(f"{root}: not a zip file; a folder corpus is a folder or a .zip of <label>/<file>") from None
        return
    files = list_files(root)
    top = _top_folder(files)
    for rel in files:
        yield rel[len(top):], (root / rel).read_bytes()


def _compile(regex: str | None):
    if not regex:
        return None
    try:
        pattern = re.compile(regex)
    except re.error as exc:
        raise ConfigError(f"filename_regex {regex!r}: {exc}") from None
    bad = sorted(set(pattern.groupindex) - set(REGEX_FIELDS))
    if bad:
        raise ConfigError(f"filename_regex {regex!r}: group(s) {', '.join(bad)} are not schema fields ({', '.join(REGEX_FIELDS)})")
    return pattern


def read_folders(spec, *, stats: ReadStats, data_dir=None) -> Iterator[dict]:
    """Yield one schema record per text file of a folder-per-category corpus.

    Parameters
    ----------
    spec : CorpusSpec
        ``path`` (required): the root folder or a .zip; ``filename_regex``: optional;
        ``corpus``: the ``corpus`` field (default: the root's stem).
    stats : ReadStats
        ``read``, ``encodings`` and ``skipped`` (``'undecodable'``, ``'empty text'``,
        ``'no label folder'``) are counted; files whose name the regex does not match are noted.
    data_dir : path, optional
        Unused (the path is explicit); accepted like every reader.

    Yields
    ------
    dict
        Schema records: ``id`` = path inside the root, ``text`` = ``body`` = the file's text,
        ``section`` = its folder's name, plus the regex's fields.

    Raises
    ------
    ConfigError
        No path, or an invalid ``filename_regex``.
    DataError
        The path does not exist or is not a folder or a zip.
    """

    if spec.path is None:
        raise ConfigError("folder corpus: `path` is required (a folder or a .zip of <label>/<file>)")
    root = find_data(spec.path, [], what="folder corpus", data_dir_=data_dir)
    pattern = _compile(spec.filename_regex)
    corpus = spec.corpus or root.stem
    unmatched = 0
    for rel, data in iter_folder_files(root):
        parts = PurePosixPath(rel).parts
        if len(parts) < 2:
            stats.skip("no label folder", item=rel)
            continue
        try:
            text, encoding = decode_bytes(data, name=rel)
        except InputError as exc:
            stats.skip(undecodable_reason(exc), item=rel)
            continue
        stats.encodings[encoding] += 1
        text = text.strip()
        if not text:
            stats.skip("empty text", item=rel)
            continue
        fields = {}
        if pattern is not None:
            m = pattern.match(parts[-1])
            if m:
                fields = {k: v for k, v in m.groupdict().items() if v}
            else:
                unmatched += 1
        fields.setdefault("id", rel)
        stats.read += 1
        yield make_record(**{"body": text, "text": text, "corpus": corpus, "section": parts[-2], **fields})
    if unmatched:
        stats.notes.append(f"{unmatched} file names do not match filename_regex {spec.filename_regex!r}")
