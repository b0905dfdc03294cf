"""The corpus registry: one entry per corpus or reader, the only place to edit to add one.

An entry says how a config's ``data.corpora[].name`` is read (the reader), where the corpus
sits in a data folder (which is also part of its cache key), where to download it and its
checksum, its licence and citation (shown by ``arclf data list``), and its default label map
(``arclf/resources/labels/<label_map>.yaml``). :mod:`arclf.corpus.loader`,
:mod:`arclf.corpus.cache`, :mod:`arclf.corpus.fetch` and ``arclf data`` all read it.

To add a corpus: write ``read_<name>(spec, *, stats, data_dir)`` in a module of this package,
add a :class:`Corpus` to :data:`CORPORA`, and ship ``resources/labels/<name>.yaml`` if its raw
labels need mapping to arclf's tasks.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Callable, Iterator

from arclf.errors import DataError

__all__ = ["Corpus", "Download", "CORPORA", "corpus_entry", "reader", "named_corpora"]


@dataclasses.dataclass(frozen=True)
class Download:
    """A pinned public file: ``url``, its SHA-256 (hex) and the name it is saved under in the cache."""

    url: str
    sha256: str
    filename: str


@dataclasses.dataclass(frozen=True)
class Corpus:
    """One registry entry.

    Attributes
    ----------
    name : str
        The name configs use (``data.corpora[].name``).
    reader : str
        ``"module:function"`` of the reader, imported on first use (so ``arclf predict`` stays fast).
    description, licence, citation, homepage : str or None
        For ``arclf data list`` and run records; None for generic readers (``table``, ``folder``...).
    candidates : tuple of str
        Where the corpus sits, relative to the data folder and then the download cache; empty for
        readers that always take ``path``.
    download : Download or None
        Where ``arclf data fetch`` gets it.
    label_map : str or None
        Name of the shipped label map (``resources/labels/<label_map>.yaml``); None: none.
    """

    name: str
    reader: str
    description: str | None = None
    licence: str | None = None
    citation: str | None = None
    homepage: str | None = None
    candidates: tuple[str, ...] = ()
    download: Download | None = None
    label_map: str | None = None

    @property
    def named(self) -> bool:
        """A corpus arclf knows by name (found in the data folder), not a generic reader."""
        return bool(self.candidates)

    @property
    def fetch_hint(self) -> str | None:
        """The command that downloads it, or None when it cannot be downloaded."""
        return f"arclf data fetch {self.name}" if self.download else None


_ANT_CITATION = (
    "A. Chouigui, O. Ben Khiroun, B. Elayeb, \"ANT Corpus: An Arabic News Text Collection for "
    "Textual Classification\", AICCSA 2017; and \"An Arabic Multi-source News Corpus: Experimenting "
    "on Single-document Extractive Summarization\", Arabian Journal for Science and Engineering 46(8), 2021."
)

#: Every corpus and reader arclf knows, by name.
CORPORA: dict[str, Corpus] = {c.name: c for c in [
    Corpus("ant", "arclf.corpus.ant:read_ant",
           description="ANT v2.1 multi-source: 31,525 Arabic news articles from 5 outlets, 6 sections (2018)",
           licence="Apache-2.0 (the authors ask to be cited)", citation=_ANT_CITATION,
           homepage="https://github.com/antcorpus/antcorpus.multisource.data",
           candidates=("ant-multisource-v2.1.zip", "antcorpus.multisource.data-master"),
           download=Download("https://github.com/antcorpus/antcorpus.multisource.data/archive/refs/heads/master.zip",
                             "4d1a10b8b5a3c5b575f02c18f8c3bd68716a007601bb3198f8b497386c7ea237",
                             "ant-multisource-v2.1.zip"),
           label_map="ant"),
    Corpus("saudinewsnet", "arclf.corpus.saudinewsnet:read_saudinewsnet",
           description="SaudiNewsNet: 31,030 articles from 14 Saudi outlets, July-August 2015",
           licence="CC BY-NC-SA 4.0 (research use only)",
           citation="Alhagri, M. A. (2015). Saudi Newspapers Arabic Corpus (SaudiNewsNet). "
                    "http://github.com/ParallelMazen/SaudiNewsNet",
           homepage="https://github.com/inparallel/SaudiNewsNet",
           candidates=("saudinewsnet/dataset", "saudinewsnet"), label_map="saudinewsnet"),
    Corpus("asnd", "arclf.corpus.tables:read_asnd",
           description="ASND: 8,346 news posts of a broadcaster on Twitter, YouTube and Facebook, 12 classes, trn/dev/tst",
           licence="CC BY 4.0 (as listed in the Masader catalogue)",
           citation="S. A. Chowdhury, A. Abdelali, K. Darwish, J. Soon-Gyo, J. Salminen, B. J. Jansen, \"Improving "
                    "Arabic Text Categorization Using Transformer Training Diversification\", WANLP 2020",
           homepage="https://github.com/shammur/Arabic_news_text_classification_datasets",
           candidates=("asnd/Arabic_Social_Media_News_Dataset_ASND", "Arabic_Social_Media_News_Dataset_ASND", "asnd"),
           label_map="asnd"),
    Corpus("table", "arclf.corpus.tables:read_table"),
    Corpus("folder", "arclf.corpus.folders:read_folders"),
    Corpus("hub", "arclf.corpus.hub:read_hub"),
    Corpus("pages", "arclf.corpus.pages:read_pages"),
]}


def corpus_entry(name: str) -> Corpus:
    """The registry entry of ``name``.

    Raises
    ------
    DataError
        ``name`` is not registered (the message lists the names that are).
    """
    try:
        return CORPORA[name]
    except KeyError:
        raise DataError(f"unknown corpus or reader {name!r}; known: {', '.join(sorted(CORPORA))}") from None


def reader(name: str) -> Callable[..., Iterator[dict]]:
    """The reader function of ``name``, imported now. Raises :class:`DataError` for an unknown name."""
    module, func = corpus_entry(name).reader.split(":")
    return getattr(importlib.import_module(module), func)


def named_corpora() -> list[Corpus]:
    """The corpora arclf knows by name (``ant``, ``saudinewsnet``, ``asnd``), in registry order."""
    return [c for c in CORPORA.values() if c.named]
