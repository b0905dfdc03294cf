"""Tests for arclf.corpus.ant: the tolerant parser on small strings, and the real ANT archive."""

from __future__ import annotations

import collections
import datetime as dt
import zipfile

import pytest

from arclf.config import CorpusSpec
from arclf.corpus.ant import abstract_in_body, parse_ant_doc, parse_ant_time, read_ant
from arclf.corpus.base import ReadStats
from arclf.corpus.loader import load_corpus
from arclf.errors import DataError

UTC = dt.timezone.utc
TOP = "antcorpus.multisource.data-master"

#: Files per outlet and section, from the counts table of ../shared/README.md.
COUNTS = {
    "Alarabia": {"culture": 606, "economy": 1071, "internationalNews": 2030, "sport": 2443, "technology": 369},
    "BBC": {"culture": 338, "economy": 280, "internationalNews": 1220, "middleEast": 1132, "sport": 385, "technology": 460},
    "CNN": {"economy": 463, "internationalNews": 734, "middleEast": 1640, "sport": 483, "technology": 187},
    "France24": {"culture": 120, "economy": 75, "internationalNews": 2613, "middleEast": 884, "sport": 284},
    "SkyNews": {"economy": 1478, "internationalNews": 3572, "middleEast": 3972, "sport": 2974, "technology": 1712},
}

#: One real file per outlet, with its TIME as the file writes it and in UTC.
OUTLET_TIMES = [
    ("Alarabia/culture/AL-culture-1-20180218", "Sun, 18 Feb 2018 21:35:43 +0400", dt.datetime(2018, 2, 18, 17, 35, 43, tzinfo=UTC)),
    ("BBC/culture/BB-culture-1-20180218", "Sun, 18 Feb 2018 17:21:49 GMT", dt.datetime(2018, 2, 18, 17, 21, 49, tzinfo=UTC)),
    ("CNN/economy/CN-economy-1-20180213", "Tue, 13 Feb 2018 10:22:00 +0000", dt.datetime(2018, 2, 13, 10, 22, 0, tzinfo=UTC)),
    ("France24/culture/FR-culture-1-20180218", "Sun, 18 Feb 2018 15:38:57 GMT", dt.datetime(2018, 2, 18, 15, 38, 57, tzinfo=UTC)),
    ("SkyNews/economy/SK-economy-1-20180218", "Sun, 18 Feb 2018 12:26:59 GMT", dt.datetime(2018, 2, 18, 12, 26, 59, tzinfo=UTC)),
]
#: The two files whose ABSTRACT and TEXT are empty.
EMPTY_TEXT = ["France24/internationalNews/FR-internationalNews-2077-20180629", "France24/sport/FR-sport-214-20180629"]
#: World Cup 2018: the group stage in numbers (their shared title).
EMPTY_TEXT_TITLE = (
    "\u0645\u0648\u0646\u062f\u064a\u0627\u0644 2018: \u0645\u0631\u062d\u0644\u0629 "
    "\u0627\u0644\u0645\u062c\u0645\u0648\u0639\u0627\u062a \u0628\u0627\u0644\u0623\u0631\u0642\u0627\u0645"
)
#: Files whose text holds a raw "<" (Alarabia's "<<" quote markers) and a raw "&" (AT&T).
LT_DOC, AMP_DOC = "Alarabia/sport/AL-sport-70-20180215", "Alarabia/technology/AL-technology-275-20180529"
SAMPLE = [path for path, _, _ in OUTLET_TIMES] + EMPTY_TEXT + [LT_DOC, AMP_DOC]


@pytest.fixture(scope="module")
def ant_records(ant_zip):
    """Every record of the real archive, and the read statistics (read once: ~3 s)."""
    stats = ReadStats()
    records = list(read_ant(CorpusSpec(name="ant", path=ant_zip), stats=stats))
    return records, stats


@pytest.fixture(scope="module")
def by_id(ant_records):
    return {rec["id"]: rec for rec in ant_records[0]}


@pytest.fixture(scope="module")
def sample_bytes(ant_zip):
    """Raw bytes of the SAMPLE files (opening the archive costs ~0.4 s: done once)."""
    with zipfile.ZipFile(ant_zip) as zf:
        return {path: zf.read(f"{TOP}/{path}.txt") for path in SAMPLE}


def _docno(path: str) -> str:
    return path.rsplit("/", 1)[1]


# --- parse_ant_doc on small strings -----------------------------------------------------

