"""Table readers: ASND's real CSV files, and CSV/TSV/JSONL/Parquet files written here."""

from __future__ import annotations

import collections
import json

import pytest

from arclf.config import CorpusSpec
from arclf.corpus.base import ReadStats
from arclf.corpus.loader import load_corpus
from arclf.corpus.tables import read_asnd, read_table, split_of_file
from arclf.errors import ConfigError, DataError

ASND_CLASSES = {
    "politics", "crime-war-conflict", "others", "art-and-entertainment", "human-rights-press-freedom", "sports",
    "science-and-technology", "business-and-economy", "health", "environment", "spiritual", "education",
}


@pytest.fixture(scope="module")
def asnd(corpora_dir, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("ARCLF_CACHE", str(tmp_path_factory.mktemp("cache")))
    try:
        yield load_corpus("asnd", data_dir=corpora_dir)
    finally:
        mp.undo()


def test_asnd_splits_and_classes(asnd):
    records, report = asnd
    assert collections.Counter(r["split"] for r in records) == {"trn": 6676, "dev": 567, "tst": 1103}
    assert {r["section"] for r in records} == ASND_CLASSES
    assert {r["source"] for r in records} == {"twitter", "youtube", "facebook"}
    assert report.label_map["unknown"] == []
    assert {r["source_type"] for r in records} == {"social_media"}
    assert collections.Counter(r["topic"] for r in records)["crime_conflict"] == 1112


def test_asnd_cells_kept_whole(asnd, asnd_dir):
    records, _ = asnd
    by_id = {r["id"]: r for r in records}
    assert len(by_id) == 8346
    # a quoted cell with newlines stays one record
    post = by_id["1160611840511991808"]
    assert post["text"].count("\n") == 2 and post["section"] == "health"
    # every cell equals what Python's csv module reads (stripped)
    import csv

    for split in ("trn", "dev", "tst"):
        with open(asnd_dir / f"sm_news_ar_{split}.csv", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                assert by_id[row["ID"]]["text"] == row["Content"].strip()
    assert sum("\n" in r["text"] for r in records) > 2500
    # ids keep every digit (read as strings, not floats)
    assert all(r["id"].isdigit() and len(r["id"]) >= 15 for r in records if r["source"] == "twitter")
    # emoji (astral code points) arrive intact
    raw = (asnd_dir / "sm_news_ar_trn.csv").read_text(encoding="utf-8")
    emoji = {ch for ch in raw if ord(ch) >= 0x1F300}
    assert emoji and emoji <= {ch for r in records for ch in r["text"]}


def test_asnd_selected_splits(corpora_dir, tmp_cache):
    stats = ReadStats()
    recs = list(read_asnd(CorpusSpec(name="asnd", splits=["dev"]), stats=stats, data_dir=corpora_dir))
    assert len(recs) == stats.read == 567 and {r["split"] for r in recs} == {"dev"}


def _rows():
    return [
        {"id": "a1", "headline": "عنوان", "content": "نص أول\nبسطرين", "label": "sport", "part": "train"},
        {"id": "a2", "headline": "", "content": "نص ثان 😀", "label": "economy", "part": "test"},
        {"id": "a3", "headline": "", "content": "   ", "label": "economy", "part": "train"},
        {"id": "a1", "headline": "", "content": "مكرر", "label": "sport", "part": "train"},
    ]


def _write(path, rows):
    import pandas as pd

    df = pd.DataFrame(rows)
    if path.suffix == ".csv":
        df.to_csv(path, index=False)
    elif path.suffix == ".tsv":
        df.to_csv(path, index=False, sep="\t")
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    else:
        df.to_parquet(path)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"], ids=["csv", "tsv", "jsonl", "parquet"])
def test_table_formats(tmp_path, tmp_cache, suffix):
    path = tmp_path / f"news{suffix}"
    _write(path, _rows())
    spec = CorpusSpec(name="table", path=path, text_column="content", title_column="headline", id_column="id",
                      label_columns={"section": "label"}, split_column="part")
    stats = ReadStats()
    recs = list(read_table(spec, stats=stats))
    assert [r["id"] for r in recs] == ["a1", "a2"]
    assert recs[0]["text"] == "عنوان\nنص أول\nبسطرين" and recs[0]["title"] == "عنوان"
    assert recs[1]["text"] == "نص ثان 😀" and recs[1]["split"] == "test" and recs[1]["section"] == "economy"
    assert recs[0]["corpus"] == "news"
    assert stats.skipped == {"empty text": 1, "duplicate id": 1}


def test_table_without_id_and_with_splits_filter(tmp_path, tmp_cache):
    path = tmp_path / "posts.csv"
    _write(path, _rows())
    spec = CorpusSpec(name="table", path=path, text_column="content", split_column="part", splits=["train"])
    recs = list(read_table(spec, stats=ReadStats()))
    assert [r["id"] for r in recs] == ["posts:0", "posts:3"]


def test_split_per_file(tmp_path, tmp_cache):
    for split in ("trn", "tst"):
        _write(tmp_path / f"data_{split}.csv", _rows()[:2])
    spec = CorpusSpec(name="table", path=tmp_path, text_column="content", splits=["trn", "tst"])
    recs = list(read_table(spec, stats=ReadStats()))
    assert collections.Counter(r["split"] for r in recs) == {"trn": 2, "tst": 2}
    assert split_of_file(tmp_path / "x_dev.csv", ["trn"]) is None


def test_table_errors(tmp_path, tmp_cache):
    path = tmp_path / "t.csv"
    _write(path, _rows())
    with pytest.raises(DataError, match="no column 'Text'.*the columns are id, headline"):
        list(read_table(CorpusSpec(name="table", path=path, text_column="Text"), stats=ReadStats()))
    with pytest.raises(ConfigError, match="label_columns.text"):
        list(read_table(CorpusSpec(name="table", path=path, text_column="content", label_columns={"text": "label"}),
                        stats=ReadStats()))
    with pytest.raises(DataError, match="unsupported table format '.xlsx'"):
        (tmp_path / "t.xlsx").write_bytes(b"x")
        list(read_table(CorpusSpec(name="table", path=tmp_path / "t.xlsx"), stats=ReadStats()))
    with pytest.raises(ConfigError, match="`path` is required"):
        list(read_table(CorpusSpec(name="table"), stats=ReadStats()))
