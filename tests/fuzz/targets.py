"""Fuzz targets shared by the property tests (a short run) and experiments/fuzz/campaign.py (a long one).

Each target takes one generated input and either returns normally or raises one of arclf's own
errors (:class:`arclf.errors.ArclfError`) with a one-line message; anything else is a bug.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import strategies as st

from arclf.errors import ArclfError

#: Pieces of real Arabic news text to mix in (written for the tests, not taken from a corpus).
ARABIC = ["قال مسؤول كبير إن الحكومة ناشدت", "الرئيسية ليبيا واشنطن بوست | خبر", "الخميس 28 نوفمبر 2019 - 9:22 م",
          "ﻻ ﷲ ﻷ", "\u0623\u064e\u0644\u0652\u0645\u064e\u0627\u0646\u0652\u064a\u064e\u0627", "\u200f\u202bنص\u202c\u200e",
          "<DOC><DOCNO>X-1</DOCNO><TEXT>نص الخبر</TEXT></DOC>", '{"id": "a", "text": "نص"}\n', "١٢٣٤ ۱۲۳"]

#: Unicode from every plane, bidi controls, presentation forms, lone surrogates (as in surrogateescape).
any_text = st.lists(st.one_of(st.text(st.characters(codec=None, exclude_categories=())), st.sampled_from(ARABIC),
                              st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF)), max_size=12).map("".join)
any_bytes = st.one_of(st.binary(max_size=2000),
                      any_text.map(lambda t: t.encode("utf-8", "surrogateescape") if t.isascii() else
                                   t.encode("utf-8", "surrogatepass")),
                      st.tuples(st.sampled_from(ARABIC), st.binary(max_size=50), st.sampled_from(["utf-8", "utf-16-le", "cp1256"]))
                      .map(lambda x: x[0].encode(x[2], "replace") + x[1]),
                      st.tuples(st.sampled_from(ARABIC), st.integers(0, 40)).map(lambda x: x[0].encode("utf-8")[: x[1]]))


def decode(data: bytes) -> None:
    from arclf.text.decode import decode_bytes

    try:
        text, encoding = decode_bytes(data, name="fuzz.txt")
    except ArclfError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.txt: ")
        return
    assert isinstance(text, str) and isinstance(encoding, str)


def read_input(data: bytes) -> None:
    from arclf.prediction.inputs import read_input as read

    try:
        records = list(read(data, name="fuzz.jsonl"))
    except ArclfError as exc:
        assert "\n" not in str(exc)
        return
    for rec in records:
        assert isinstance(rec["text"], str) and rec["text"].strip()


def parse_page(text: str) -> None:
    from arclf.corpus.pages import looks_like_page, parse_page as parse

    looks_like_page(text)
    page = parse(text)
    assert set(page) >= {"title", "sections", "body"} and isinstance(page["sections"], list)


def read_csv(data: bytes) -> None:
    from arclf.config import CorpusSpec
    from arclf.corpus.base import ReadStats
    from arclf.corpus.tables import read_table

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        path.write_bytes(b"text,id,section\n" + data)
        try:
            list(read_table(CorpusSpec(name="table", path=path), stats=ReadStats()))
        except ArclfError as exc:
            assert "\n" not in str(exc)


def normalize(text: str) -> None:
    from arclf.text.normalize import normalize_for_dedup, normalize_text

    once = normalize_text(text)
    assert normalize_text(once) == once  # idempotent
    key = normalize_for_dedup(text)
    assert normalize_for_dedup(key) == key


TARGETS = {"decode_bytes": (decode, any_bytes), "read_input": (read_input, any_bytes), "parse_page": (parse_page, any_text),
           "table_csv": (read_csv, any_bytes), "normalize": (normalize, any_text)}
