"""Tests for arclf.text.decode: encodings, input formats, folders, standard input and every input error."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
import zipfile

import pytest

from arclf.errors import InputError
from arclf.prediction.inputs import iter_inputs, read_input
from arclf.text.decode import decode_bytes, has_arabic

UTC = dt.timezone.utc
WORD = "\u0628\u064a\u062a"  # BEH YEH TEH: bayt, "house"
#: Libya (the seed's first breadcrumb item).
LIBYA = "\u0644\u064a\u0628\u064a\u0627"


@pytest.fixture(scope="module")
def paragraph(seed_page) -> str:
    """A real Arabic paragraph (the seed page's first body paragraph, with Latin punctuation)."""
    return seed_page.read_text(encoding="utf-8").split("\n")[6]


@pytest.fixture(scope="module")
def ant_doc_bytes(ant_zip) -> bytes:
    with zipfile.ZipFile(ant_zip) as zf:
        return zf.read("antcorpus.multisource.data-master/BBC/culture/BB-culture-1-20180218.txt")


# --- has_arabic -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    (WORD, True),
    ("\ufefb", True),  # ARABIC LIGATURE LAM WITH ALEF ISOLATED FORM (presentation form)
    ("\u06a9", True),  # ARABIC LETTER KEHEH (Persian kaf)
    ("\u0660\u0661\u060c\u061f", False),  # ARABIC-INDIC DIGITS, ARABIC COMMA, ARABIC QUESTION MARK
    ("\u064b\u0640", False),  # ARABIC FATHATAN, ARABIC TATWEEL: marks, not letters
    ("Hello, world", False),
    ("", False),
], ids=["letters", "presentation-form", "keheh", "digits-punct", "marks", "latin", "empty"])
def test_has_arabic(text, expected):
    assert has_arabic(text) is expected


# --- decode_bytes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("codec, prefix, expected", [
    ("utf-8", b"", "utf-8"),
    ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
    ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16-le"),
    ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
    ("utf-16-le", b"", "utf-16-le"),
    ("utf-16-be", b"", "utf-16-be"),
    ("utf-32-le", codecs.BOM_UTF32_LE, "utf-32-le"),
    ("cp1256", b"", "cp1256"),
    ("iso8859-6", b"", "iso8859-6"),
], ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "utf32le-bom", "cp1256", "iso8859-6"])
def test_decode_real_arabic(paragraph, codec, prefix, expected):
    text = paragraph if codec != "iso8859-6" else paragraph.replace("\u064b", "")  # no tanween in ISO-8859-6
    assert decode_bytes(prefix + text.encode(codec), name="x.txt") == (text, expected)


def test_cp1256_wins_over_western_code_pages(paragraph):
    data = paragraph.encode("cp1256")
    assert data.decode("cp1252", errors="replace") != paragraph  # what a Western guess would give
    text, encoding = decode_bytes(data, name="x.txt")
    assert encoding == "cp1256" and has_arabic(text)


def test_bomless_utf16_without_any_ascii():
    assert decode_bytes((WORD * 3).encode("utf-16-le"), name="x") == (WORD * 3, "utf-16-le")


def test_latin1_text_is_not_read_as_arabic():
    text, encoding = decode_bytes("Bonjour \xe0 tous, tr\xe8s bien, gar\xe7on".encode("latin-1"), name="x")
    assert not has_arabic(text) and encoding not in ("cp1256", "iso8859-6", "cp1006")


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    b"%PDF-1.4\n" + bytes(range(0, 32)) * 8,
    bytes([7, 8, 1, 2, 3]) * 40,
], ids=["png", "pdf-like", "control-bytes"])
def test_binary_is_refused(data):
    with pytest.raises(InputError, match=r"^img\.bin: binary"):
        decode_bytes(data, name="img.bin")


def test_broken_bom_is_refused():
    with pytest.raises(InputError, match=r"x\.txt: starts with a utf-8-sig byte order mark but is not valid"):
        decode_bytes(codecs.BOM_UTF8 + b"\xff\xfe\xfd", name="x.txt")


# --- iter_inputs: formats ----------------------------------------------------------------------------

def test_plain_text_with_line_breaks_is_one_article(tmp_path, paragraph):
    path = tmp_path / "a.txt"
    path.write_bytes(f"{paragraph}\r\n\r\n{WORD}\u2028{WORD}\r{WORD}\n".encode("utf-8"))
    records = list(iter_inputs([path]))
    assert len(records) == 1
    rec = records[0]
    assert rec == {"id": str(path), "text": f"{paragraph}\n\n{WORD}\n{WORD}\n{WORD}", "title": None, "published": None,
                   "sections": [], "format": "text", "encoding": "utf-8", "path": str(path)}


