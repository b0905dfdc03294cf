"""The one record schema every corpus loader produces.

Each labeled example is a dict with exactly the keys of :data:`FIELDS`; a corpus
is a :class:`datasets.Dataset` with :data:`FEATURES`. Missing values are
``None`` (never the empty string, except ``text``, ``title`` and ``body`` which
are always strings).
"""

from __future__ import annotations

import datetime as _dt

__all__ = ["FIELDS", "LABEL_FIELDS", "RAW_LABEL_FIELDS", "features", "make_record", "join_text"]

#: Field name -> one-line meaning. The README documents the same table.
FIELDS = {
    "id": "unique id within the corpus (ANT: DOCNO; otherwise the corpus's own id or a path)",
    "text": "what the classifier reads: title, abstract and body joined with newlines",
    "title": "headline ('' if none)",
    "body": "article body without title ('' if none)",
    "url": "address of the article, or None",
    "published": "publication time as a UTC timestamp, or None",
    "corpus": "corpus name, e.g. 'ant'",
    "source": "the outlet, e.g. 'BBC'",
    "section": "the corpus's own category, e.g. 'middleEast'",
    "topic": "derived topic label (label map), or None",
    "region": "derived region label, finest level known (country code, sub-region or scope), or None",
    "source_type": "derived source type (label map), or None",
    "split": "the corpus's own split (e.g. ASND's trn/dev/tst), or None",
}
LABEL_FIELDS = ("topic", "region", "source_type")
RAW_LABEL_FIELDS = ("section", "source")


def features():
    """Return the :class:`datasets.Features` of the schema (imported lazily: datasets is slow to import)."""
    from datasets import Features, Value

    types = {name: Value("string") for name in FIELDS}
    types["published"] = Value("timestamp[s, tz=UTC]")
    return Features(types)


def join_text(*parts: str | None) -> str:
    """Join non-empty stripped parts with newlines; skip a part equal to the previous one."""
    out: list[str] = []
    for part in parts:
        part = (part or "").strip()
        if part and (not out or part != out[-1]) and not (out and out[-1].startswith(part)):
            out.append(part)
    return "\n".join(out)


def make_record(**fields) -> dict:
    """Build one schema record; unknown keys raise ``TypeError``; missing keys become ``None``.

    ``text`` defaults to ``join_text(title, body)``; ``published`` must be an aware
    :class:`datetime.datetime` (converted to UTC) or ``None``.
    """
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown schema fields: {sorted(unknown)}")
    rec = {name: fields.get(name) for name in FIELDS}
    for name in ("title", "body"):
        rec[name] = rec[name] or ""
    if not rec["text"]:
        rec["text"] = join_text(rec["title"], rec["body"])
    pub = rec["published"]
    if pub is not None:
        if not isinstance(pub, _dt.datetime) or pub.tzinfo is None:
            raise TypeError(f"published must be an aware datetime, got {pub!r}")
        rec["published"] = pub.astimezone(_dt.timezone.utc)
    return rec
