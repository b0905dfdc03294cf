"""Corpora: the record schema, label maps, one reader per corpus, the Arrow cache, downloads, and the registry.

Every reader is a function ``reader(spec, stats, data_dir) -> Iterator[dict]`` that yields
records built with :func:`arclf.corpus.schema.make_record` (raw fields filled, derived labels
usually None); :func:`load_corpus` applies the label map and collects the statistics.
Readers and corpora are registered in :data:`arclf.corpus.registry.CORPORA` by the name a config's
``data.corpora[].name`` uses: adding a corpus is one entry there.

Names are imported from their modules on first use (:func:`arclf.util.lazy.lazy_exports`).
"""

from arclf.util.lazy import lazy_exports

__all__ = [
    "CORPORA", "ReadStats", "CorpusReport", "load_corpus", "load_corpora", "load_corpus_cached", "data_dir", "cache_dir",
    "find_data",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "CORPORA": "registry", "ReadStats": "base", "CorpusReport": "loader", "load_corpus": "loader",
    "load_corpora": "cache", "load_corpus_cached": "cache", "data_dir": "base", "cache_dir": "base", "find_data": "base",
})
