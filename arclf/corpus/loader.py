"""Load corpora named by a config into one :class:`datasets.Dataset` of schema records."""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from typing import Callable, Iterator

from arclf.config import CorpusSpec
from arclf.errors import DataError
from arclf.corpus.labels import LabelMap, default_label_map
from arclf.corpus.base import ReadStats

__all__ = ["READERS", "CorpusReport", "load_corpus", "load_corpora"]

#: Reader name -> "module:function" (imported on first use, so `arclf predict` stays fast).
READERS: dict[str, str] = {
    "ant": "arclf.corpus.ant:read_ant",
    "saudinewsnet": "arclf.corpus.saudinewsnet:read_saudinewsnet",
    "asnd": "arclf.corpus.tables:read_asnd",
    "table": "arclf.corpus.tables:read_table",
    "folder": "arclf.corpus.folders:read_folders",
    "hub": "arclf.corpus.hub:read_hub",
    "pages": "arclf.corpus.pages:read_pages",
}


def _reader(name: str) -> Callable[..., Iterator[dict]]:
    try:
        target = READERS[name]
    except KeyError:
        raise DataError(f"unknown corpus or reader {name!r}; known: {', '.join(sorted(READERS))}") from None
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


@dataclasses.dataclass
class CorpusReport:
    """What loading one corpus found: counts, skips, encodings and unmapped raw labels."""

    corpus: str
    path: str | None
    stats: ReadStats
    label_map: dict | None

    def as_dict(self) -> dict:
        return {"corpus": self.corpus, "path": self.path, **self.stats.as_dict(), "labels": self.label_map}


def load_corpus(spec: CorpusSpec | dict | str, *, data_dir: str | Path | None = None) -> tuple[list[dict], CorpusReport]:
    """Read one corpus into schema records with derived labels.

    Parameters
    ----------
    spec : CorpusSpec, dict or str
        The corpus (a bare string is a known corpus name such as ``"ant"``).
    data_dir : path, optional
        Folder holding the corpora (default ``$ARCLF_DATA``).

    Returns
    -------
    records : list of dict
        Schema records (:data:`arclf.corpus.schema.FIELDS`).
    report : CorpusReport

    Raises
    ------
    DataError
        Unknown reader, missing files, or no usable record.
    """
    if isinstance(spec, str):
        spec = CorpusSpec(name=spec)
    elif isinstance(spec, dict):
        spec = CorpusSpec(**spec)
    stats = ReadStats()
    lmap = LabelMap.from_yaml(spec.label_map) if spec.label_map else default_label_map(spec.name)
    records = []
    for rec in _reader(spec.name)(spec, stats=stats, data_dir=data_dir):
        if spec.corpus:
            rec["corpus"] = spec.corpus
        if spec.where and any(rec.get(f) not in set(vals) for f, vals in spec.where.items()):
            continue
        if lmap is not None:
            lmap.apply(rec)
        records.append(rec)
    if not records:
        raise DataError(f"{spec.name}: no usable records found at {spec.path or 'the data folder'}")
    return records, CorpusReport(spec.corpus or spec.name, str(spec.path) if spec.path else None, stats, lmap.report() if lmap else None)


def load_corpora(specs: list[CorpusSpec], *, data_dir: str | Path | None = None, cache: bool = True):
    """Load several corpora and concatenate them into one :class:`datasets.Dataset`.

    With ``cache`` each corpus is read once and memory-mapped from the Arrow cache afterwards
    (:func:`arclf.corpus.cache.load_corpus_cached`). Returns ``(dataset, reports)``; each report is a
    :class:`CorpusReport` or, from the cache, the same data as a dict.
    """
    from datasets import concatenate_datasets

    from arclf.corpus.cache import load_corpus_cached, records_to_dataset

    parts, reports = [], []
    for spec in specs:
        if cache:
            ds, report = load_corpus_cached(spec, data_dir=data_dir)
        else:
            recs, report = load_corpus(spec, data_dir=data_dir)
            ds = records_to_dataset(recs)
        parts.append(ds)
        reports.append(report)
    return (parts[0] if len(parts) == 1 else concatenate_datasets(parts)), reports
