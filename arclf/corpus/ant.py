"""Reader for the ANT corpus (Arabic News Texts) v2.1, multi-source.

The corpus is one article per file, ``<Source>/<section>/<DOCNO>.txt``, in TREC-style
pseudo-XML (see :func:`parse_ant_doc`). :func:`read_ant` reads the public archive
(``ant-multisource-v2.1.zip``) directly, without unpacking it, or the same tree unpacked.

What the 31,525 files of v2.1 look like (checked on every file):

- UTF-8 without BOM, LF line ends, every tag present and closed, in the order
  DOCNO URL SRC CAT TITLE TIME AUTHOR ABSTRACT TEXT. Text holds raw ``&`` (``AT&T``) and
  ``<`` (``<< ...`` quote markers in Alarabia opinion columns), never an entity.
- TIME is RFC 2822 in all five outlets: ``Sun, 18 Feb 2018 21:35:43 +0400`` (Alarabia,
  local Dubai time; the DOCNO date is that local date), ``... +0000`` (CNN) and
  ``... GMT`` (BBC, France24, SkyNews). 73 Alarabia articles date from 2012-2017.
- The abstract is usually the start of the body (Alarabia truncates it and glues its
  paragraphs without a space; CNN puts a dateline before it): it is dropped from ``text``
  when the body already contains it (:func:`abstract_in_body`). BBC abstracts are
  separate summaries and are kept.
- Two France24 files (``FR-internationalNews-2077-20180629``, ``FR-sport-214-20180629``)
  have an empty ABSTRACT and TEXT: they are kept with the title as their text.
"""

from __future__ import annotations

import collections
import datetime as _dt
import functools
import os
import re
import zipfile
from pathlib import Path
from typing import Callable, Iterator

from arclf.errors import DataError
from arclf.corpus.schema import join_text, make_record
from arclf.corpus.base import ReadStats, find_data
from arclf.corpus.registry import corpus_entry

__all__ = ["ANT_FIELDS", "parse_ant_doc", "parse_ant_time", "abstract_in_body", "read_ant"]

#: Tags of an ANT document, in file order; :func:`parse_ant_doc` returns them lowercased.
ANT_FIELDS = ("DOCNO", "URL", "SRC", "CAT", "TITLE", "TIME", "AUTHOR", "ABSTRACT", "TEXT")

#: Names the corpus goes by in a data folder: the archive, then the unpacked tree.

_TAG = re.compile(r"<(/?)(DOCNO|URL|SRC|CAT|TITLE|TIME|AUTHOR|ABSTRACT|TEXT|DOC)>", re.IGNORECASE)
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_RFC2822 = re.compile(
    r"^(?:[A-Za-z]{3},?\s+)?(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4})\s+"
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(GMT|UTC|UT|Z|[+-]\d{2}:?\d{2})?$"
)


def _clean_block(value: str) -> str:
    """Strip a multi-line field: trim every line, drop blank lines, join with ``\\n``."""
    return "\n".join(filter(None, [line.strip() for line in value.splitlines()]))


def _upper(match: re.Match) -> str:
    return match.group(0).upper()


def _opening_tags(text: str) -> list[tuple[int, str]]:
    """``(position, name)`` of the first ``<NAME>`` of each field, in text order."""
    return sorted((pos, name) for name in ANT_FIELDS if (pos := text.find(f"<{name}>")) >= 0)


