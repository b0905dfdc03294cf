"""Reading the articles to classify: decoding bytes and telling input formats apart.

:func:`decode_bytes` turns a file's bytes into text (UTF-8 with or without BOM, UTF-16 and
UTF-32 with or without BOM, Windows-1256, ISO-8859-6, then whatever charset-normalizer
finds). :func:`iter_inputs` reads files, folders and standard input, recognises four
formats per file and yields one dict per article:

=========  ===========================================================================
format     what the file is
=========  ===========================================================================
``ant``    ANT / TREC pseudo-XML, ``<DOC> ... </DOC>`` (one or more documents)
``jsonl``  one JSON object a line with ``text`` (and optional ``id``, ``title``);
           a ``.json`` file may also be one object or a list of objects
``page``   an article page as a scraper saved it (:mod:`arclf.corpus.pages`)
``text``   anything else: the whole file is ONE article
=========  ===========================================================================

Every problem is an :class:`~arclf.errors.InputError` whose one-line message names the
file (and line) and says what to do.
"""

from __future__ import annotations

import codecs
import json
import re
import sys
from pathlib import Path
from typing import IO, Iterator

from arclf.corpus.ant import abstract_in_body, parse_ant_doc, parse_ant_time
from arclf.corpus.pages import looks_like_page, parse_page
from arclf.errors import InputError
from arclf.corpus.schema import join_text

__all__ = ["has_arabic", "decode_bytes", "iter_inputs", "read_input"]

#: Arabic letters (not digits, punctuation or marks): the Arabic block, Arabic Supplement,
#: Arabic Extended-A and the presentation forms.
_ARABIC_LETTER = re.compile(
    "[\u0620-\u063f\u0641-\u064a"  # ARABIC LETTER KASHMIRI YEH .. YEH, without \u0640 ARABIC TATWEEL
    "\u066e\u066f\u0671-\u06d3\u06d5"  # DOTLESS BEH, DOTLESS QAF, ALEF WASLA .. YEH BARREE WITH HAMZA, AE
    "\u06ee\u06ef\u06fa-\u06fc\u06ff"  # DAL/REH WITH INVERTED V, SHEEN/DAD/GHAIN WITH DOT BELOW, HEH WITH INVERTED V
    "\u0750-\u077f"  # Arabic Supplement (letters)
    "\u08a0-\u08c9"  # Arabic Extended-A (letters)
    "\ufb50-\ufd3d\ufd50-\ufdfb"  # Arabic Presentation Forms-A (letters and ligatures, not the ornate parentheses)
    "\ufe80-\ufefc]"  # Arabic Presentation Forms-B (letters, not the spacing marks \ufe70-\ufe7f)
)
#: C0 control characters that never occur in text (tab, line feed, form feed, carriage return do).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_LETTER = re.compile(r"[^\W\d_]")
_LATIN1_LETTER = re.compile("[\u00c0-\u00ff]")  # LATIN CAPITAL LETTER A WITH GRAVE .. SMALL Y WITH DIAERESIS
#: What plain Arabic or Latin text is NOT made of: used to pick a BOM-less UTF-16 byte order
#: (a wrong order turns Arabic and ASCII into CJK, dingbats, Gurmukhi...).
_NOT_TEXT_LIKE = re.compile(
    "[^\t\n\r\x0b\x0c\x20-\x7e\xa0-\u07ff"  # printable ASCII, Latin, Greek, Cyrillic, Hebrew, Arabic...
    "\u200c-\u200f\u2010-\u2027"  # ZERO WIDTH NON-JOINER .. RIGHT-TO-LEFT MARK, dashes, quotes, ellipsis
    "\ufb50-\ufeff]"  # Arabic presentation forms .. ZERO WIDTH NO-BREAK SPACE
)
#: Line breaks folded to ``\n`` inside an article (\u2028 LINE SEPARATOR, \u2029 PARAGRAPH SEPARATOR).
_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")  # \x85 NEXT LINE
#: What "only whitespace" means: Unicode spaces plus invisible format characters.
_BLANK = re.compile("[\\s\u200b-\u200f\u2060\ufeff]*")  # ZERO WIDTH SPACE .. RIGHT-TO-LEFT MARK, WORD JOINER, BOM
_DOC_START = re.compile(r"(?i)(?=<DOC>)")

