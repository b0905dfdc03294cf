"""Reading the articles to classify: files, folders and standard input, in four formats.

:func:`iter_inputs` reads files, folders and standard input (bytes decoded by
:func:`arclf.text.decode.decode_bytes`), recognises four formats per file and yields one dict
per article:

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

import json
import re
import sys
from pathlib import Path
from typing import IO, Iterator

from arclf.corpus.ant import abstract_in_body, parse_ant_doc, parse_ant_time
from arclf.corpus.pages import looks_like_page, parse_page
from arclf.corpus.schema import join_text
from arclf.errors import InputError
from arclf.text.decode import decode_bytes, has_arabic
from arclf.util.files import list_files

__all__ = ["iter_inputs", "read_input", "read_table_rows", "stream_jsonl", "TABLE_SUFFIXES"]

#: Line breaks folded to ``\n`` inside an article (\u2028 LINE SEPARATOR, \u2029 PARAGRAPH SEPARATOR).
_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")  # \x85 NEXT LINE
#: What "only whitespace" means: Unicode spaces plus invisible format characters.
_BLANK = re.compile("[\\s\u200b-\u200f\u2060\ufeff]*")  # ZERO WIDTH SPACE .. RIGHT-TO-LEFT MARK, WORD JOINER, BOM
_DOC_START = re.compile(r"(?i)(?=<DOC>)")


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
        rec = _jsonl_line(line, lineno, name, encoding, skipped)
        if rec is not None:
            yield rec


def _jsonl_line(line: str, lineno: int, name: str, encoding: str, skipped: list | None) -> dict | None:
    """The record of one JSON Lines line, or None for a blank line (or a bad one noted in ``skipped``)."""
    if not line.strip():
        return None

    def make():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}:{lineno}: invalid JSON at column {exc.colno} ({exc.msg}); "
                             f"each line must be one JSON object such as {{\"id\": \"a1\", \"text\": \"...\"}}") from None
        return _json_record(obj, f"{name}:{lineno}", f"{name}:{lineno}", name, encoding)

    return _skipping(make, skipped)


def stream_jsonl(path: Path, skipped: list | None = None) -> Iterator[dict] | None:
    """Records of a UTF-8 JSON Lines file, read a line at a time (memory stays flat), or None when
    the file is not plainly UTF-8 (then :func:`read_input` reads it whole, detecting the encoding).

    Raises
    ------
    InputError
        An empty file, or (without ``skipped``) a line that is not valid JSON or UTF-8.
    """
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if not head:
        raise InputError(f"{path}: empty file; give a file holding the article's text")
    if b"\x00" in head:
        return None  # UTF-16/32
    try:
        head.decode("utf-8-sig") if len(head) < 65536 else head[: head.rfind(b"\n") + 1 or len(head)].decode("utf-8-sig")
    except UnicodeDecodeError:
        return None

    def records():
        with open(path, "rb") as fh:
            for lineno, raw in enumerate(fh, 1):
                try:
                    line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    reason = f"{path}:{lineno}: not UTF-8 (byte {exc.start}); re-save the file as UTF-8"
                    if skipped is None:
                        raise InputError(reason) from None
                    skipped.append((f"{path}:{lineno}", reason))
                    continue
                rec = _jsonl_line(line.rstrip("\r\n"), lineno, str(path), "utf-8", skipped)
                if rec is not None:
                    yield rec

    return records()


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
        rec = _record(name, join_text(page["title"], page["body"]), fmt="page", encoding=encoding, path=name, where=name,
                      title=page["title"] or None, published=page["published"], sections=page["sections"])
        yield {**rec, "column": page["column"]}  # the page's column: a translated report's source outlet
    else:
        yield _record(name, text, fmt="text", encoding=encoding, path=name, where=name)


#: Table files read as one article per row (JSON Lines stay with :func:`read_input`).
TABLE_SUFFIXES = (".csv", ".tsv", ".tab", ".parquet")


def read_table_rows(path: Path, *, text_column: str = "text", id_column: str | None = None,
                    title_column: str | None = None, skipped: list | None = None) -> Iterator[dict]:
    """Yield one article per row of a CSV, TSV or Parquet file (read by :func:`arclf.corpus.tables.load_table`).

    ``id`` is the ``id_column`` value (default: an ``id`` column if there is one, else ``<file>:<row>``,
    rows counted from 1). With ``title_column``, the text is the title and the text column joined
    (:func:`arclf.corpus.schema.join_text`: the title on the first line, as training tables read it).
    Raises :class:`InputError` when the text column is missing (naming the
    columns and ``--text-column``) or the file cannot be parsed; a row with no usable text is an
    error too, or skipped and noted in ``skipped`` when given.
    """
    import tempfile

    from arclf.corpus.tables import load_table
    from arclf.errors import DataError

    with tempfile.TemporaryDirectory(prefix="arclf-table-") as tmp:
        source, encoding = path, "utf-8"
        if path.suffix.lower() != ".parquet":  # a text table in a legacy encoding: decode it as any input
            data = path.read_bytes()
            try:
                data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text, encoding = decode_bytes(data, name=str(path))
                source = Path(tmp) / path.name
                source.write_text(text, encoding="utf-8")
        try:
            ds = load_table(source)
        except DataError as exc:
            raise InputError(str(exc).replace(str(source), str(path))) from None
        columns = list(ds.column_names)
        ds = ds.to_list()  # read while the decoded copy exists
    if text_column not in columns:
        raise InputError(f"{path}: no column {text_column!r} to classify (columns: {', '.join(columns)}); "
                         f"name the text column with --text-column")
    if id_column is not None and id_column not in columns:
        raise InputError(f"{path}: no id column {id_column!r} (columns: {', '.join(columns)}); check --id-column")
    if title_column is not None and title_column not in columns:
        raise InputError(f"{path}: no title column {title_column!r} (columns: {', '.join(columns)}); check --title-column")
    id_column = id_column or ("id" if "id" in columns else None)
    for i, row in enumerate(ds, 1):
        rec_id = str(row[id_column]) if id_column and row[id_column] not in (None, "") else f"{path}:{i}"
        text = str(row[text_column] or "")
        title = str(row[title_column] or "") if title_column else None
        if title_column:
            text = join_text(title, text)
        rec = _skipping(lambda: _record(rec_id, text, fmt="table", encoding=encoding, path=str(path),
                                        where=f"{path}:{i}", title=title or None), skipped)
        if rec is not None:
            yield rec


def _folder_files(folder: Path) -> list[Path]:
    """A folder's files, recursively, sorted, without hidden files or folders."""
    return [folder / rel for rel in list_files(folder)]


