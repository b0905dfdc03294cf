"""Look at a corpus before training on it: counts, lengths, duplicates, encodings, unmapped labels.

Library functions behind ``arclf data list|inspect|export``; they return plain JSON-able data
and never print (the CLI renders them). A *source* is one of

- a known corpus name: ``ant``, ``saudinewsnet``, ``asnd`` (found in the data folder);
- a config file (``.yaml``/``.yml``): every corpus of its ``data`` section;
- a path: a folder of per-category subfolders (``folder``), a ``save_to_disk`` folder
  (``hub``), a table file or a folder of them (``table``), a zip (ANT's archive, a
  SaudiNewsNet day file, else a zip of ``<label>/<file>``), or a scraped page file (``pages``);
  the known corpora's own folders (ANT unpacked, SaudiNewsNet, ASND) are recognized too.
"""

from __future__ import annotations

import collections
import re
import zipfile
from pathlib import Path

import numpy as np

from arclf.config import CorpusSpec, load_config
from arclf.errors import DataError
from arclf.corpus.schema import LABEL_FIELDS, RAW_LABEL_FIELDS
from arclf.util.files import atomic_path
from arclf.corpus.registry import named_corpora

__all__ = ["resolve_source", "inspect_corpus", "export_corpus", "list_corpora"]

_SNN_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            if names and all(_SNN_DAY.match(n.rsplit("/", 1)[-1]) for n in names):
                return "saudinewsnet"
            txt = next((n for n in names if n.endswith(".txt") and n.count("/") >= 2), None)
            if txt and zf.read(txt)[:64].lstrip().startswith(b"<DOC>"):
                return "ant"
    except zipfile.BadZipFile:
        raise DataError(f"{path}: not a valid zip file") from None
    return "folder"


def _path_kind(path: Path) -> str:
    from arclf.corpus.tables import TABLE_FORMATS

    if path.is_dir():
        if (path / "state.json").exists() or (path / "dataset_dict.json").exists():
            return "hub"
        if any(path.glob("sm_news_ar_*.csv")):
            return "asnd"
        if any((path / "dataset").glob("*.zip")):
            return "saudinewsnet"
        doc = next(path.glob("*/*/*.txt"), None) or next(path.glob("*/*.txt"), None)
        if doc is not None and doc.read_bytes()[:64].lstrip().startswith(b"<DOC>"):
            return "ant"
        entries = [p for p in path.iterdir() if not p.name.startswith(".")]
        if any(p.is_dir() for p in entries):
            return "folder"
        if entries and all(p.suffix.lower() in TABLE_FORMATS for p in entries if p.is_file()):
            return "table"
        if entries and all(p.suffix.lower() == ".zip" for p in entries):
            return "saudinewsnet"
        return "pages"
    suffix = path.suffix.lower()
    if suffix in TABLE_FORMATS:
        return "table"
    if suffix == ".zip":
        return _zip_kind(path)
    return "pages"


def resolve_source(source) -> list[CorpusSpec]:
    """Turn a source (corpus name, config file or path) into corpus specs.

    Raises
    ------
    DataError
        ``source`` is neither a known corpus nor an existing path.
    ConfigError
        A config file is invalid.
    """
    if isinstance(source, CorpusSpec):
        return [source]
    text = str(source)
    known = [c.name for c in named_corpora()]
    if text in known:
        return [CorpusSpec(name=text)]
    path = Path(text).expanduser()
    if not path.exists():
        raise DataError(f"{text}: neither a known corpus ({', '.join(known)}) nor an existing file or folder")
    if path.is_file() and path.suffix.lower() in (".yaml", ".yml"):
        return list(load_config(path).data.corpora)
    kind = _path_kind(path)
    return [CorpusSpec(name=kind, path=path.resolve(), corpus=None if kind in known else path.stem)]


def _percentiles(lengths: np.ndarray) -> dict:
    if not len(lengths):
        return {"p5": None, "p50": None, "p95": None, "min": None, "max": None, "mean": None}
    p5, p50, p95 = np.percentile(lengths, [5, 50, 95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95), "min": int(lengths.min()),
            "max": int(lengths.max()), "mean": round(float(lengths.mean()), 1)}


def _counts(values) -> dict:
    return {("<none>" if k is None else k): n for k, n in collections.Counter(values).most_common()}


def _dup_summary(groups, columns: dict) -> dict:
    from arclf.evaluation.duplicates import duplicate_report

    base = duplicate_report(groups)
    base["conflicting_groups"] = {f: duplicate_report(groups, vals)["conflicting_groups"] for f, vals in columns.items()
                                  if any(v is not None for v in vals)}
    return base