def test_jsonl_with_and_without_id(tmp_path):
    path = tmp_path / "in.jsonl"
    lines = [{"id": "a1", "text": WORD}, {"text": f"{WORD}\u2028{WORD}", "title": LIBYA}, {"id": 7, "text": WORD}]
    path.write_text(json.dumps(lines[0]) + "\n\n" + "\n".join(json.dumps(x, ensure_ascii=False) for x in lines[1:]) + "\n",
                    encoding="utf-8")
    records = list(iter_inputs([str(path)]))
    assert [(r["id"], r["text"], r["title"], r["format"]) for r in records] == [
        ("a1", WORD, None, "jsonl"),
        (f"{path}:3", f"{LIBYA}\n{WORD}\n{WORD}", LIBYA, "jsonl"),
        ("7", WORD, None, "jsonl"),
    ]


def test_jsonl_detected_without_suffix_and_json_array(tmp_path):
    plain = tmp_path / "in.txt"
    plain.write_text(json.dumps({"text": WORD}), encoding="utf-8")
    array = tmp_path / "in.json"
    array.write_text(json.dumps([{"id": "x", "text": WORD}, {"text": WORD}], indent=2), encoding="utf-8")
    assert [(r["id"], r["format"]) for r in iter_inputs([plain, array])] == [
        (f"{plain}:1", "jsonl"), ("x", "jsonl"), (f"{array}:2", "jsonl")]


def test_ant_file_and_seed_page(tmp_path, ant_doc_bytes, seed_page):
    ant = tmp_path / "doc.txt"
    ant.write_bytes(ant_doc_bytes)
    records = list(iter_inputs([ant, seed_page]))
    assert [(r["id"], r["format"]) for r in records] == [("BB-culture-1-20180218", "ant"), (str(seed_page), "page")]
    assert records[0]["published"] == dt.datetime(2018, 2, 18, 17, 21, 49, tzinfo=UTC)
    assert records[0]["sections"] == ["culture"]
    page = records[1]
    assert page["published"] == dt.datetime(2019, 11, 28, 21, 22)  # a page's time is local, without zone
    assert page["sections"][0] == LIBYA
    assert page["text"].startswith(page["title"] + "\n")


def test_several_ant_documents_in_one_file(tmp_path):
    path = tmp_path / "trec.txt"
    path.write_text(f"<DOC><DOCNO>d1</DOCNO><TEXT>{WORD}</TEXT></DOC>\n<DOC><TEXT>{WORD}</TEXT></DOC>\n", encoding="utf-8")
    assert [r["id"] for r in iter_inputs([path])] == ["d1", f"{path}:2"]


def test_folder_is_read_recursively_sorted_without_hidden_files(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ["b/2.txt", "a.txt", "b/1.txt", ".hidden.txt", ".git/x.txt"]:
        (tmp_path / name).write_text(WORD, encoding="utf-8")
    ids = [r["id"] for r in iter_inputs([tmp_path])]
    assert ids == [str(tmp_path / "a.txt"), str(tmp_path / "b" / "1.txt"), str(tmp_path / "b" / "2.txt")]


@pytest.mark.parametrize("stream, encoding", [
    (io.BytesIO(f"{WORD}\r\n{WORD}".encode("cp1256")), "cp1256"),
    (io.StringIO(f"{WORD}\r\n{WORD}"), "text"),
], ids=["bytes", "text"])
def test_standard_input(stream, encoding):
    records = list(iter_inputs(["-"], stdin=stream))
    assert [(r["id"], r["text"], r["encoding"], r["path"]) for r in records] == [("-", f"{WORD}\n{WORD}", encoding, "-")]


def test_read_input_from_text():
    assert [r["text"] for r in read_input("\ufeff" + WORD, name="arg")] == [WORD]


# --- iter_inputs: errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("content, message", [
    (b"", r"empty\.txt: empty file"),
    (b" \n\t\r\n\xe2\x80\x8f ", r"empty\.txt: holds only whitespace"),  # \u200f RIGHT-TO-LEFT MARK
    (b"\x00\x01\x02binary\x00\xff" * 10, r"empty\.txt: binary data"),
    (b"Hello world, no Arabic here.\n", r"empty\.txt: no Arabic letters"),
    ("\u0660\u0661\u0662 \u061f".encode("utf-8"), r"empty\.txt: no Arabic letters"),  # Arabic digits, question mark
], ids=["empty", "whitespace", "binary", "latin", "digits-only"])
def test_input_errors(tmp_path, content, message):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        list(iter_inputs([path]))


@pytest.mark.parametrize("lines, message", [
    ([json.dumps({"text": WORD}), "{not json"], r"in\.jsonl:2: invalid JSON at column 2 \(Expecting property name"),
    ([json.dumps({"id": 1})], r'in\.jsonl:1: the JSON object has no "text" string'),
    ([json.dumps([WORD])], r"in\.jsonl:1: expected a JSON object"),
    ([json.dumps({"text": "english only"})], r"in\.jsonl:1: no Arabic letters"),
    ([json.dumps({"text": "   "})], r"in\.jsonl:1: no text to classify"),
], ids=["invalid", "no-text", "not-object", "no-arabic", "blank-text"])
def test_jsonl_errors_name_the_line(tmp_path, lines, message):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError, match=message):
        list(iter_inputs([path]))