def parse_ant_doc(text: str) -> dict:
    """Split one ANT document into its fields, tolerating broken markup.

    The format is not XML: text may hold ``&`` and ``<``, tags may be missing, and a field
    whose closing tag is missing runs to the next opening tag of the format (or to
    ``</DOC>``, or to the end of the text). Only the tag names of :data:`ANT_FIELDS` and
    ``DOC`` are recognised, in any letter case; everything else is text. The first
    ``<TAG>`` of each name opens its field.

    Parameters
    ----------
    text : str
        One document, ``<DOC> ... </DOC>`` (anything before the first tag, such as a byte
        order mark, is ignored).

    Returns
    -------
    dict
        The keys of :data:`ANT_FIELDS` lowercased (``docno``, ``url``, ``src``, ``cat``,
        ``title``, ``time``, ``author``, ``abstract``, ``text``), each a str: ``''``
        when the tag is missing or empty. ``abstract`` and ``text`` keep one paragraph
        per line (lines stripped, blank lines dropped); the other fields are on one line
        with runs of whitespace collapsed. Entities are not decoded (ANT has none).

    Examples
    --------
    >>> doc = parse_ant_doc("<DOC><DOCNO>X-1</DOCNO><TITLE>A & B < C</TITLE><TEXT>one\\n\\ntwo")
    >>> doc["docno"], doc["title"], doc["text"], doc["url"]
    ('X-1', 'A & B < C', 'one\\ntwo', '')
    """
    # str.find is several times faster than a regex scan over the body, and this is the
    # hot loop of reading the corpus; tags in lower or mixed case take the slow path.
    opens = _opening_tags(text)
    if len(opens) < len(ANT_FIELDS):
        upper = _TAG.sub(_upper, text)
        if upper != text:
            text, opens = upper, _opening_tags(upper)
    doc_end = text.rfind("</DOC>")
    out = dict.fromkeys((name.lower() for name in ANT_FIELDS), "")
    for i, (pos, name) in enumerate(opens):
        start = pos + len(name) + 2
        limit = opens[i + 1][0] if i + 1 < len(opens) else (doc_end if doc_end >= start else len(text))
        close = text.find(f"</{name}>", start, limit)
        value = text[start:close if close >= 0 else limit]
        if name in ("ABSTRACT", "TEXT"):
            out[name.lower()] = _clean_block(value)
        else:
            out[name.lower()] = " ".join(value.split())
    return out