#: Byte order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: Legacy Arabic code pages tried, in order, on bytes that are not UTF-8 or UTF-16.
_LEGACY_ARABIC = ("cp1256", "iso8859-6")
#: Arabic-script code pages charset-normalizer must not pick once those above have failed:
#: they turn accented Latin letters into Arabic ones (``'\xe9'`` is a letter in cp1006).
_ARABIC_CODEPAGES = ["cp1256", "iso8859_6", "cp720", "cp864", "cp1006"]
#: Share of text-like characters a BOM-less UTF-16 reading needs to be accepted.
_UTF16_MIN = 0.95
#: Share of C0 control characters above which decoded bytes are called binary.
_CONTROL_MAX = 0.01


def has_arabic(text: str) -> bool:
    """Whether ``text`` holds at least one Arabic letter (digits and punctuation do not count).

    Examples
    --------
    >>> has_arabic("\\u0628\\u064a\\u062a"), has_arabic("123 \\u060c hello")  # BEH YEH TEH; ARABIC COMMA
    (True, False)
    """
    return _ARABIC_LETTER.search(text) is not None


def _arabic_share(text: str) -> tuple[float, float]:
    """(Arabic letters, Latin-1 accented letters) as shares of all letters in ``text``."""
    letters = len(_LETTER.findall(text)) or 1
    return len(_ARABIC_LETTER.findall(text)) / letters, len(_LATIN1_LETTER.findall(text)) / letters


def _bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """Read ``data`` as UTF-16 (or UTF-32) without a byte order mark, if that gives text.

    Wrong byte orders turn Arabic and ASCII into CJK, dingbats and Gurmukhi, so the reading
    whose characters are nearly all Latin, Arabic or common punctuation wins.
    """
    if len(data) % 2:
        return None
    best = None
    for encoding in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")[: 4 if len(data) % 4 == 0 else 2]:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        share = 1 - len(_NOT_TEXT_LIKE.findall(text)) / max(len(text), 1)
        if share >= _UTF16_MIN and (best is None or share > best[0]):
            best = (share, text, encoding)
    return (best[1], best[2]) if best else None


def _legacy(data: bytes) -> tuple[str, str] | None:
    """Decode with a legacy Arabic code page when that yields Arabic, else charset-normalizer.

    charset-normalizer alone often calls Windows-1256 Arabic ``cp1252`` or a Mac code page;
    an Arabic code page wins when most letters come out Arabic and few come out as the
    accented Latin letters a wrong Arabic code page produces (ISO-8859-6 read as cp1256).
    """
    for encoding in _LEGACY_ARABIC:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        arabic, latin1 = _arabic_share(text)
        if arabic >= 0.5 and latin1 < 0.02:
            return text, encoding
    from charset_normalizer import from_bytes  # slow to import: only for the rare leftovers

    best = from_bytes(data, cp_exclusion=_ARABIC_CODEPAGES).best()
    return (str(best), best.encoding) if best is not None else None


def _binary(text: str) -> bool:
    """Too many control characters for text."""
    return len(_CONTROL.findall(text)) > _CONTROL_MAX * len(text)


def decode_bytes(data: bytes, *, name: str) -> tuple[str, str]:
    """Decode a text file's bytes, detecting the encoding.

    Order: a byte order mark (UTF-8, UTF-16, UTF-32); UTF-16 without BOM when there are NUL
    bytes (or when the UTF-8 reading is full of control characters); UTF-8; the Arabic code
    pages Windows-1256 then ISO-8859-6, each only if most letters come out Arabic; last,
    charset-normalizer's best guess among non-Arabic code pages (so a French Latin-1 file
    decodes to French and is then refused for having no Arabic letters). The DOS Arabic
    code pages (720, 864) are not detected. A leading BOM is removed.

    Parameters
    ----------
    data : bytes
        The file's content.
    name : str
        Shown in error messages (a path, ``<stdin>``...).

    Returns
    -------
    text : str
    encoding : str
        Python codec name: ``utf-8``, ``utf-8-sig``, ``utf-16-le``, ``utf-16-be``,
        ``utf-32-le``, ``utf-32-be``, ``cp1256``, ``iso8859-6`` or charset-normalizer's.

    Raises
    ------
    InputError
        Binary data (NUL bytes that are not UTF-16, or control characters) or bytes no
        encoding reads.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding.replace("-sig", "")), encoding
            except UnicodeDecodeError as exc:
                raise InputError(f"{name}: starts with a {encoding} byte order mark but is not valid {encoding} "
                                 f"(byte {exc.start + len(bom)}); re-save it as UTF-8") from None
    if b"\x00" in data:
        found = _bomless_utf16(data)
        if found is None:
            raise InputError(f"{name}: binary data (NUL bytes), not text; "
                             f"give a text file (UTF-8), e.g. the article copied into a .txt file")
        return found
    try:
        found = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        found = None
    if found is None or _binary(found[0]):  # Arabic UTF-16 with no ASCII in it is valid (control-ridden) UTF-8
        found = _bomless_utf16(data) or (found if found else _legacy(data))
    if found is None or _binary(found[0]):
        raise InputError(f"{name}: binary or undecodable data, not text in UTF-8, UTF-16 or Windows-1256; "
                         f"re-save it as UTF-8 text")
    return found


def _record(rec_id: str, text: str, *, fmt: str, encoding: str, path: str, where: str,
            title: str | None = None, published=None, sections: list | None = None) -> dict:
    """One input dict; ``where`` (file or file:line) names the input in errors."""
    text = _BREAKS.sub("\n", text).strip()
    if not text:
        raise InputError(f"{where}: no text to classify; give the article's text")
    if not has_arabic(text):
        raise InputError(f"{where}: no Arabic letters; arclf classifies Arabic text (check the file, or its encoding)")
    return {"id": rec_id, "text": text, "title": title, "published": published, "sections": sections or [],
            "format": fmt, "encoding": encoding, "path": path}


def _skipping(make, skipped: list | None):
    """``make()``'s record, or None after noting its InputError in ``skipped`` (when given)."""
    try:
        return make()
    except InputError as exc:
        if skipped is None:
            raise
        skipped.append((str(exc).split(": ", 1)[0], str(exc)))
        return None


