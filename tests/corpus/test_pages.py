"""Tests for arclf.corpus.pages: the real seed page, date lines, breadcrumbs, trailers, the reader."""

from __future__ import annotations

import datetime as dt

import pytest

from arclf.config import CorpusSpec
from arclf.corpus.base import ReadStats
from arclf.corpus.pages import fold, looks_like_page, parse_arabic_date, parse_page, read_pages, split_breadcrumb
from arclf.errors import DataError

UTC = dt.timezone.utc

HOME = "\u0627\u0644\u0631\u0626\u064a\u0633\u064a\u0629"  # al-ra'isiya, "home"
LIBYA = "\u0644\u064a\u0628\u064a\u0627"  # libya
WAPO = "\u0648\u0627\u0634\u0646\u0637\u0646 \u0628\u0648\u0633\u062a"  # washintun bust, Washington Post
NEWS = "\u0623\u062e\u0628\u0627\u0631"  # akhbar, "news"
WORLD_AFFAIRS = "\u0634\u0624\u0648\u0646 \u062f\u0648\u0644\u064a\u0629"  # shu'un dawliya, "international affairs"
HAFTAR = "\u062d\u0641\u062a\u0631"  # haftar
SOURCE = "\u0627\u0644\u0645\u0635\u062f\u0631"  # al-masdar, "source"
TAGS = "\u0648\u0633\u0648\u0645:"  # wusum:, "tags:"
#: "The United States of America calls on Haftar to back down" (the seed's title).
SEED_TITLE = ("\u0627\u0644\u0648\u0644\u0627\u064a\u0627\u062a \u0627\u0644\u0645\u062a\u062d\u062f\u0629 "
              "\u0627\u0644\u0627\u0645\u0631\u064a\u0643\u064a\u0629 \u062a\u062f\u0639\u0648 \u062d\u0641\u062a\u0631 "
              "\u0644\u0644\u062a\u0631\u0627\u062c\u0639")
#: "A senior official said" (the body's first words).
BODY_START = "\u0642\u0627\u0644 \u0645\u0633\u0624\u0648\u0644 \u0643\u0628\u064a\u0631"
#: "I see a Libyan solution." (the body's last words, with the page's closing quote).
BODY_END = "\u0623\u0631\u0649 \u062d\u0644\u0627\u064b \u0644\u064a\u0628\u064a\u064b\u0627 \u201c."
#: "Thursday 28 November 2019 - 9:22 PM" (the seed's date line).
SEED_DATE = "\u0627\u0644\u062e\u0645\u064a\u0633 28 \u0646\u0648\u0641\u0645\u0628\u0631 2019 - 9:22 \u0645"


@pytest.fixture(scope="module")
def seed(seed_page):
    return seed_page.read_text(encoding="utf-8")


def _page(*lines: str) -> str:
    return "\n\n".join(lines)


# --- the seed page ----------------------------------------------------------------------

def test_seed_title_date_and_sections(seed):
    page = parse_page(seed)
    assert page["title"] == SEED_TITLE
    assert page["published"] == dt.datetime(2019, 11, 28, 21, 22)  # the page's local time: no zone
    assert page["sections"] == [LIBYA, WAPO]


def test_seed_body_starts_and_ends_at_the_article(seed):
    body = parse_page(seed)["body"]
    assert body.startswith(BODY_START)
    assert body.endswith(BODY_END)
    assert len(body.split("\n")) == 20  # paragraphs, one per line, blank lines dropped
    assert SEED_TITLE not in body and "2019 - 9:22" not in body


def test_seed_trailer_is_dropped(seed):
    page = parse_page(seed)
    trailer = page["trailer"].split("\n")
    assert trailer[0] == SOURCE and trailer[1] == TAGS and len(trailer) == 4
    assert TAGS not in page["body"] and SOURCE not in page["body"].split("\n")[-1]


def test_seed_looks_like_a_page(seed):
    assert looks_like_page(seed)
    assert looks_like_page(seed.replace("\n", "\r\n"))
    assert parse_page(seed.replace("\n", "\r\n")) == parse_page(seed)


# --- looks_like_page on other inputs ----------------------------------------------------------