def test_parse_well_formed_document():
    doc = parse_ant_doc(
        "<DOC>\n<DOCNO>BB-x-1-20180218</DOCNO>\n<URL>http://a.b/c?d=1&e=2</URL>\n<SRC>BBC</SRC>\n<CAT>sport</CAT>\n"
        "<TITLE>  A   title </TITLE>\n<TIME>Sun, 18 Feb 2018 20:50:44 GMT</TIME>\n<AUTHOR></AUTHOR>\n"
        "<ABSTRACT>\nSummary.\n</ABSTRACT>\n<TEXT>\n first paragraph \n\n second\n</TEXT>\n</DOC>\n"
    )
    assert doc == {
        "docno": "BB-x-1-20180218", "url": "http://a.b/c?d=1&e=2", "src": "BBC", "cat": "sport", "title": "A title",
        "time": "Sun, 18 Feb 2018 20:50:44 GMT", "author": "", "abstract": "Summary.", "text": "first paragraph\nsecond",
    }


@pytest.mark.parametrize("text, field, expected", [
    ("<DOC><TITLE>AT&T & S&P</TITLE></DOC>", "title", "AT&T & S&P"),
    ("<DOC><TEXT>a < b << c <br> d</TEXT></DOC>", "text", "a < b << c <br> d"),
    ("<DOC><TEXT>x &amp; y</TEXT></DOC>", "text", "x &amp; y"),
    ("<DOC><TEXT>no closing tags\nat all", "text", "no closing tags\nat all"),
    ("<DOC><TEXT>closed by the document only\n</DOC>", "text", "closed by the document only"),
    ("<DOC><TITLE>unclosed title\n<TIME>Sun, 18 Feb 2018 20:50:44 GMT</TIME></DOC>", "title", "unclosed title"),
    ("<DOC><TITLE>unclosed title\n<TIME>Sun, 18 Feb 2018 20:50:44 GMT</TIME></DOC>", "time", "Sun, 18 Feb 2018 20:50:44 GMT"),
    ("<doc><docno>lower-1</docno><text>lower case tags</text></doc>", "docno", "lower-1"),
    ("\ufeff<DOC><DOCNO>bom-1</DOCNO></DOC>", "docno", "bom-1"),
    ("<DOC>\r\n<TEXT>\r\nline one\r\nline two\r\n</TEXT>\r\n</DOC>", "text", "line one\nline two"),
    ("<DOC><DOCNO>only-docno</DOCNO></DOC>", "text", ""),
    ("no tags at all", "docno", ""),
], ids=["amp", "lt", "entity-kept", "no-closing", "doc-closes", "unclosed-title", "next-field-intact",
        "lowercase", "bom", "crlf", "missing-text", "no-tags"])
def test_parse_tolerates_broken_markup(text, field, expected):
    assert parse_ant_doc(text)[field] == expected


# --- parse_ant_time and abstract_in_body ------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("Sun, 18 Feb 2018 21:35:43 +0400", dt.datetime(2018, 2, 18, 17, 35, 43, tzinfo=UTC)),
    ("Tue, 13 Feb 2018 10:22:00 +0000", dt.datetime(2018, 2, 13, 10, 22, tzinfo=UTC)),
    ("Sun, 18 Feb 2018 17:21:49 GMT", dt.datetime(2018, 2, 18, 17, 21, 49, tzinfo=UTC)),
    ("18 Feb 2018 17:21 GMT", dt.datetime(2018, 2, 18, 17, 21, tzinfo=UTC)),
    ("Mon, 01 Jan 2018 01:00:00 -0130", dt.datetime(2018, 1, 1, 2, 30, tzinfo=UTC)),
    ("2018-02-18T21:35:43+04:00", dt.datetime(2018, 2, 18, 17, 35, 43, tzinfo=UTC)),
    ("2018-02-18T21:35:43", None),
    ("Sun, 31 Feb 2018 10:00:00 GMT", None),
    ("Sun, 18 Foo 2018 10:00:00 GMT", None),
    ("Sun, 18 Feb 2018 10:00:00", None),
    ("yesterday", None),
    ("", None),
], ids=["alarabia", "cnn", "gmt", "no-weekday-no-seconds", "negative-offset", "iso", "iso-naive",
        "impossible-date", "bad-month", "no-zone", "words", "empty"])
def test_parse_ant_time(value, expected):
    assert parse_ant_time(value) == expected