def _ant_records(text: str, name: str, encoding: str, skipped: list | None = None) -> Iterator[dict]:
    docs = [d for d in _DOC_START.split(text) if d.strip()]
    for k, raw in enumerate(docs, 1):
        doc = parse_ant_doc(raw)
        abstract = "" if abstract_in_body(doc["abstract"], doc["text"]) else doc["abstract"]
        where = name if len(docs) == 1 else f"{name}: document {k}"
        rec_id = doc["docno"] or (name if len(docs) == 1 else f"{name}:{k}")
        rec = _skipping(lambda: _record(rec_id, join_text(doc["title"], abstract, doc["text"]), fmt="ant", encoding=encoding,
                                        path=name, where=where, title=doc["title"] or None,
                                        published=parse_ant_time(doc["time"]), sections=[doc["cat"]] if doc["cat"] else []),
                        skipped)
        if rec is not None:
            yield rec


def _json_record(obj, where: str, fallback_id: str, name: str, encoding: str) -> dict:
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object such as {{\"id\": \"a1\", \"text\": \"...\"}}, "
                         f"got {type(obj).__name__}")
    text, title = obj.get("text"), obj.get("title")
    if not isinstance(text, str):
        raise InputError(f"{where}: the JSON object has no \"text\" string; each line needs one, e.g. {{\"text\": \"...\"}}")
    title = title if isinstance(title, str) and title.strip() else None
    rec_id = str(obj["id"]) if obj.get("id") is not None else fallback_id
    return _record(rec_id, join_text(title, text), fmt="jsonl", encoding=encoding, path=name, where=where, title=title)


def _json_records(text: str, name: str, encoding: str, skipped: list | None = None) -> Iterator[dict]:
    if name.lower().endswith(".json"):
        try:
            whole = json.loads(text)
        except json.JSONDecodeError:
            whole = None  # maybe JSON Lines in a .json file: read line by line below
        if isinstance(whole, (dict, list)):
            items = whole if isinstance(whole, list) else [whole]
            for k, obj in enumerate(items, 1):
                rec = _skipping(lambda: _json_record(obj, f"{name}: item {k}", f"{name}:{k}", name, encoding), skipped)
                if rec is not None:
                    yield rec
            return
    for lineno, line in enumerate(text.split("\n"), 1):  # not splitlines: U+2028 is legal inside JSON strings
        if not line.strip():
            continue

        def make():
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{name}:{lineno}: invalid JSON at column {exc.colno} ({exc.msg}); "
                                 f"each line must be one JSON object such as {{\"id\": \"a1\", \"text\": \"...\"}}") from None
            return _json_record(obj, f"{name}:{lineno}", f"{name}:{lineno}", name, encoding)

        rec = _skipping(make, skipped)
        if rec is not None:
            yield rec


def _is_json(text: str, name: str) -> bool:
    """JSON(L): by the file's suffix, or a first line that is a JSON object."""
    if name.lower().endswith((".jsonl", ".ndjson", ".json")):
        return True
    first = text.lstrip().split("\n", 1)[0]
    if not first.startswith("{"):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except json.JSONDecodeError:
        return False