def test_missing_file_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match=r"nope\.txt: file not found"):
        list(iter_inputs([tmp_path / "nope.txt"]))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"empty: folder holds no files"):
        list(iter_inputs([tmp_path / "empty"]))


def test_error_messages_are_one_line(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"")
    with pytest.raises(InputError) as info:
        list(iter_inputs([path]))
    assert "\n" not in str(info.value)


# --- field test 1-3: NUL padding, reasons for skipping, garbled files -------------------------------
@pytest.mark.parametrize("data", [
    "مرحبا بكم في الخبر".encode("utf-8") + b"\x00",
    "مرحبا بكم في الخبر".encode("cp1256") + b"\x00\x00\x00",   # old Windows tools pad with NULs
    "مرحبا بكم في الخبر الطويل جدا جدا جدا جدا جدا جدا جدا جدا جدا جدا جدا".encode("utf-8").replace(b" ", b" \x00", 1),  # one stray NUL
])
def test_nul_padding_and_a_stray_nul_are_tolerated(data):
    text, _ = decode_bytes(data, name="f.txt")
    assert "\x00" not in text and has_arabic(text)


def test_real_binaries_are_still_refused():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20
    with pytest.raises(InputError, match=r"f\.bin: binary"):
        decode_bytes(png, name="f.bin")


def test_folder_corpus_that_yields_nothing_says_why(tmp_path):
    from arclf.corpus.loader import load_corpus
    from arclf.errors import DataError

    (tmp_path / "economy").mkdir()
    (tmp_path / "economy" / "AEE1.txt").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "economy" / "AEE2.txt").write_text("Ã§Ã¹Ã¹Ã´ Ã§Ã¹", encoding="utf-8")  # mojibake: no Arabic letters
    with pytest.raises(DataError) as info:
        load_corpus({"name": "folder", "path": str(tmp_path)})
    msg = str(info.value)
    assert "2 skipped" in msg and "e.g. economy/AEE1.txt" in msg and "no Arabic letters" in msg and "economy/AEE2.txt" in msg


def test_garbled_files_are_skipped_and_counted_not_trained_on(tmp_path):
    from arclf.corpus.loader import load_corpus

    for label in ("economy", "sport"):
        (tmp_path / label).mkdir()
        (tmp_path / label / "good.txt").write_bytes("خبر عن الاقتصاد والرياضة".encode("cp1256") + b"\x00")
        (tmp_path / label / "bad.txt").write_text("ÇáÇÞÊÕÇÏ", encoding="utf-8")
    records, report = load_corpus({"name": "folder", "path": str(tmp_path)})
    assert sorted(r["id"] for r in records) == ["economy/good.txt", "sport/good.txt"]
    assert report.stats.skipped == {"no Arabic letters (garbled encoding or not Arabic)": 2}


def test_csv_given_to_predict_is_read_as_rows(tmp_path):
    """Field test 5: a 3-row CSV is three articles with their ids, not one article named multi.csv."""
    path = tmp_path / "multi.csv"
    path.write_text("id,text,extra\na1,أعلن البنك المركزي رفع الفائدة,x\na2,فاز الفريق بالمباراة,y\n,قال الرئيس إن الحكومة ستعمل,z\n",
                    encoding="utf-8")
    records = list(iter_inputs([path]))
    assert [r["id"] for r in records] == ["a1", "a2", f"{path}:3"] and {r["format"] for r in records} == {"table"}
    assert records[1]["text"] == "فاز الفريق بالمباراة"
    other = tmp_path / "other.tsv"
    other.write_text("body\tkey\nنص الخبر\tk1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no column 'text' to classify \(columns: body, key\); name the text column with --text-column"):
        list(iter_inputs([other]))
    assert [r["id"] for r in iter_inputs([other], text_column="body", id_column="key")] == ["k1"]
    # a title column goes on the text's first line, as training tables read it (the title block reads it there)
    titled = tmp_path / "titled.csv"
    titled.write_text("id,headline,text\nt1,المنتخب يفوز,فاز الفريق بالمباراة\nt2,,قال الرئيس\n", encoding="utf-8")
    one, two = iter_inputs([titled], title_column="headline")
    assert one["text"] == "المنتخب يفوز\nفاز الفريق بالمباراة" and one["title"] == "المنتخب يفوز"
    assert two["text"] == "قال الرئيس" and two["title"] is None
    with pytest.raises(InputError, match=r"no title column 'title' \(columns: id, headline, text\); check --title-column"):
        list(iter_inputs([titled], title_column="title"))


def test_a_windows_1256_csv_is_read_like_a_windows_1256_text(tmp_path):
    """A second fresh-user test: a cp1256 .txt was read, the same text as a .csv refused."""
    path = tmp_path / "cp.csv"
    path.write_bytes("id,text\nb1,خبر عن الاقتصاد والبنوك في البلاد\n".encode("cp1256"))
    (rec,) = iter_inputs([path])
    assert rec["id"] == "b1" and rec["text"] == "خبر عن الاقتصاد والبنوك في البلاد" and rec["encoding"] == "cp1256"