@pytest.mark.parametrize("abstract, body, expected", [
    ("one two three.", "one two three. four", True),
    ("one two.three four", "one two.\nthree four five", True),  # paragraphs glued in the abstract
    ("one two three fo", "one two three four five", True),  # truncated last word
    ("one two three", "Dubai (CNN) -- one two three four", True),  # after a dateline
    ("one two three...", "one two three four", True),
    ("a separate summary", "the body says something else", False),
    ("", "anything", False),
], ids=["prefix", "glued", "truncated", "inside", "dots", "summary", "empty"])
def test_abstract_in_body(abstract, body, expected):
    assert abstract_in_body(abstract, body) is expected


# --- the real archive ---------------------------------------------------------------------

def test_reads_every_file_of_the_archive(ant_records):
    records, stats = ant_records
    assert len(records) == stats.read == 31525
    assert dict(stats.skipped) == {}
    assert dict(stats.encodings) == {"utf-8": 31525}
    assert stats.notes == ["ant: empty TEXT (kept: title/abstract only): 2"]
    assert len({rec["id"] for rec in records}) == 31525


def test_counts_per_outlet_and_section_match_the_readme(ant_records):
    counts = collections.Counter((rec["source"], rec["section"]) for rec in ant_records[0])
    expected = {(src, sec): n for src, row in COUNTS.items() for sec, n in row.items()}
    assert dict(counts) == expected


def test_every_record_has_text_time_and_corpus(ant_records):
    records = ant_records[0]
    assert all(rec["text"] and rec["corpus"] == "ant" and rec["url"] for rec in records)
    assert all(rec["published"] is not None and rec["published"].tzinfo == UTC for rec in records)
    years = collections.Counter(rec["published"].year for rec in records)
    assert years[2018] == 31525 - 73 and min(years) == 2012  # 73 Alarabia archive articles


@pytest.mark.parametrize("path, raw, expected", OUTLET_TIMES, ids=[p.split("/")[0] for p, _, _ in OUTLET_TIMES])
def test_published_for_each_outlet(sample_bytes, by_id, path, raw, expected):
    assert parse_ant_doc(sample_bytes[path].decode("utf-8"))["time"] == raw
    rec = by_id[_docno(path)]
    assert rec["published"] == expected
    assert rec["source"] == path.split("/")[0]


def test_empty_text_documents_are_kept_with_their_title(by_id):
    for path in EMPTY_TEXT:
        rec = by_id[_docno(path)]
        assert rec["body"] == ""
        assert rec["title"] == rec["text"] == EMPTY_TEXT_TITLE


def test_abstract_is_not_repeated_when_the_body_holds_it(sample_bytes, by_id):
    sky = parse_ant_doc(sample_bytes["SkyNews/economy/SK-economy-1-20180218"].decode("utf-8"))
    bbc = parse_ant_doc(sample_bytes["BBC/culture/BB-culture-1-20180218"].decode("utf-8"))
    rec = by_id["SK-economy-1-20180218"]
    assert rec["text"] == sky["title"] + "\n" + sky["text"]
    assert rec["text"].count(sky["abstract"]) == 1
    # BBC's abstract is a separate summary: kept between title and body
    assert by_id["BB-culture-1-20180218"]["text"] == "\n".join([bbc["title"], bbc["abstract"], bbc["text"]])


def test_raw_lt_and_amp_survive(by_id):
    assert "<< " in by_id[_docno(LT_DOC)]["body"]
    assert "AT&T" in by_id[_docno(AMP_DOC)]["body"]


# --- unpacked trees, data folders, errors ---------------------------------------------------

def _unpack_sample(sample_bytes, root):
    """Write the SAMPLE files into root/<TOP>/... (tmp only: never the repo)."""
    for path, data in sample_bytes.items():
        target = root / TOP / f"{path}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


@pytest.mark.parametrize("where", ["parent", "top", "outlet"])
def test_unpacked_tree_gives_the_same_records(sample_bytes, by_id, tmp_path, where):
    root = _unpack_sample(sample_bytes, tmp_path)
    path = {"parent": root, "top": root / TOP, "outlet": root / TOP / "France24"}[where]
    stats = ReadStats()
    records = list(read_ant(CorpusSpec(name="ant", path=path), stats=stats))
    expected = [p for p in SAMPLE if where != "outlet" or p.startswith("France24/")]
    assert sorted(rec["id"] for rec in records) == sorted(_docno(p) for p in expected)
    assert all(rec == by_id[rec["id"]] for rec in records)
    assert stats.read == len(expected)