def parse_ant_time(value: str) -> _dt.datetime | None:
    """Parse an ANT ``TIME`` value into an aware UTC datetime.

    Accepts RFC 2822 (``Sun, 18 Feb 2018 20:50:44 GMT``, ``... +0400``, the weekday and
    seconds optional) and ISO 8601 with an offset (``2018-02-18T20:50:44+04:00``).

    Returns
    -------
    datetime or None
        ``None`` when ``value`` is empty, in another format, names an impossible date,
        or has no time zone (a naive time cannot be placed on the UTC axis).
    """
    value = value.strip()
    m = _RFC2822.match(value)
    if m:
        day, mon, year, hour, minute, second, zone = m.groups()
        month = _MONTHS.get(mon.lower())
        if month is None or zone is None:
            return None
        if zone in ("GMT", "UTC", "UT", "Z"):
            tz = _dt.timezone.utc
        else:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            tz = _dt.timezone(sign * _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        try:
            stamp = _dt.datetime(int(year), month, int(day), int(hour), int(minute), int(second or 0), tzinfo=tz)
        except ValueError:
            return None
        return stamp.astimezone(_dt.timezone.utc)
    try:
        stamp = _dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp.astimezone(_dt.timezone.utc) if stamp.tzinfo is not None else None


def abstract_in_body(abstract: str, body: str) -> bool:
    """Whether ``body`` already holds ``abstract``, so ``text`` need not repeat it.

    Whitespace is ignored (Alarabia's abstracts glue paragraphs together), as are trailing
    dots and ellipses and, for abstracts of four words or more, the last word (cut short
    when an outlet truncates the abstract at a character limit).

    Examples
    --------
    >>> abstract_in_body("one two three four fi", "Dateline -- one two\\nthree four five six")
    True
    >>> abstract_in_body("a summary", "the body")
    False
    """
    if body.startswith(abstract):  # the common case, without building whitespace-free copies
        return bool(abstract)
    words = abstract.split()
    if len(words) >= 4:
        words = words[:-1]
    key = "".join(words).rstrip(".\u2026")  # \u2026 HORIZONTAL ELLIPSIS
    return bool(key) and key in "".join(body.split())


def _record(doc: dict, *, source: str, section: str, fallback_id: str, stats: ReadStats,
            kept: collections.Counter) -> dict | None:
    """Turn :func:`parse_ant_doc` fields into a schema record (``None``: no text at all).

    ``source`` is the outlet as the corpus's folder names it (``BBC``, ``SkyNews``...);
    ``section`` is used when the document has no CAT. Skips go to ``stats``; anomalies of
    records that are kept go to ``kept`` (reported as ``stats.notes`` at the end).
    """
    title, abstract, body = doc["title"], doc["abstract"], doc["text"]
    if abstract and abstract_in_body(abstract, body):
        abstract = ""
    text = join_text(title, abstract, body)
    if not text:
        stats.skip("no title, abstract or text")
        return None
    published = parse_ant_time(doc["time"]) if doc["time"] else None
    if published is None:
        kept["unparsed time (kept with published=None)"] += 1
    if not body:
        kept["empty TEXT (kept: title/abstract only)"] += 1
    if not doc["docno"]:
        kept["missing DOCNO (file name used as id)"] += 1
    return make_record(
        id=doc["docno"] or fallback_id, text=text, title=title, body=body, url=doc["url"] or None,
        published=published, corpus="ant", source=source, section=doc["cat"] or section,
    )


def _decode(data: bytes, stats: ReadStats) -> str | None:
    """UTF-8 with or without a BOM; ``None`` (counted as skipped) when it is not UTF-8."""
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        stats.skip("not UTF-8")
        return None
    stats.encodings[encoding] += 1
    return text


def _layout(parts: tuple[str, ...]) -> tuple[str, str] | None:
    """``(source, section)`` from a member path ``.../<Source>/<section>/<DOCNO>.txt``.

    ``None`` for other files (``README.md``) and hidden ones (``__MACOSX/.../._X.txt``).
    """
    if not parts[-1].lower().endswith(".txt") or any(p.startswith(".") for p in parts[1:]):
        return None
    return (parts[-3], parts[-2]) if len(parts) >= 3 else ("", "")


def _zip_members(path: Path) -> Iterator[tuple[tuple[str, ...], Callable[[], bytes]]]:
    """``(path parts, read)`` for each file of the archive, sorted by path parts."""
    with zipfile.ZipFile(path) as zf:
        infos = sorted((tuple(i.filename.split("/")), i) for i in zf.infolist() if not i.is_dir())
        for parts, info in infos:
            yield parts, functools.partial(zf.read, info)


def _tree_members(root: Path) -> Iterator[tuple[tuple[str, ...], Callable[[], bytes]]]:
    """``(path parts, read)`` for each ``*.txt`` under ``root``, sorted; parts start with ``root.name``."""
    files = sorted(p.relative_to(root).parts for p in root.rglob("*.txt") if p.is_file())
    base = (root.name,)  # so that root itself can be the <Source> folder
    for parts in files:
        yield base + parts, (root.joinpath(*parts)).read_bytes


def read_ant(spec, *, stats: ReadStats, data_dir: str | os.PathLike | None = None) -> Iterator[dict]:
    """Yield one schema record per ANT article.

    Parameters
    ----------
    spec : CorpusSpec
        ``spec.path`` is the archive or a folder holding the tree (the
        ``antcorpus.multisource.data-master`` folder, a folder containing it, or one
        ``<Source>`` folder). Without it the corpus is looked up in the data folder and
        the download cache (:func:`arclf.corpus.base.find_data`).
    stats : ReadStats
        Filled while reading: ``read``, ``skipped`` (reason -> count), ``encodings``, and
        ``notes`` for kept anomalies (unparsed TIME, empty TEXT, missing DOCNO).
    data_dir : path, optional
        Folder holding the corpora (default ``$ARCLF_DATA``).

    Yields
    ------
    dict
        A record (:data:`arclf.corpus.schema.FIELDS`): ``id`` = DOCNO, ``source`` = the outlet
        folder (``Alarabia``, ``BBC``, ``CNN``, ``France24``, ``SkyNews``: the keys of
        ``arclf/resources/labels/ant.yaml``), ``section`` = CAT, ``text`` = title, abstract
        (unless the body holds it) and body, ``published`` = TIME in UTC.

    Raises
    ------
    DataError
        The corpus is not found (the message names ``ARCLF_DATA`` and ``arclf data fetch ant``),
        or the archive is not a zip file.
    """
    entry = corpus_entry("ant")
    path = find_data(spec.path, list(entry.candidates), what="ANT corpus", data_dir_=data_dir, fetch_hint=entry.fetch_hint)
    if path.is_dir():
        members = _tree_members(path)
    elif zipfile.is_zipfile(path):
        members = _zip_members(path)
    else:
        raise DataError(f"ANT corpus: {path} is neither a zip archive nor a folder; pass the .zip or the unpacked folder")
    kept: collections.Counter = collections.Counter()
    for parts, read in members:
        where = _layout(parts)
        if where is None:
            continue
        if not all(where):
            stats.skip("not in a <Source>/<section>/ folder")
            continue
        text = _decode(read(), stats)
        if text is None:
            continue
        if not _TAG.search(text):
            stats.skip("not an ANT document (no tags)")
            continue
        doc = parse_ant_doc(text)
        rec = _record(doc, source=where[0], section=where[1], fallback_id=parts[-1][:-4], stats=stats, kept=kept)
        if rec is not None:
            stats.read += 1
            yield rec
    stats.notes.extend(f"ant: {what}: {n}" for what, n in sorted(kept.items()))
