"""Parser and reader for article pages as a scraper saved them (plain text, one page a file).

The layout, from ``seeds/000_26ca645f85f02cb2.txt`` (a Libyan news site)::

    <home> <section> <column> | <title>        breadcrumb line
    <column> | <title>                         the title again, prefixed by the column
    <weekday> <day> <month name> <year> - <h:mm> <AM/PM mark>
    <body paragraphs ...>
    <trailer: source label, tags, comment form>

:func:`parse_page` splits a page into title, date, breadcrumb sections, body and trailer;
:func:`looks_like_page` is the cheap test that picks this parser for ``arclf predict``
input; :func:`read_pages` reads a folder of pages as a corpus.

Arabic words are written as ``\\uXXXX`` escapes (house style); each table says what its
words are. Matching is done on a folded form (:func:`fold`) so that spelling variants of
hamza, alef, teh marbuta and alef maksura need no table entries of their own.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from pathlib import Path
from typing import Iterator

from arclf.errors import DataError, InputError
from arclf.corpus.schema import join_text, make_record
from arclf.corpus.base import ReadStats, undecodable_reason
from arclf.text.decode import decode_bytes
from arclf.text.normalize import normalize_text
from arclf.util.files import list_files

__all__ = ["fold", "parse_arabic_date", "parse_page", "looks_like_page", "read_pages"]

#: The normalization steps :func:`fold` applies (a subset of :data:`arclf.text.normalize.STEPS`).
_FOLD_STEPS = ("tashkeel", "tatweel", "alef", "alef_maksura", "teh_marbuta", "digits", "lowercase")


def fold(text: str) -> str:
    """Fold spelling variants for matching: alef forms, teh marbuta, alef maksura, marks.

    Also maps Arabic-Indic digits to ASCII and lowercases. Only for comparisons: the
    parsed fields keep the page's own spelling.
    """
    return normalize_text(text, _FOLD_STEPS)


#: Month name (folded) -> number. Three naming systems are in use across the Arab world.
MONTHS = {
    # Egypt, Gulf, Libya, Sudan: names from the Latin months
    "\u064a\u0646\u0627\u064a\u0631": 1,  # yanayir, January
    "\u0641\u0628\u0631\u0627\u064a\u0631": 2,  # fibrayir, February
    "\u0645\u0627\u0631\u0633": 3,  # maris, March
    "\u0627\u0628\u0631\u064a\u0644": 4,  # abril, April
    "\u0645\u0627\u064a\u0648": 5,  # mayu, May
    "\u064a\u0648\u0646\u064a\u0648": 6,  # yunyu, June
    "\u064a\u0648\u0646\u064a\u0647": 6,  # yunyah, June (variant)
    "\u064a\u0648\u0644\u064a\u0648": 7,  # yulyu, July
    "\u064a\u0648\u0644\u064a\u0647": 7,  # yulyah, July (variant)
    "\u0627\u063a\u0633\u0637\u0633": 8,  # aghustus, August
    "\u0633\u0628\u062a\u0645\u0628\u0631": 9,  # sibtambar, September
    "\u0627\u0643\u062a\u0648\u0628\u0631": 10,  # uktubar, October
    "\u0646\u0648\u0641\u0645\u0628\u0631": 11,  # nufambar, November
    "\u062f\u064a\u0633\u0645\u0628\u0631": 12,  # disambar, December
    # Algeria and Tunisia: names from French; Morocco: its own forms
    "\u062c\u0627\u0646\u0641\u064a": 1,  # janfi, janvier
    "\u0641\u064a\u0641\u0631\u064a": 2,  # fifri, fevrier
    "\u0627\u0641\u0631\u064a\u0644": 4,  # afril, avril
    "\u0645\u0627\u064a": 5,  # may, mai
    "\u062c\u0648\u0627\u0646": 6,  # jwan, juin
    "\u062c\u0648\u064a\u0644\u064a\u0647": 7,  # juwilyah, juillet
    "\u0627\u0648\u062a": 8,  # ut, aout
    "\u064a\u0648\u0644\u064a\u0648\u0632": 7,  # yulyuz, July (Morocco)
    "\u063a\u0634\u062a": 8,  # ghusht, August (Morocco)
    "\u0634\u062a\u0646\u0628\u0631": 9,  # shutanbar, September (Morocco)
    "\u0646\u0648\u0646\u0628\u0631": 11,  # nunbar, November (Morocco)
    "\u062f\u062c\u0646\u0628\u0631": 12,  # dujanbar, December (Morocco)
    # Levant and Iraq: Syriac names
    "\u0643\u0627\u0646\u0648\u0646 \u0627\u0644\u062b\u0627\u0646\u064a": 1,  # kanun al-thani, January
    "\u0634\u0628\u0627\u0637": 2,  # shubat, February
    "\u0627\u0630\u0627\u0631": 3,  # adhar, March
    "\u0646\u064a\u0633\u0627\u0646": 4,  # nisan, April
    "\u0627\u064a\u0627\u0631": 5,  # ayyar, May
    "\u062d\u0632\u064a\u0631\u0627\u0646": 6,  # haziran, June
    "\u062a\u0645\u0648\u0632": 7,  # tammuz, July
    "\u0627\u0628": 8,  # ab, August
    "\u0627\u064a\u0644\u0648\u0644": 9,  # aylul, September
    "\u062a\u0634\u0631\u064a\u0646 \u0627\u0644\u0627\u0648\u0644": 10,  # tishrin al-awwal, October
    "\u062a\u0634\u0631\u064a\u0646 \u0627\u0644\u062b\u0627\u0646\u064a": 11,  # tishrin al-thani, November
    "\u0643\u0627\u0646\u0648\u0646 \u0627\u0644\u0627\u0648\u0644": 12,  # kanun al-awwal, December
}

#: Afternoon / morning marks after a clock time (folded).
_PM = {"\u0645", "\u0645\u0633\u0627\u0621", "pm", "p.m."}  # meem (masa'an), masa' (evening)
_AM = {"\u0635", "\u0635\u0628\u0627\u062d\u0627", "\u0635\u0628\u0627\u062d", "am", "a.m."}  # sad (sabahan), sabahan, sabah

#: Breadcrumb home items (folded): al-ra'isiya, al-safha al-ra'isiya ("home page"), Home.
_HOME = ("\u0627\u0644\u0635\u0641\u062d\u0647 \u0627\u0644\u0631\u0626\u064a\u0633\u064a\u0647",
         "\u0627\u0644\u0631\u0626\u064a\u0633\u064a\u0647", "home")

#: Trailer labels (folded): a line that is one of these, alone or followed by ``:`` and a value.
_TRAILER_LABELS = (
    "\u0627\u0644\u0645\u0635\u062f\u0631",  # al-masdar, "source"
    "\u0648\u0633\u0648\u0645",  # wusum, "tags"
    "\u0627\u0644\u0648\u0633\u0648\u0645",  # al-wusum, "the tags"
    "\u0643\u0644\u0645\u0627\u062a \u0645\u0641\u062a\u0627\u062d\u064a\u0647",  # kalimat miftahiya, "keywords"
    "\u0627\u0644\u0643\u0644\u0645\u0627\u062a \u0627\u0644\u0645\u0641\u062a\u0627\u062d\u064a\u0647",  # al-kalimat al-miftahiya
    "\u0627\u0636\u0627\u0641\u0647 \u062a\u0639\u0644\u064a\u0642",  # idafat ta'liq, "add a comment"
    "\u0627\u0636\u0641 \u062a\u0639\u0644\u064a\u0642",  # adif ta'liq, "add a comment"
    "\u0627\u062a\u0631\u0643 \u062a\u0639\u0644\u064a\u0642\u0627",  # utruk ta'liqan, "leave a comment"
    "\u0627\u0644\u062a\u0639\u0644\u064a\u0642\u0627\u062a",  # al-ta'liqat, "comments"
    "\u0634\u0627\u0631\u0643",  # sharik, "share"
    "\u0627\u0642\u0631\u0627 \u0627\u064a\u0636\u0627",  # iqra' aydan, "read also"
    "\u0645\u0642\u0627\u0644\u0627\u062a \u0630\u0627\u062a \u0635\u0644\u0647",  # maqalat dhat sila, "related articles"
    "\u0627\u062e\u0628\u0627\u0631 \u0630\u0627\u062a \u0635\u0644\u0647",  # akhbar dhat sila, "related news"
)
#: Trailer sentences (folded prefixes): "your e-mail address will not be published".
_TRAILER_SENTENCES = ("\u0644\u0646 \u064a\u062a\u0645 \u0646\u0634\u0631 \u0639\u0646\u0648\u0627\u0646 \u0628\u0631\u064a\u062f\u0643",)

_TRAILER_LINE = re.compile(
    r"^(?:%s)\s*(?::.{0,120})?$|^(?:%s)" % ("|".join(_TRAILER_LABELS), "|".join(_TRAILER_SENTENCES))
)
_DATE = re.compile(
    r"(?<!\d)(\d{1,2})\s+([^\d]{2,30}?)\s*[,\u060c]?\s+(\d{4})(?!\d)"  # \u060c ARABIC COMMA
    r"(?:\s*[-\u2013,\u060c|]?\s*(?:\u0627\u0644\u0633\u0627\u0639\u0647\s*)?"  # \u2013 EN DASH; al-sa'a, "o'clock"
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(\S+)?)?"
)
_LINE_BREAK = re.compile(r"\r\n|[\n\r\u2028\u2029\x0b\x0c\x85]")  # \u2028 LINE SEPARATOR, \u2029 PARAGRAPH SEPARATOR
_CRUMB_SEPARATORS = re.compile(r"\s*[\u203a\u00bb>/\\\u2039\u00ab]\s*")  # \u203a \u2039 SINGLE ANGLE QUOTES, \u00bb \u00ab GUILLEMETS
_BAR = "|"

#: A date line is short; a longer line holding a date is a body sentence.
_DATE_LINE_MAX = 60
#: In the run of lines closing a page, lines this short may sit between trailer labels (tag values).
_TRAILER_SHORT = 40


def parse_arabic_date(text: str) -> _dt.datetime | None:
    """Find a date written with an Arabic month name, with an optional clock time.

    Handles ``<weekday> 28 <month> 2019 - 9:22 <PM mark>``, Arabic-Indic digits, all
    three month naming systems of :data:`MONTHS` (also ``<Syriac>/<Latin>`` pairs), and
    the AM/PM marks ``\\u0635``/``\\u0645`` (sad, meem), ``sabahan``/``masa'an`` or am/pm.

    Returns
    -------
    datetime or None
        Naive: the page's own local (wall-clock) time, since a page gives no time zone (for a
        Libyan site it is likely UTC+2); it is not converted to UTC. ``None`` when no valid
        date is found.
    """
    folded = fold(text)
    for m in _DATE.finditer(folded):
        day, month_text, year, hour, minute, second, mark = m.groups()
        month = next((MONTHS[p.strip()] for p in month_text.split("/") if p.strip() in MONTHS), None)
        if month is None:
            continue
        h = int(hour or 0)
        if mark in _PM and h < 12:
            h += 12
        elif mark in _AM and h == 12:
            h = 0
        try:
            return _dt.datetime(int(year), month, int(day), h, int(minute or 0), int(second or 0))  # the page's wall clock
        except ValueError:
            continue
    return None


def _lines(text: str) -> list[str]:
    """Non-empty stripped lines (any line break, including U+2028)."""
    return [line for line in (part.strip() for part in _LINE_BREAK.split(text.lstrip("\ufeff"))) if line]


def _strip_home(crumbs: list[str]) -> list[str]:
    """Drop the leading home item (one or two words) from the breadcrumb words."""
    joined = fold(" ".join(crumbs))
    for home in _HOME:
        if joined == home or joined.startswith(home + " "):
            return crumbs[len(home.split()):]
    return crumbs


def split_breadcrumb(crumbs: str, column: str = "") -> list[str]:
    """Breadcrumb items, without the home item.

    With explicit separators (``>``, ``/``, ``\\u203a``, guillemets) the items are split on
    them. Without (the seed page: items separated by single spaces, so a two-word column
    such as "Washington Post" cannot be told apart from two items), the rule is:

    1. if ``column`` (the label before ``|`` on the repeated title line) ends the
       breadcrumb, it is the last item and everything between home and it is ONE section
       item (so multi-word sections stay whole);
    2. otherwise the first word is the section and the remaining words are one column item.

    Limits: without separators and without the repeated title line, a multi-word section
    is split wrongly by rule 2, and a breadcrumb with more than two levels is folded into
    two items.
    """
    if _CRUMB_SEPARATORS.search(crumbs):
        items = [item for item in _CRUMB_SEPARATORS.split(crumbs.strip()) if item]
        if items and fold(items[0]) in _HOME:
            items = items[1:]
        return items
    words = _strip_home(crumbs.split())
    if column and words and " ".join(words).endswith(column):
        section = " ".join(words)[: -len(column)].strip()
        return [section, column] if section else [column]
    return [words[0], " ".join(words[1:])] if len(words) > 1 else words


def _trailer_start(lines: list[str], first: int) -> int:
    """Index where the trailer starts: the earliest trailer label in the closing run of
    labels and short lines (a mid-body "Source: ..." line followed by paragraphs is body)."""
    start = len(lines)
    for i in range(len(lines) - 1, first - 1, -1):
        if _TRAILER_LINE.match(fold(lines[i])):
            start = i
        elif len(lines[i]) > _TRAILER_SHORT:
            break
    return start


def parse_page(text: str) -> dict:
    """Split a saved article page into title, date, breadcrumb sections, body and trailer.

    Parameters
    ----------
    text : str
        The page (see the module docstring for the layout). CRLF, U+2028 and blank lines
        are accepted anywhere.

    Returns
    -------
    dict
        ``title`` : str -- the part after ``|`` on the breadcrumb line (else the second line).
        ``published`` : datetime or None -- from the date line (:func:`parse_arabic_date`):
        naive local time, as pages carry no time zone.
        ``column`` : str or None -- the label before ``|`` on the title line: on translated
        reports, the outlet the report comes from (``واشنطن بوست``), i.e. its attribution.
        ``sections`` : list of str -- breadcrumb items without home (:func:`split_breadcrumb`),
        e.g. ``[section, column]``.
        ``body`` : str -- the paragraphs, one per line (a line between the title and the
        date line, such as an author line, is dropped).
        ``trailer`` : str -- the dropped site trailer (source label, tags, comment form),
        one line each; ``''`` if none.
    """
    lines = _lines(text)
    out = {"title": "", "column": None, "published": None, "sections": [], "body": "", "trailer": ""}
    if not lines:
        return out
    crumbs, bar, title = lines[0].partition(_BAR)
    title, column, i = title.strip(), "", 1
    if i < len(lines):
        label, bar2, repeated = lines[i].partition(_BAR)
        if bar and bar2 and repeated.strip() == title:
            column, i = label.strip(), i + 1
        elif bar and lines[i] == title:
            i += 1
        elif not bar:
            title, i = lines[i], i + 1
    out["title"] = title
    out["column"] = column or None
    out["sections"] = split_breadcrumb(crumbs, column)
    for j in range(i, min(i + 2, len(lines))):
        if len(lines[j]) <= _DATE_LINE_MAX and (stamp := parse_arabic_date(lines[j])) is not None:
            out["published"], i = stamp, j + 1
            break
    end = _trailer_start(lines, i)
    out["body"] = "\n".join(lines[i:end])
    out["trailer"] = "\n".join(lines[end:])
    return out


def looks_like_page(text: str) -> bool:
    """Cheap test: is ``text`` a saved page that :func:`parse_page` understands?

    True when the first line starts with a home breadcrumb item, or when the first line
    holds ``|`` and a date line follows within the next four lines. Looks at the first
    2,000 characters only.
    """
    lines = _lines(text[:2000])[:5]
    if not lines:
        return False
    if _strip_home(lines[0].split()) != lines[0].split():
        return True
    return _BAR in lines[0] and any(
        len(line) <= _DATE_LINE_MAX and parse_arabic_date(line) is not None for line in lines[1:]
    )


def _page_files(path: Path) -> list[Path]:
    """The file itself, or a folder's files (recursively, sorted, hidden ones skipped)."""
    if path.is_file():
        return [path]
    return [path / rel for rel in list_files(path)]


