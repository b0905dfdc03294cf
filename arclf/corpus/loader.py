"""Read one corpus into schema records with derived labels (:func:`load_corpus`); the reader comes from the registry."""

from __future__ import annotations

import dataclasses
from pathlib import Path


from arclf.config import CorpusSpec
from arclf.errors import DataError
from arclf.corpus.labels import LabelMap, default_label_map
from arclf.corpus.fetch import ensure_corpus
from arclf.corpus.registry import corpus_entry, reader
from arclf.text.decode import has_arabic
from arclf.corpus.base import ReadStats

__all__ = ["CorpusReport", "load_corpus", "iter_corpus"]

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
    holder: list = []
    records = list(iter_corpus(spec, data_dir=data_dir, report=holder))
    return records, holder[0]


def iter_corpus(spec: CorpusSpec | dict | str, *, data_dir: str | Path | None = None, report: list | None = None):
    """Yield the schema records of one corpus one at a time, as :func:`load_corpus` reads them.

    For corpora larger than memory: nothing but the current record is held. The checks that need
    every record run at the end: no usable record, or region values the hierarchy does not know,
    raise :class:`DataError` after the last record. When the corpus has been read to the end, its
    :class:`CorpusReport` is appended to ``report`` (a list) if given.
    """
    if isinstance(spec, str):
        spec = CorpusSpec(name=spec)
    elif isinstance(spec, dict):
        spec = CorpusSpec(**spec)
    stats = ReadStats()
    entry = corpus_entry(spec.name)
    lmap = LabelMap.from_yaml(spec.label_map) if spec.label_map else (default_label_map(entry.label_map) if entry.label_map else None)
    ensure_corpus(spec.name, spec.path, data_dir)  # a known corpus downloads itself on first use
    regions = _RegionCheck()
    n = 0
    for rec in reader(spec.name)(spec, stats=stats, data_dir=data_dir):
        if not has_arabic(rec.get("text") or ""):  # garbled at the source, or not Arabic: predict refuses such texts too
            stats.skip("no Arabic letters (garbled encoding or not Arabic)", item=rec.get("id"))
            continue
        if spec.corpus:
            rec["corpus"] = spec.corpus
        if spec.where and any(rec.get(f) not in set(vals) for f, vals in spec.where.items()):
            continue
        if lmap is not None:
            lmap.apply(rec)
        regions.add(rec)
        n += 1
        yield rec
    regions.check(spec)
    if not n:
        why = stats.summary()
        raise DataError(f"{spec.name}: no usable records found at {spec.path or 'the data folder'}"
                        + (f" ({why})" if why else "; the folder or file holds no records"))
    if report is not None:
        report.append(CorpusReport(spec.corpus or spec.name, str(spec.path) if spec.path else None, stats,
                                   lmap.report() if lmap else None))


class _RegionCheck:
    """Region values the hierarchy does not know, collected record by record; :meth:`check` refuses them."""

    def __init__(self):
        self.unknown: dict[str, list] = {}
        self.known: set = set()

    def add(self, rec: dict) -> None:
        from arclf.corpus.labels import region_levels

        value = rec.get("region")
        if value is None or value in self.known:
            return
        if value in self.unknown:
            self.unknown[value].append(rec.get("id"))
            return
        try:
            region_levels(value)
            self.known.add(value)
        except ValueError:
            self.unknown[value] = [rec.get("id")]

    def check(self, spec: CorpusSpec) -> None:
        """Refuse, at load time, region values the hierarchy does not know (one line, with the fix)."""
        unknown = self.unknown
        if unknown:
            value, ids = next(iter(unknown.items()))
            others = f" (and {len(unknown) - 1} other values: {', '.join(list(unknown)[1:4])})" if len(unknown) > 1 else ""
            raise DataError(f"{spec.corpus or spec.name}: region {value!r} ({len(ids)} records, e.g. {ids[0]}) is not an ISO country "
                            f"code, sub-region or scope{others}; map it in a label map, or alias it (`{value}: <ISO code>` under "
                            f"aliases: in regions.yaml)")