@pytest.mark.parametrize("text", [
    "<DOC><DOCNO>X</DOCNO><TEXT>" + BODY_START + "</TEXT></DOC>",
    BODY_START + "\n" + BODY_START,
    '{"text": "' + BODY_START + '"}',
    "",
    SEED_DATE + "\n" + BODY_START,  # a date but no breadcrumb
], ids=["ant", "plain", "jsonl", "empty", "date-only"])
def test_other_inputs_are_not_pages(text):
    assert not looks_like_page(text)


def test_page_without_home_item_but_with_bar_and_date():
    assert looks_like_page(_page(f"{LIBYA} | {SEED_TITLE}", SEED_TITLE, SEED_DATE, BODY_START))


# --- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, expected", [
    (SEED_DATE, dt.datetime(2019, 11, 28, 21, 22)),
    # Saturday 3 kanun al-thani/yanayir (January) 2020 at 12:05 sad (AM), Arabic-Indic digits
    ("\u0627\u0644\u0633\u0628\u062a \u0663 \u0643\u0627\u0646\u0648\u0646 \u0627\u0644\u062b\u0627\u0646\u064a/"
     "\u064a\u0646\u0627\u064a\u0631 \u0662\u0660\u0662\u0660 \u0627\u0644\u0633\u0627\u0639\u0629 12:05 \u0635",
     dt.datetime(2020, 1, 3, 0, 5)),
    ("5 \u0623\u063a\u0633\u0637\u0633 2018", dt.datetime(2018, 8, 5)),  # aghustus (hamza spelling)
    ("12 \u062c\u0648\u064a\u0644\u064a\u0629 2021 - 12:30 \u0645", dt.datetime(2021, 7, 12, 12, 30)),  # juwilya
    ("1 \u062a\u0634\u0631\u064a\u0646 \u0627\u0644\u0623\u0648\u0644 2017 08:15", dt.datetime(2017, 10, 1, 8, 15)),
    ("31 \u0641\u0628\u0631\u0627\u064a\u0631 2019", None),  # 31 February
    ("28 \u0641\u0648\u0645\u0628\u0631 2019", None),  # not a month
    (BODY_START, None),
], ids=["seed", "levant-indic-am", "hamza", "maghreb-noon", "tishrin", "impossible", "unknown-month", "no-date"])
def test_parse_arabic_date(line, expected):
    assert parse_arabic_date(line) == expected


def test_fold_matches_spelling_variants():
    # alef with hamza -> alef, teh marbuta -> heh, tashkeel and tatweel dropped, Arabic-Indic digits
    assert fold("\u0623\u0640\u064e\u0629 \u0661\u0662") == "\u0627\u0647 12"


# --- breadcrumbs -------------------------------------------------------------------------------

@pytest.mark.parametrize("crumbs, column, expected", [
    (f"{HOME} {LIBYA} {WAPO}", WAPO, [LIBYA, WAPO]),
    (f"{HOME} {WORLD_AFFAIRS} {WAPO}", WAPO, [WORLD_AFFAIRS, WAPO]),  # two-word section kept whole
    (f"{HOME} {LIBYA} {WAPO}", "", [LIBYA, WAPO]),  # rule 2: first word, then the rest
    (f"{HOME} {WORLD_AFFAIRS} {WAPO}", "", [WORLD_AFFAIRS.split()[0], WORLD_AFFAIRS.split()[1] + " " + WAPO]),  # its limit
    (f"{HOME} \u203a {NEWS} \u203a {WORLD_AFFAIRS}", "", [NEWS, WORLD_AFFAIRS]),  # explicit separators
    (f"{HOME} > {NEWS}", "", [NEWS]),
    (f"{HOME} {LIBYA}", "", [LIBYA]),
    (f"{HOME}", "", []),
], ids=["seed", "two-word-section", "no-column", "no-column-limit", "separators", "gt", "one-item", "home-only"])
def test_split_breadcrumb(crumbs, column, expected):
    assert split_breadcrumb(crumbs, column) == expected


# --- trailers -------------------------------------------------------------------------------------