def _read_stdin(stdin: IO | None) -> bytes | str:
    stream = sys.stdin if stdin is None else stdin
    stream = getattr(stream, "buffer", stream)  # read bytes when we can, to detect the encoding
    return stream.read()


def iter_inputs(paths: list[str | Path], *, stdin: IO | None = None, skipped: list | None = None,
                text_column: str = "text", id_column: str | None = None,
                title_column: str | None = None) -> Iterator[dict]:
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
        (or None), ``published`` (datetime or None: aware where the source gives a zone, as ANT
        files do; naive local time for pages, which give none), ``sections`` (ANT: ``[CAT]``;
        pages: breadcrumb items), ``format`` (``ant``, ``jsonl``, ``page``, ``text``),
        ``encoding`` and ``path`` (``-`` for standard input).
    skipped : list, optional
        When given, an input that cannot be read is skipped (a whole file, or one JSONL line or
        ANT document of it) and ``(where, reason)`` is appended here, instead of raising.
    text_column, id_column, title_column : str, optional
        For CSV, TSV and Parquet files, which are read as one article per row
        (:func:`read_table_rows`).

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
            streamed = None
            if file.suffix.lower() in (".jsonl", ".ndjson"):
                try:
                    streamed = stream_jsonl(file, skipped)
                except InputError as exc:
                    if skipped is None:
                        raise
                    skipped.append((str(file), str(exc)))
                    continue
            if streamed is not None:  # read a line at a time
                yield from streamed
            elif file.suffix.lower() in TABLE_SUFFIXES:
                yield from guarded(str(file), lambda file=file: read_table_rows(file, text_column=text_column, id_column=id_column,
                                                                               title_column=title_column, skipped=skipped))
            else:
                yield from guarded(str(file), lambda file=file: read_input(file.read_bytes(), name=str(file), skipped=skipped))
