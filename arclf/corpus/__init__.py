"""Corpus readers and the loader that turns any of them into one labeled :class:`datasets.Dataset`.

Every reader is a function ``reader(spec, stats, data_dir) -> Iterator[dict]`` that yields
records built with :func:`arclf.corpus.schema.make_record` (raw fields filled, derived labels
usually None); :func:`load_corpus` applies the label map and collects the statistics.
Readers and corpora are registered in :data:`arclf.corpus.registry.CORPORA` by the name a config's
``data.corpora[].name`` uses: adding a corpus is one entry there.
"""

from __future__ import annotations

from arclf.corpus.base import ReadStats, cache_dir, data_dir, find_data
from arclf.corpus.cache import load_corpora
from arclf.corpus.loader import CorpusReport, load_corpus
from arclf.corpus.registry import CORPORA

__all__ = ["CORPORA", "ReadStats", "CorpusReport", "load_corpus", "load_corpora", "data_dir", "cache_dir", "find_data"]
