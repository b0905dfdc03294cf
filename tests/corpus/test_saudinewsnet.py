"""SaudiNewsNet reader on the real corpus (../shared/corpora/saudinewsnet)."""

from __future__ import annotations

import collections
import datetime as dt

import pytest

from arclf.config import CorpusSpec
from arclf.corpus.base import ReadStats
from arclf.corpus.loader import load_corpus
from arclf.corpus.saudinewsnet import iter_raw_articles, read_saudinewsnet, url_section

# The upstream README's counts, with the outlet id the data uses (arriyadiyah, not arreyadiyah).
OUTLETS = {
    "alriyadh": 4852, "aljazirah": 3690, "alyaum": 3065, "aleqtisadiya": 2964, "aawsat": 2947,
    "okaz": 2846, "alwatan": 2279, "almadina": 2252, "alweeam": 2090, "3alyoum": 2080,
    "sabq": 1411, "was": 369, "arreyadi": 133, "arriyadiyah": 52,
}


@pytest.fixture(scope="module")
def loaded(corpora_dir):
    return load_corpus("saudinewsnet", data_dir=corpora_dir)


def test_raw_articles_and_outlets(saudinewsnet_dir):
    raw = [art for _, _, art in iter_raw_articles(saudinewsnet_dir)]
    assert len(raw) == 31_030
    assert collections.Counter(a["source"] for a in raw) == OUTLETS
    assert sum(not a["content"].strip() for a in raw) == 354


def test_records_skip_articles_without_content(loaded):
    records, report = loaded
    assert len(records) == 31_030 - 354 - 1
    assert report.stats.skipped == {"no content": 354, "crawler artifact": 1}
    assert report.stats.notes == ["57 of the articles without content have no title either"]
    assert report.label_map["unknown"] == []


def test_ids_urls_and_times(loaded):
    records, _ = loaded
    ids = [r["id"] for r in records]
    assert len(set(ids)) == len(ids)
    assert all(r["url"] == r["id"] and r["url"].startswith("http") for r in records)
    first = records[0]
    assert first["published"].tzinfo == dt.timezone.utc
    assert dt.datetime(2015, 7, 1, tzinfo=dt.timezone.utc) < min(r["published"] for r in records)
    assert max(r["published"] for r in records) < dt.datetime(2015, 8, 12, tzinfo=dt.timezone.utc)
    assert all(r["body"] and r["text"].endswith(r["body"][-20:]) for r in records[:500])


def test_url_sections_counts(loaded):
    records, _ = loaded
    sections = collections.Counter((r["source"], r["section"]) for r in records)
    assert sections["alwatan", "Politics"] == 366
    assert sections["alwatan", "Articles"] == 533
    assert sections["3alyoum", "news/local"] == 399
    assert sections["3alyoum", "opinion/articles"] == 70
    assert sections["aljazirah", "sp"] == 605
    for outlet in ("okaz", "sabq", "alriyadh", "was"):
        assert sections[outlet, None] > 0 and all(s is None for (o, s) in sections if o == outlet)


@pytest.mark.parametrize(("source", "url", "section"), [
    ("alwatan", "http://www.alwatan.com.sa/Economy/News_Detail.aspx?ArticleID=231365&CategoryID=2", "Economy"),
    ("3alyoum", "http://www.3alyoum.com/finance/a/x-y/", "finance"),
    ("3alyoum", "http://www.3alyoum.com/news/golobal/a/x/", "news/golobal"),
    ("aljazirah", "http://www.al-jazirah.com/2015/20150803/ec17.htm", "ec"),
    ("aawsat", "http://aawsat.com/home/article/414631/%D8%B3/%D8%B1", "opinion"),
    ("aawsat", "http://aawsat.com/home/article/419681/%D8%B3", None),
    ("arriyadiyah", "http://www.arriyadiyah.com/node/907201/%D8%A7/x", "\u0627"),
    ("arriyadiyah", "http://www.arriyadiyah.com/node/889746", None),
    ("okaz", "http://www.okaz.com.sa/new/Issues/20150721/Con20150721784811.htm", None),
    ("alwatan", "", None),
], ids=["alwatan", "3alyoum", "3alyoum-nested", "aljazirah-page", "aawsat-column", "aawsat-news",
        "arriyadiyah", "arriyadiyah-bare", "okaz", "empty-url"])
def test_url_section(source, url, section):
    assert url_section(source, url) == section


def test_derived_labels(loaded):
    records, _ = loaded
    by_source = {r["source"]: r for r in records}
    assert by_source["aawsat"]["source_type"] == "pan_arab_daily"
    assert by_source["was"]["source_type"] == "news_agency"
    assert by_source["arriyadiyah"]["topic"] == "sport"
    assert all(r["region"] in ("SA", "international") for r in records)
    topics = collections.Counter(r["topic"] for r in records if r["source"] == "alwatan" and r["section"] == "Politics")
    assert topics == {"politics": 366}
    assert collections.Counter(r["source_type"] for r in records)["sports_outlet"] == 133 + 52 - 49


def test_single_zip_and_missing_folder(saudinewsnet_dir, tmp_path):
    stats = ReadStats()
    recs = list(read_saudinewsnet(CorpusSpec(name="saudinewsnet", path=saudinewsnet_dir / "2015-08-11.zip"), stats=stats))
    assert recs and stats.read == len(recs)
    from arclf.errors import DataError

    with pytest.raises(DataError, match="no .zip files"):
        list(read_saudinewsnet(CorpusSpec(name="saudinewsnet", path=tmp_path), stats=ReadStats()))