def test_source_line_inside_the_body_is_body():
    mid = f"{SOURCE}: " + BODY_START  # "Source: a senior official said" followed by long paragraphs
    long_para = BODY_END * 5
    page = parse_page(_page(f"{HOME} {LIBYA} | {SEED_TITLE}", SEED_TITLE, SEED_DATE, mid, long_para, TAGS, HAFTAR))
    assert page["body"].split("\n") == [mid, long_para]
    assert page["trailer"].split("\n") == [TAGS, HAFTAR]
    assert page["sections"] == [LIBYA]


def test_page_without_trailer_or_date():
    page = parse_page(_page(f"{HOME} {LIBYA} | {SEED_TITLE}", SEED_TITLE, BODY_START))
    assert (page["published"], page["body"], page["trailer"]) == (None, BODY_START, "")


def test_empty_page():
    assert parse_page("\n \n") == {"title": "", "column": None, "published": None, "sections": [], "body": "", "trailer": ""}


# --- the reader ---------------------------------------------------------------------------------

def test_read_pages_folder(seed, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_bytes(seed.encode("cp1256", errors="replace"))
    (tmp_path / "b.txt").write_text(seed, encoding="utf-8")
    (tmp_path / "plain.txt").write_text(BODY_START, encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    (tmp_path / ".hidden.txt").write_text(seed, encoding="utf-8")
    stats = ReadStats()
    records = list(read_pages(CorpusSpec(name="pages", path=tmp_path), stats=stats))
    assert [r["id"] for r in records] == ["b.txt", "sub/a.txt"]
    rec = records[0]
    assert (rec["corpus"], rec["section"], rec["source"], rec["title"]) == ("pages", LIBYA, WAPO, SEED_TITLE)
    assert rec["published"] == dt.datetime(2019, 11, 28, 21, 22, tzinfo=UTC)
    assert rec["text"].startswith(SEED_TITLE + "\n" + BODY_START) and rec["text"].endswith(BODY_END)
    assert dict(stats.skipped) == {"binary data (NUL bytes), not text": 1, "not a saved page": 1}  # the decoder's reason
    assert dict(stats.encodings) == {"utf-8": 2, "cp1256": 1}
    assert stats.read == 2


def test_read_pages_single_file_and_corpus_name(seed_page):
    records = list(read_pages(CorpusSpec(name="pages", path=seed_page, corpus="libya-sites"), stats=ReadStats()))
    assert [(r["id"], r["corpus"]) for r in records] == [(seed_page.name, "libya-sites")]


def test_read_pages_needs_an_existing_path(tmp_path):
    with pytest.raises(DataError, match="set `path`"):
        list(read_pages(CorpusSpec(name="pages"), stats=ReadStats()))
    with pytest.raises(DataError, match="does not exist"):
        list(read_pages(CorpusSpec(name="pages", path=tmp_path / "none"), stats=ReadStats()))


def test_the_column_is_kept_as_its_own_field(seed_page):
    """Field test 13: the seed page's column (the newspaper the report is translated from) is a field."""
    from arclf.corpus.pages import parse_page
    from arclf.prediction.inputs import iter_inputs

    page = parse_page(seed_page.read_text(encoding="utf-8"))
    assert page["column"] == WAPO and page["title"] == SEED_TITLE
    assert next(iter_inputs([seed_page]))["column"] == WAPO


def test_page_time_is_local_and_the_reader_says_how_it_stores_it(seed_page, tmp_path):
    """Field test 13: '9:22 م' is the page's own 21:22, not a UTC time; the corpus reader, whose schema
    is UTC, says that it stores the local time as if it were UTC."""
    (tmp_path / "a.txt").write_text(seed_page.read_text(encoding="utf-8"), encoding="utf-8")
    page = parse_page(seed_page.read_text(encoding="utf-8"))
    assert page["published"] == dt.datetime(2019, 11, 28, 21, 22) and page["published"].tzinfo is None
    stats = ReadStats()
    (rec,) = read_pages(CorpusSpec(name="pages", path=tmp_path), stats=stats)
    assert rec["published"] == dt.datetime(2019, 11, 28, 21, 22, tzinfo=UTC)
    assert stats.notes == ["page times carry no time zone: their local time is stored as if it were UTC"]