def read_input(data: bytes | str, *, name: str, encoding: str | None = None, skipped: list | None = None) -> Iterator[dict]:
    """Yield the articles of one input (a file's bytes, or text already decoded).

    Parameters
    ----------
    data : bytes or str
        The content; bytes are decoded with :func:`decode_bytes`.
    name : str
        The file's path (or ``-``): used for ids, the ``path`` field and error messages.
    encoding : str, optional
        Recorded as ``encoding`` when ``data`` is already text (default ``'text'``).
    skipped : list, optional
        When given, a bad record of a file of several (a JSONL line, an ANT document) is
        skipped and ``(where, reason)`` appended here, instead of raising.

    Yields
    ------
    dict
        ``id``, ``text``, ``title``, ``published``, ``sections``, ``format``,
        ``encoding``, ``path`` (see :func:`iter_inputs`).

    Raises
    ------
    InputError
        Empty, whitespace only, binary, undecodable, invalid JSON (named ``file:line``),
        or a text without Arabic letters.
    """
    if not data:
        raise InputError(f"{name}: empty file; give a file holding the article's text")
    if isinstance(data, bytes):
        text, encoding = decode_bytes(data, name=name)
    else:
        text, encoding = data.lstrip("\ufeff"), encoding or "text"
    if _BLANK.fullmatch(text):
        raise InputError(f"{name}: holds only whitespace; give a file holding the article's text")
    if text.lstrip()[:5].upper() == "<DOC>":
        yield from _ant_records(text, name, encoding, skipped)
    elif _is_json(text, name):
        yield from _json_records(text, name, encoding, skipped)
    elif looks_like_page(text):
        page = parse_page(text)
        yield _record(name, join_text(page["title"], page["body"]), fmt="page", encoding=encoding, path=name, where=name,
                      title=page["title"] or None, published=page["published"], sections=page["sections"])
    else:
        yield _record(name, text, fmt="text", encoding=encoding, path=name, where=name)


def _folder_files(folder: Path) -> list[Path]:
    """A folder's files, recursively, sorted, without hidden files or folders."""
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _read_stdin(stdin: IO | None) -> bytes | str:
    stream = sys.stdin if stdin is None else stdin
    stream = getattr(stream, "buffer", stream)  # read bytes when we can, to detect the encoding
    return stream.read()


def iter_inputs(paths: list[str | Path], *, stdin: IO | None = None, skipped: list | None = None) -> Iterator[dict]:
    """Yield the articles to classify from files, folders and standard input.

    Parameters
    ----------
    paths : list of str or Path
        Each a file, a folder (its files, recursively and sorted; hidden files and
        folders skipped) or ``"-"`` for standard input.
    stdin : file object, optional
        What ``"-"`` reads (default ``sys.stdin``): a binary stream (decoded with
        :func:`decode_bytes`) or a text stream.

    Yields
    ------
    dict
        One per article: ``id`` (ANT: DOCNO; JSONL: its ``id`` or ``<file>:<line>``;
        otherwise the path), ``text`` (what is classified; CRLF, CR and U+2028/U+2029
        become ``\\n``; a plain file is ONE article however many lines it has), ``title``
        (or None), ``published`` (aware datetime or None), ``sections`` (ANT: ``[CAT]``;
        pages: breadcrumb items), ``format`` (``ant``, ``jsonl``, ``page``, ``text``),
        ``encoding`` and ``path`` (``-`` for standard input).
    skipped : list, optional
        When given, an input that cannot be read is skipped (a whole file, or one JSONL line or
        ANT document of it) and ``(where, reason)`` is appended here, instead of raising.

    Raises
    ------
    InputError
        A path that does not exist, an empty folder, or any problem of
        :func:`read_input`. Raised when the generator reaches that input (unless ``skipped``).
    """
    if isinstance(paths, (str, Path)):  # one path given bare, not in a list
        paths = [paths]
    def guarded(name, read):
        if skipped is None:
            yield from read()
            return
        try:
            records = list(read())
        except (InputError, OSError) as exc:
            skipped.append((name, str(exc)))
            return
        yield from records

    def listing(path):
        if path.is_dir():
            files = _folder_files(path)
            if not files:
                raise InputError(f"{path}: folder holds no files to classify (hidden files are skipped)")
            return files
        if path.is_file():
            return [path]
        raise InputError(f"{path}: file not found; check the path")

    for item in paths:
        if str(item) == "-":
            yield from guarded("-", lambda: read_input(_read_stdin(stdin), name="-", encoding=getattr(stdin, "encoding", None),
                                                       skipped=skipped))
            continue
        path = Path(item).expanduser()
        try:
            files = listing(path)
        except InputError as exc:
            if skipped is None:
                raise
            skipped.append((str(path), str(exc)))
            continue
        for file in files:
            yield from guarded(str(file), lambda file=file: read_input(file.read_bytes(), name=str(file), skipped=skipped))
