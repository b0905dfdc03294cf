"""Folder-per-category reader on a corpus assembled from real ANT articles in three encodings."""

from __future__ import annotations

import codecs
import collections
import zipfile

import pytest

from arclf.config import CorpusSpec
from arclf.corpus.base import ReadStats
from arclf.corpus.folders import read_folders
from arclf.corpus.loader import load_corpus
from arclf.errors import ConfigError

ENCODINGS = {  # file encoding -> how to write it
    "cp1256": lambda text: text.encode("cp1256", errors="ignore"),
    "utf-16": lambda text: text.encode("utf-16"),
    "utf-8-sig": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
}


def _canonical(name: str) -> str:
    name = codecs.lookup(name).name
    return "utf-16" if name.startswith("utf-16") else name


@pytest.fixture(scope="module")
def folder_corpus(ant_sample, tmp_path_factory):
    """30 real articles: 10 per section folder, the encodings rotating; names like SA_<n>.txt."""
    root = tmp_path_factory.mktemp("folders") / "news"
    chosen = collections.defaultdict(list)
    for rec in ant_sample:
        if rec["section"] in ("sport", "economy", "culture") and len(chosen[rec["section"]]) < 10:
            chosen[rec["section"]].append(rec)
    expected = {}
    for section, recs in chosen.items():
        (root / section).mkdir(parents=True)
        for i, rec in enumerate(recs):
            enc = list(ENCODINGS)[i % 3]
            region = ("SA", "EG")[i % 2]
            name = f"{region}_{i:02d}.txt"
            (root / section / name).write_bytes(ENCODINGS[enc](rec["text"]))
            expected[f"{section}/{name}"] = (section, enc, region, rec["text"])
    (root / "sport" / "photo.jpg").write_bytes(bytes(range(256)) * 8)  # binary: undecodable
    (root / ".hidden").write_text("ignored")
    return root, expected


def test_labels_and_encodings(folder_corpus):
    root, expected = folder_corpus
    stats = ReadStats()
    recs = list(read_folders(CorpusSpec(name="folder", path=root), stats=stats))
    assert stats.read == len(recs) == 30
    assert {r["id"]: r["section"] for r in recs} == {k: v[0] for k, v in expected.items()}
    want = collections.Counter(v[1] for v in expected.values())
    assert want == {"cp1256": 12, "utf-16": 9, "utf-8-sig": 9}
    assert {_canonical(e): n for e, n in stats.encodings.items()} == want
    assert stats.skipped == {"binary or undecodable data, not text in UTF-8, UTF-16 or Windows-1256": 1}  # the decoder's reason
    assert stats.examples == {"binary or undecodable data, not text in UTF-8, UTF-16 or Windows-1256": ["sport/photo.jpg"]}
    by_id = {r["id"]: r for r in recs}
    for rel, (_, enc, _, text) in expected.items():
        want = text.encode("cp1256", errors="ignore").decode("cp1256") if enc == "cp1256" else text
        assert by_id[rel]["text"] == want.strip()
    assert {r["corpus"] for r in recs} == {"news"}


def test_filename_regex_fills_fields(folder_corpus):
    root, expected = folder_corpus
    spec = CorpusSpec(name="folder", path=root, filename_regex=r"(?P<region>[A-Z]{2})_\d+")
    recs, report = load_corpus(spec)
    assert {r["id"]: r["region"] for r in recs} == {k: v[2] for k, v in expected.items()}
    assert report.stats.notes == []
    recs, report = load_corpus(spec.model_copy(update={"filename_regex": r"(?P<region>SA)_"}))
    assert len(recs) == 30 and sum(r["region"] == "SA" for r in recs) == 15
    assert report.stats.notes == ["15 file names do not match filename_regex '(?P<region>SA)_'"]


def test_zip_with_top_folder(folder_corpus, tmp_path):
    root, expected = folder_corpus
    archive = tmp_path / "news.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                zf.write(path, f"top/{path.relative_to(root).as_posix()}")
        zf.writestr("top/readme.txt", "no label")
    stats = ReadStats()
    recs = list(read_folders(CorpusSpec(name="folder", path=archive, corpus="zipped"), stats=stats))
    assert len(recs) == 30 and {r["section"] for r in recs} == {"sport", "economy", "culture"}
    assert stats.skipped["binary or undecodable data, not text in UTF-8, UTF-16 or Windows-1256"] == 1
    assert {r["corpus"] for r in recs} == {"zipped"}


def test_bad_regex_and_missing_path(tmp_path):
    with pytest.raises(ConfigError, match="not schema fields"):
        list(read_folders(CorpusSpec(name="folder", path=tmp_path, filename_regex="(?P<colour>x)"), stats=ReadStats()))
    with pytest.raises(ConfigError, match="filename_regex"):
        list(read_folders(CorpusSpec(name="folder", path=tmp_path, filename_regex="(?P<region>"), stats=ReadStats()))
    with pytest.raises(ConfigError, match="`path` is required"):
        list(read_folders(CorpusSpec(name="folder"), stats=ReadStats()))


def test_unknown_region_value_is_one_line_at_load_time(tmp_path):
    """Field test 4: a filename_regex reading a code the hierarchy lacks fails when loading, with the fix."""
    from arclf.corpus.loader import load_corpus
    from arclf.errors import DataError

    (tmp_path / "economy").mkdir()
    for name in ("QQ_1.txt", "QQ_2.txt", "TM_3.txt", "UK_4.txt"):
        (tmp_path / "economy" / name).write_text("خبر عن الاقتصاد في البلاد", encoding="utf-8")
    spec = {"name": "folder", "path": str(tmp_path), "filename_regex": r"(?P<region>[A-Z]{2})_.*"}
    with pytest.raises(DataError, match=r"region 'QQ' \(2 records, e.g. economy/QQ_1.txt\) is not an ISO country code.*"
                                         r"alias it \(`QQ: <ISO code>` under aliases: in regions.yaml\)"):
        load_corpus(spec)
    (tmp_path / "economy" / "QQ_1.txt").unlink()
    (tmp_path / "economy" / "QQ_2.txt").unlink()
    records, _ = load_corpus(spec)  # TM (Turkmenistan) is ISO; UK is an alias of GB in regions.yaml
    assert sorted(r["region"] for r in records) == ["TM", "UK"]
    from arclf.corpus.labels import region_levels

    assert region_levels("UK")["country"] == "GB" and region_levels("TM")["subregion"] == "asia"


def test_countries_with_an_antarctic_station_sit_where_they_are():
    """Australia's time zones include Antarctica/Macquarie: it was filed under antarctica (198 ANT/SNN articles)."""
    from arclf.corpus.labels import region_levels

    assert region_levels("AU")["subregion"] == "oceania" and region_levels("NZ")["subregion"] == "oceania"
    assert region_levels("AQ")["subregion"] == "antarctica"
    assert region_levels("NO")["subregion"] == "europe" and region_levels("CL")["subregion"] == "latin_america"
