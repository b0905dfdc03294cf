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
    """A pinned public file: ``url``, its SHA-256 (hex) and where it is saved, relative to the cache folder."""

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
    downloads : tuple of Download
        The pinned files ``arclf data fetch`` gets (and arclf fetches on first use); empty when it
        has no public address. :attr:`download` is the first.
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
    downloads: tuple[Download, ...] = ()
    label_map: str | None = None

    @property
    def download(self) -> Download | None:
        """The first pinned file, or None."""
        return self.downloads[0] if self.downloads else None

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

# The repositories' files at the commits the project's copies were taken from (../shared/README.md);
# checksums are those of the project's copies. Not checked against the network from the project's
# machine, which has none: a mismatch is refused, never used.
_SNN = "https://github.com/inparallel/SaudiNewsNet/raw/4e39239/"
_ASND = "https://github.com/shammur/Arabic_news_text_classification_datasets/raw/277c753/"

#: Every corpus and reader arclf knows, by name.
CORPORA: dict[str, Corpus] = {c.name: c for c in [
    Corpus("ant", "arclf.corpus.ant:read_ant",
           description="ANT v2.1 multi-source: 31,525 Arabic news articles from 5 outlets, 6 sections (2018)",
           licence="Apache-2.0 (the authors ask to be cited)", citation=_ANT_CITATION,
           homepage="https://github.com/antcorpus/antcorpus.multisource.data",
           candidates=("ant-multisource-v2.1.zip", "antcorpus.multisource.data-master"),
           downloads=(Download("https://github.com/antcorpus/antcorpus.multisource.data/archive/refs/heads/master.zip",
                               "4d1a10b8b5a3c5b575f02c18f8c3bd68716a007601bb3198f8b497386c7ea237",
                               "ant-multisource-v2.1.zip"),),
           label_map="ant"),
    Corpus("saudinewsnet", "arclf.corpus.saudinewsnet:read_saudinewsnet",
           description="SaudiNewsNet: 31,030 articles from 14 Saudi outlets, July-August 2015",
           licence="CC BY-NC-SA 4.0 (research use only)",
           citation="Alhagri, M. A. (2015). Saudi Newspapers Arabic Corpus (SaudiNewsNet). "
                    "http://github.com/ParallelMazen/SaudiNewsNet",
           homepage="https://github.com/inparallel/SaudiNewsNet",
           candidates=("saudinewsnet/dataset", "saudinewsnet"), label_map="saudinewsnet",
           downloads=(
               Download(_SNN + "dataset/2015-07-21.zip", "7a413b5e1548ad38ca756cdf33c2d5aca1e2c7772a8b8b15679d771f5f6ba29c", "saudinewsnet/dataset/2015-07-21.zip"),
               Download(_SNN + "dataset/2015-07-22.zip", "09156f62f372b14e37c8bd0fd44eab3a9e1184d9ed96c2891174f3ee9534052f", "saudinewsnet/dataset/2015-07-22.zip"),
               Download(_SNN + "dataset/2015-07-23.zip", "41a805d15e45fc8919d6ec6f3a577798a778568ce668224091ac434820ae8858", "saudinewsnet/dataset/2015-07-23.zip"),
               Download(_SNN + "dataset/2015-07-24.zip", "844ceef1647ca7a3ef843e5c33959e36c538a49697739da15e2227877ad1ba99", "saudinewsnet/dataset/2015-07-24.zip"),
               Download(_SNN + "dataset/2015-07-25.zip", "62fb91f52d3b93dc8f89845e8c23e2650b1f8fe10e0c60378da8a2ad24b81911", "saudinewsnet/dataset/2015-07-25.zip"),
               Download(_SNN + "dataset/2015-07-26.zip", "53d360aa514cc6ca436899f7aeb5bb5f6ee2fc58a3ef40bad243b62c2c88cde2", "saudinewsnet/dataset/2015-07-26.zip"),
               Download(_SNN + "dataset/2015-07-27.zip", "b4fe93e9015451d4648146940f6e8e3bf643330ecbbc666b3ad430b995ddad0a", "saudinewsnet/dataset/2015-07-27.zip"),
               Download(_SNN + "dataset/2015-07-31.zip", "d4933c2c06090dc70796f44af5d8e59f4a45f0c0a13d5a1841a76b935615c26a", "saudinewsnet/dataset/2015-07-31.zip"),
               Download(_SNN + "dataset/2015-08-01.zip", "c4330bd9d685aa8fe1c70171c2c3e265dd5a21f5109c10ca8e3d0a92a81b2354", "saudinewsnet/dataset/2015-08-01.zip"),
               Download(_SNN + "dataset/2015-08-02.zip", "b8cfb39bf0ea66ed282a8f88b5deefd0cf234ff8a57f763621f333b5f7be5c9b", "saudinewsnet/dataset/2015-08-02.zip"),
               Download(_SNN + "dataset/2015-08-03.zip", "c17a6e0eedc6c30d30fdfb9c3a86c42670ee893c23fe2096f5cb5f2ffc18fcd6", "saudinewsnet/dataset/2015-08-03.zip"),
               Download(_SNN + "dataset/2015-08-04.zip", "a0b7a5e4da847133bd0e943012299e867102c9572529574636976dafb6a03c69", "saudinewsnet/dataset/2015-08-04.zip"),
               Download(_SNN + "dataset/2015-08-06.zip", "b731d37ae21ae14bc43660ed6679bdabc7d036796989f5750a55d990b1881dc8", "saudinewsnet/dataset/2015-08-06.zip"),
               Download(_SNN + "dataset/2015-08-07.zip", "6ae3fbb6387038c0fa174c35a2d37dbb8b29f656a56866ca22ca50254809514f", "saudinewsnet/dataset/2015-08-07.zip"),
               Download(_SNN + "dataset/2015-08-08.zip", "880c650edd04155a888d8d6b81d873b2742ac91e08429acd9fcdd41d733d29af", "saudinewsnet/dataset/2015-08-08.zip"),
               Download(_SNN + "dataset/2015-08-09.zip", "fa9302785d72810263d6d14e2fe7cb8f7ba19e72426740b8b86a33b8d06a420f", "saudinewsnet/dataset/2015-08-09.zip"),
               Download(_SNN + "dataset/2015-08-10.zip", "616411ca4b63fa255089f3cafd196cded1cf69c4e5dd7adefc9d446070e0370c", "saudinewsnet/dataset/2015-08-10.zip"),
               Download(_SNN + "dataset/2015-08-11.zip", "7d3362d4fd07ec2194af70e79745a20ccbcfa57033267615591c2f9dcf40d2ec", "saudinewsnet/dataset/2015-08-11.zip"),
           )),
    Corpus("asnd", "arclf.corpus.tables:read_asnd",
           description="ASND: 8,346 news posts of a broadcaster on Twitter, YouTube and Facebook, 12 classes, trn/dev/tst",
           licence="CC BY 4.0 (as listed in the Masader catalogue)",
           citation="S. A. Chowdhury, A. Abdelali, K. Darwish, J. Soon-Gyo, J. Salminen, B. J. Jansen, \"Improving "
                    "Arabic Text Categorization Using Transformer Training Diversification\", WANLP 2020",
           homepage="https://github.com/shammur/Arabic_news_text_classification_datasets",
           candidates=("asnd/Arabic_Social_Media_News_Dataset_ASND", "Arabic_Social_Media_News_Dataset_ASND", "asnd"),
           label_map="asnd",
           downloads=(
               Download(_ASND + "Arabic_Social_Media_News_Dataset_ASND/sm_news_ar_dev.csv", "2281d725f4566fef770225d66dc3267628cc28caa9cdc87e8cfb5a8dade9a86a", "asnd/Arabic_Social_Media_News_Dataset_ASND/sm_news_ar_dev.csv"),
               Download(_ASND + "Arabic_Social_Media_News_Dataset_ASND/sm_news_ar_trn.csv", "4a1a4fd98069855c3057212798d5d5704e0d75967db1ac6fb5d4ecdeebde7735", "asnd/Arabic_Social_Media_News_Dataset_ASND/sm_news_ar_trn.csv"),
               Download(_ASND + "Arabic_Social_Media_News_Dataset_ASND/sm_news_ar_tst.csv", "b97f1b00d37fe378a93eedeb8f21b66284ed366b69336db51d1f747f2053ae87", "asnd/Arabic_Social_Media_News_Dataset_ASND/sm_news_ar_tst.csv"),
           )),
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