def read_pages(spec, *, stats: ReadStats, data_dir: str | os.PathLike | None = None) -> Iterator[dict]:
    """Yield one schema record per saved page in a folder (or one file).

    Parameters
    ----------
    spec : CorpusSpec
        ``spec.path`` (required): a page file or a folder of them, read recursively.
        ``spec.corpus`` names the corpus (default ``'pages'``).
    stats : ReadStats
        ``read``, ``encodings`` and ``skipped`` (binary or undecodable files, files that do
        not look like pages, pages without text).
    data_dir : path, optional
        Unused (pages are always given by path); accepted like every reader.

    Yields
    ------
    dict
        A record: ``id`` = the file's path relative to the folder (its name for a single
        file), ``section`` = first breadcrumb item, ``source`` = last breadcrumb item when
        there are two or more (the column, e.g. the newspaper a report is translated from),
        ``text`` = title and body, ``published`` from the date line.

    Raises
    ------
    DataError
        ``spec.path`` is missing or does not exist.
    """

    if spec.path is None:
        raise DataError("pages: set `path` to a saved page or a folder of them")
    root = Path(spec.path).expanduser()
    if not root.exists():
        raise DataError(f"pages: {root} does not exist; check the path")
    for file in _page_files(root):
        try:
            text, encoding = decode_bytes(file.read_bytes(), name=str(file))
        except InputError as exc:
            stats.skip(undecodable_reason(exc), item=file.name)
            continue
        stats.encodings[encoding] += 1
        if not looks_like_page(text):
            stats.skip("not a saved page", item=file.name)
            continue
        page = parse_page(text)
        if not join_text(page["title"], page["body"]):
            stats.skip("page without title or body", item=file.name)
            continue
        sections = page["sections"]
        stats.read += 1
        published = page["published"]
        if published is not None:  # the schema's timestamps are UTC; a page's has no zone
            if not any(n.startswith("page times") for n in stats.notes):
                stats.notes.append("page times carry no time zone: their local time is stored as if it were UTC")
            published = published.replace(tzinfo=_dt.timezone.utc)
        yield make_record(
            id=file.name if file == root else file.relative_to(root).as_posix(),
            title=page["title"], body=page["body"], published=published,
            corpus=spec.corpus or "pages", section=sections[0] if sections else None,
            source=sections[-1] if len(sections) > 1 else None,
        )