def _inspect_one(spec: CorpusSpec, *, data_dir, near_threshold: float | None) -> dict:
    from arclf.corpus.cache import load_corpus_cached, source_path
    from arclf.evaluation.duplicates import exact_duplicate_groups, near_duplicate_groups

    ds, report = load_corpus_cached(spec, data_dir)
    where = source_path(spec, data_dir)
    cols = ds.select_columns(["text", "split", *RAW_LABEL_FIELDS, *LABEL_FIELDS]).to_dict()
    texts = cols["text"]
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    label_cols = {f: cols[f] for f in (*RAW_LABEL_FIELDS, *LABEL_FIELDS)}
    per_source = {}
    by_source = collections.defaultdict(list)
    for i, src in enumerate(cols["source"]):
        by_source[src].append(i)
    for src, idx in sorted(by_source.items(), key=lambda kv: -len(kv[1])):
        per_source["<none>" if src is None else src] = {
            "records": len(idx),
            "length": _percentiles(lengths[idx]),
            **{f: _counts(cols[f][i] for i in idx) for f in ("section", *LABEL_FIELDS)},
        }
    out = {
        "corpus": report["corpus"],
        "reader": spec.name,
        "path": str(where) if where is not None else None,
        "records": len(texts),
        "labels": {f: _counts(v) for f, v in label_cols.items()},
        "splits": _counts(cols["split"]) if any(s is not None for s in cols["split"]) else None,
        "per_source": per_source,
        "length": _percentiles(lengths),
        "empty_texts": int((lengths == 0).sum()),
        "skipped": report.get("skipped", {}),
        "skipped_examples": report.get("examples", {}),
        "encodings": report.get("encodings", {}),
        "notes": report.get("notes", []),
        "unknown_labels": (report.get("labels") or {}).get("unknown", []),
        "label_map": (report.get("labels") or {}).get("label_map"),
        "duplicates": {"exact": _dup_summary(exact_duplicate_groups(texts), label_cols)},
        "cache": report.get("cache"),
    }
    if near_threshold is not None:
        near = _dup_summary(near_duplicate_groups(texts, threshold=near_threshold), label_cols)
        out["duplicates"]["near"] = {"threshold": near_threshold, **near}
    return out


def inspect_corpus(source, *, data_dir=None, near_threshold: float | None = 0.8) -> dict:
    """Describe one or more corpora.

    Parameters
    ----------
    source : str or path
        A known corpus name, a config file or a path (see the module docstring).
    data_dir : path, optional
        Folder holding the corpora (default ``$ARCLF_DATA``).
    near_threshold : float or None, default=0.8
        Jaccard threshold of near duplicates (character 5-gram MinHash LSH, verified);
        None skips them (they cost a few seconds per 30,000 articles).

    Returns
    -------
    dict
        ``{"source": str, "corpora": [per-corpus dict, ...]}``. Each corpus dict holds
        ``records``; ``labels`` (field -> value -> count for section, source, topic,
        region, source_type; None counted as ``'<none>'``); ``splits``; ``per_source``
        (records, length percentiles and label counts per source); ``length`` (characters:
        p5, p50, p95, min, max, mean); ``empty_texts``; ``skipped`` (reason -> count);
        ``encodings``; ``notes``; ``unknown_labels`` (raw values the label map lacks);
        ``duplicates`` (``exact`` and ``near``: groups, examples, conflicting groups per
        label field); and ``cache``.

    Raises
    ------
    DataError
        Unknown source, missing files or no usable record.
    """
    specs = resolve_source(source)
    return {"source": str(source), "corpora": [_inspect_one(s, data_dir=data_dir, near_threshold=near_threshold) for s in specs]}


def export_corpus(source, out_path, *, data_dir=None) -> dict:
    """Write the normalized schema records of ``source`` to a ``.parquet`` or ``.jsonl`` file.

    The file is written under a temporary name next to ``out_path`` and renamed into place,
    so a failed export never leaves a partial file. In JSON Lines, ``published`` is an ISO
    8601 string and Arabic is written as is (UTF-8).

    Returns
    -------
    dict
        ``{"path": str, "format": "parquet" | "jsonl", "records": int, "corpora": [names]}``.

    Raises
    ------
    DataError
        Unsupported output suffix, unknown source, missing files or no usable record.
    """
    from datasets import concatenate_datasets

    from arclf.corpus.cache import load_corpus_cached

    out = Path(out_path)
    fmt = {".parquet": "parquet", ".jsonl": "jsonl"}.get(out.suffix.lower())
    if fmt is None:
        raise DataError(f"{out}: export writes .parquet or .jsonl, got {out.suffix!r}")
    loaded = [load_corpus_cached(s, data_dir) for s in resolve_source(source)]
    ds = concatenate_datasets([d for d, _ in loaded]) if len(loaded) > 1 else loaded[0][0]
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise DataError(f"{out}: a parent of it is a file, not a folder; name a path in a folder") from None
    except OSError as exc:
        raise DataError(f"{out}: cannot create its folder ({exc.strerror})") from None
    with atomic_path(out) as tmp:
        if fmt == "parquet":
            ds.to_parquet(str(tmp))
        else:
            ds.to_json(str(tmp), lines=True, force_ascii=False, date_format="iso")
    return {"path": str(out), "format": fmt, "records": len(ds), "corpora": [r["corpus"] for _, r in loaded]}


def list_corpora(data_dir=None) -> list[dict]:
    """The corpora arclf knows: ``[{"name", "description", "found", "path", "licence", "citation", "url"}, ...]``.

    ``path`` is where the corpus was found (data folder, then download cache), or None.

    Raises
    ------
    DataError
        The data folder (``data_dir`` or ``$ARCLF_DATA``) or the cache folder is not a folder.
    """
    from arclf.corpus.base import cache_dir, data_dir as resolve_data_dir, find_data

    resolve_data_dir(data_dir)  # a wrong folder is said once, not hidden behind "not found" for every corpus
    cache_dir()
    out = []
    for c in named_corpora():  # only looks: listing never downloads
        try:
            path = str(find_data(None, list(c.candidates), what=c.name, data_dir_=data_dir))
        except DataError:
            path = None
        out.append({"name": c.name, "description": c.description, "licence": c.licence, "citation": c.citation,
                    "url": c.homepage, "found": path is not None, "path": path})
    return out
