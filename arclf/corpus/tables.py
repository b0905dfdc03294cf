"""Table readers: CSV, TSV, JSON Lines and Parquet files through :mod:`datasets`, and the ASND preset.

A table corpus names its columns in the corpus spec::

    data:
      corpora:
        - name: table
          path: data/posts.csv          # a file, or a folder of such files
          text_column: Content
          title_column: null
          id_column: ID
          label_columns: {section: Class, source: Platform}   # schema field -> column
          split_column: null            # or a column holding train/dev/test names
          splits: null                  # keep only these splits

Files are parsed by ``datasets.load_dataset("csv" | "json" | "parquet", data_files=...)``
(CSV through pandas: quoted newlines stay inside their cell; every CSV column is read as a
string, so ids such as ``1153251041321848833`` keep all their digits). Without a
``split_column``, a file's split is the name among ``spec.splits`` that ends its file name
(``sm_news_ar_trn.csv`` -> ``trn``).

:func:`records_from_dataset` holds the column mapping; the hub reader reuses it.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Iterator

from arclf.errors import ConfigError, DataError
from arclf.corpus.schema import FIELDS, join_text, make_record
from arclf.corpus.base import ReadStats, cache_dir, find_data, quiet_datasets
from arclf.corpus.registry import corpus_entry

__all__ = ["read_table", "read_asnd", "load_table", "records_from_dataset", "TABLE_FORMATS", "ASND_SPLITS"]

#: File suffix -> (datasets builder, extra builder keyword arguments).
TABLE_FORMATS = {
    ".csv": ("csv", {}),
    ".tsv": ("csv", {"sep": "\t"}),
    ".tab": ("csv", {"sep": "\t"}),
    ".jsonl": ("json", {}),
    ".ndjson": ("json", {}),
    ".json": ("json", {}),
    ".parquet": ("parquet", {}),
    ".pq": ("parquet", {}),
}
#: Schema fields a ``label_columns`` entry may fill (the rest are built by the reader).
MAPPABLE_FIELDS = tuple(f for f in FIELDS if f not in ("id", "text", "title", "body", "published", "corpus"))
#: ASND's predefined splits, as its file names spell them.
ASND_SPLITS = ("trn", "dev", "tst")
#: Where ASND sits in a data folder.
ASND_COLUMNS = {"text_column": "Content", "id_column": "ID", "label_columns": {"section": "Class", "source": "Platform"}}


def _csv_header(path: Path, sep: str) -> list[str]:
    """The header row, after checking the whole file is UTF-8 (the parser would fail with a traceback)."""
    try:
        path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start}); re-save the table as UTF-8") from None
    with open(path, encoding="utf-8-sig", newline="") as fh:
        try:
            return next(csv.reader(fh, delimiter=sep), [])
        except csv.Error as exc:
            raise DataError(f"{path}: cannot parse the header row ({exc})") from None


def load_table(path: str | Path):
    """Parse one table file into a :class:`datasets.Dataset` (split ``train``).

    CSV and TSV columns are all read as strings, with empty cells as ``''`` (no ``NA`` guessing).

    Raises
    ------
    DataError
        Unsupported suffix or a file ``datasets`` cannot parse.
    """
    import datasets

    path = Path(path)
    try:
        builder, kwargs = TABLE_FORMATS[path.suffix.lower()]
    except KeyError:
        raise DataError(f"{path}: unsupported table format {path.suffix!r}; use one of {', '.join(TABLE_FORMATS)}") from None
    kwargs = dict(kwargs)
    if builder == "csv":
        header = _csv_header(path, kwargs.get("sep", ","))
        kwargs.update(features=datasets.Features({c: datasets.Value("string") for c in header}),
                      keep_default_na=False, encoding="utf-8-sig")
    try:
        with quiet_datasets():
            return datasets.load_dataset(builder, data_files=str(path), split="train",
                                         cache_dir=str(cache_dir() / "hf-datasets"), **kwargs)
    except Exception as exc:  # datasets wraps parser errors in several types
        raise DataError(f"{path}: cannot parse as {builder}: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc


def _clean(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _check_columns(spec, columns: list[str], where: str) -> dict[str, str]:
    """Return the ``{role: column}`` mapping of ``spec`` after checking every column exists."""
    text_column = spec.text_column or "text"
    wanted = {"text": text_column}
    if spec.title_column:
        wanted["title"] = spec.title_column
    if spec.id_column:
        wanted["id"] = spec.id_column
    if spec.split_column:
        wanted["split"] = spec.split_column
    for field, column in spec.label_columns.items():
        if field not in MAPPABLE_FIELDS:
            raise ConfigError(f"label_columns.{field}: not a schema field a column can fill (one of {', '.join(MAPPABLE_FIELDS)})")
        wanted[field] = column
    missing = sorted({c for c in wanted.values() if c not in columns})
    if missing:
        raise DataError(f"{where}: no column {', '.join(map(repr, missing))}; the columns are {', '.join(columns)}")
    return wanted


def records_from_dataset(ds, spec, *, stats: ReadStats, corpus: str, id_prefix: str, split: str | None = None,
                         seen_ids: set | None = None) -> Iterator[dict]:
    """Map the rows of a :class:`datasets.Dataset` to schema records by ``spec``'s column names.

    Parameters
    ----------
    ds : datasets.Dataset
        The parsed table.
    spec : CorpusSpec
        ``text_column`` (default ``'text'``), ``title_column``, ``id_column``, ``label_columns``,
        ``split_column`` and ``splits`` (rows of other splits are skipped, not counted).
    stats : ReadStats
        ``read`` and ``skipped['empty text']`` / ``skipped['duplicate id']`` are counted.
    corpus : str
        Value of the ``corpus`` field.
    id_prefix : str
        Ids are ``<id_prefix>:<row index>`` when there is no id column.
    split : str, optional
        Split of every row (when there is no ``split_column``).
        Class-label columns (:class:`datasets.ClassLabel`) give their names, not their integers.
    seen_ids : set, optional
        Ids already used (shared across the files of one corpus); rows repeating one are skipped.

    Raises
    ------
    DataError
        A named column is missing. ``ConfigError`` if ``label_columns`` names a field no column may fill.
    """
    from datasets import ClassLabel

    cols = _check_columns(spec, list(ds.column_names), id_prefix)
    keep = set(spec.splits) if spec.splits else None
    seen = set() if seen_ids is None else seen_ids
    ds = ds.select_columns(sorted(set(cols.values())))
    # class-label columns (integers in the hub's datasets) are read as their names
    names = {column: feat.names for column, feat in ds.features.items() if isinstance(feat, ClassLabel)}
    i = 0
    for batch in ds.iter(batch_size=2000):
        for column, class_names in names.items():
            batch[column] = [None if v is None or v < 0 else class_names[v] for v in batch[column]]
        n = len(batch[cols["text"]])
        for j in range(n):
            row = {role: batch[column][j] for role, column in cols.items()}
            idx, i = i, i + 1
            row_split = _clean(row.pop("split", None)) if "split" in cols else split
            if keep is not None and row_split not in keep:
                continue
            text = row.pop("text")
            body = "" if text is None else str(text).strip()
            title = _clean(row.pop("title", None)) or ""
            if not body and not title:
                stats.skip("empty text")
                continue
            rid = _clean(row.pop("id", None)) or f"{id_prefix}:{idx}"
            if rid in seen:
                stats.skip("duplicate id")
                continue
            seen.add(rid)
            labels = {field: _clean(value) for field, value in row.items()}
            stats.read += 1
            yield make_record(id=rid, title=title, body=body, text=join_text(title, body), corpus=corpus,
                              split=row_split, **labels)


def _table_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in TABLE_FORMATS)
    if not files:
        raise DataError(f"{path}: no table files ({', '.join(TABLE_FORMATS)})")
    return files


def split_of_file(path: Path, splits) -> str | None:
    """The name in ``splits`` that ends ``path``'s stem after ``_``, ``-`` or ``.`` (or is the stem), else None.

    >>> split_of_file(Path("sm_news_ar_trn.csv"), ["trn", "dev", "tst"])
    'trn'
    """
    for name in splits or ():
        if re.search(rf"(^|[_.\-]){re.escape(name)}$", path.stem):
            return name
    return None


def _read_files(files: list[Path], spec, *, stats: ReadStats, corpus: str) -> Iterator[dict]:
    seen: set = set()
    for path in files:
        split = None
        if not spec.split_column and spec.splits:
            split = split_of_file(path, spec.splits)
            if split is None:
                stats.notes.append(f"{path.name}: skipped, its name ends in none of the splits {', '.join(spec.splits)}")
                continue
        yield from records_from_dataset(load_table(path), spec, stats=stats, corpus=corpus, id_prefix=path.stem,
                                        split=split, seen_ids=seen)


def read_table(spec, *, stats: ReadStats, data_dir=None) -> Iterator[dict]:
    """Yield schema records from a table file or a folder of table files (``spec.path``).

    The ``corpus`` field is ``spec.corpus`` or the file's (folder's) stem. See the module
    docstring for the column options. Raises :class:`DataError` for a missing path, an
    unparsable file or a missing column.
    """
    if spec.path is None:
        raise ConfigError("table corpus: `path` is required (a .csv, .tsv, .jsonl or .parquet file, or a folder of them)")
    path = find_data(spec.path, [], what="table", data_dir_=data_dir)
    yield from _read_files(_table_files(path), spec, stats=stats, corpus=spec.corpus or path.stem)


def read_asnd(spec, *, stats: ReadStats, data_dir=None) -> Iterator[dict]:
    """Yield ASND posts (Chowdhury et al., WANLP 2020): 8,346 news posts of a broadcaster on social media.

    Reads ``sm_news_ar_{trn,dev,tst}.csv`` (or the splits in ``spec.splits``) with
    ``ID`` -> ``id``, ``Content`` -> ``text``/``body``, ``Class`` -> ``section`` (the corpus's
    12 categories), ``Platform`` -> ``source`` (twitter, youtube, facebook) and the file's split
    name -> ``split``. Column options set in ``spec`` override these defaults.
    """
    entry = corpus_entry("asnd")
    path = find_data(spec.path, list(entry.candidates), what="ASND", data_dir_=data_dir, fetch_hint=entry.fetch_hint)
    if path.is_dir() and not any(path.glob("sm_news_ar_*.csv")) and (path / "Arabic_Social_Media_News_Dataset_ASND").is_dir():
        path = path / "Arabic_Social_Media_News_Dataset_ASND"
    overrides = {k: v for k, v in ASND_COLUMNS.items() if not getattr(spec, k)}
    if not spec.splits and not spec.split_column:
        overrides["splits"] = list(ASND_SPLITS)
    spec = spec.model_copy(update=overrides)
    files = [path] if path.is_file() else sorted(path.glob("sm_news_ar_*.csv"))
    if not files:
        raise DataError(f"ASND: no sm_news_ar_*.csv files in {path}")
    yield from _read_files(files, spec, stats=stats, corpus=spec.corpus or "asnd")