def test_tree_skips_undecodable_empty_and_misplaced_files(tmp_path):
    outlet = tmp_path / TOP / "BBC" / "sport"
    outlet.mkdir(parents=True)
    (outlet / "BB-sport-1-1.txt").write_bytes(b"<DOC><DOCNO>BB-sport-1-1</DOCNO><TITLE>\xff\xfe bad</TITLE></DOC>")
    (outlet / "BB-sport-2-1.txt").write_text("<DOC><DOCNO>BB-sport-2-1</DOCNO><TITLE></TITLE><TEXT></TEXT></DOC>")
    (outlet / "notes.txt").write_text("not an ANT file")
    (outlet / ".hidden.txt").write_text("<DOC><TITLE>hidden</TITLE></DOC>")
    (tmp_path / TOP / "README.txt").write_text("readme")  # looks like <Source>/<section>/: no tags
    (tmp_path / "stray.txt").write_text("<DOC><TITLE>outside the layout</TITLE></DOC>")
    (outlet / "BB-sport-3-1.txt").write_text("\ufeff<DOC><TITLE>kept</TITLE><TIME>soon</TIME></DOC>", encoding="utf-8")
    stats = ReadStats()
    records = list(read_ant(CorpusSpec(name="ant", path=tmp_path), stats=stats))
    assert [(r["id"], r["title"], r["section"], r["source"], r["published"]) for r in records] == [
        ("BB-sport-3-1", "kept", "sport", "BBC", None)]
    assert dict(stats.skipped) == {"not UTF-8": 1, "no title, abstract or text": 1, "not an ANT document (no tags)": 2,
                                   "not in a <Source>/<section>/ folder": 1}
    assert dict(stats.encodings) == {"utf-8": 3, "utf-8-sig": 1}
    assert "ant: missing DOCNO (file name used as id): 1" in stats.notes
    assert "ant: unparsed time (kept with published=None): 1" in stats.notes


def test_found_in_the_data_folder_and_labelled(sample_bytes, tmp_path, monkeypatch):
    monkeypatch.setenv("ARCLF_CACHE", str(tmp_path / "cache"))
    with zipfile.ZipFile(tmp_path / "ant-multisource-v2.1.zip", "w") as dst:
        for path, data in sample_bytes.items():
            dst.writestr(f"{TOP}/{path}.txt", data)
    records, report = load_corpus("ant", data_dir=tmp_path)
    assert len(records) == len(SAMPLE) == report.stats.read
    bbc = next(r for r in records if r["id"] == "BB-culture-1-20180218")
    assert (bbc["topic"], bbc["source_type"]) == ("culture", "foreign_broadcaster")


def test_missing_corpus_names_arclf_data_and_fetch(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("ARCLF_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("ARCLF_CACHE", str(tmp_path / "cache"))
    with pytest.raises(DataError, match=r"ANT corpus: not found .*ARCLF_DATA.*arclf data fetch ant"):
        list(read_ant(CorpusSpec(name="ant"), stats=ReadStats()))


def test_a_data_folder_that_does_not_exist_is_named_before_any_download(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCLF_DATA", str(tmp_path / "typo"))
    monkeypatch.setenv("ARCLF_CACHE", str(tmp_path / "cache"))
    with pytest.raises(DataError) as err:
        list(read_ant(CorpusSpec(name="ant"), stats=ReadStats()))
    assert str(err.value) == (f"data folder {tmp_path / 'typo'} (from ARCLF_DATA) is not a folder; fix the path, or "
                              f"leave ARCLF_DATA unset to use the download cache {tmp_path / 'cache'}")
    assert not (tmp_path / "cache").exists()


def test_explicit_path_that_is_not_an_archive(tmp_path):
    bad = tmp_path / "ant.zip"
    bad.write_text("not a zip")
    with pytest.raises(DataError, match="neither a zip archive nor a folder"):
        list(read_ant(CorpusSpec(name="ant", path=bad), stats=ReadStats()))
    with pytest.raises(DataError, match="does not exist"):
        list(read_ant(CorpusSpec(name="ant", path=tmp_path / "nowhere.zip"), stats=ReadStats()))


def test_a_cache_path_that_is_a_file_is_one_line(tmp_path, monkeypatch):
    (tmp_path / "cachefile").write_text("x")
    monkeypatch.setenv("ARCLF_CACHE", str(tmp_path / "cachefile"))
    monkeypatch.delenv("ARCLF_DATA", raising=False)
    with pytest.raises(DataError) as err:
        list(read_ant(CorpusSpec(name="ant"), stats=ReadStats()))
    assert str(err.value) == (f"ARCLF_CACHE {tmp_path / 'cachefile'} is a file, not a folder; set ARCLF_CACHE to a "
                              "folder arclf may write to")
