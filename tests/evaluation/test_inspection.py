"""inspect_corpus, export_corpus and list_corpora: plain data for the `arclf data` commands."""

from __future__ import annotations

import json
import zipfile

import pytest

from arclf.errors import DataError
from arclf.evaluation.inspection import export_corpus, inspect_corpus, list_corpora, resolve_source


@pytest.fixture(scope="module")
def asnd_report(corpora_dir, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("ARCLF_CACHE", str(tmp_path_factory.mktemp("cache")))
    try:
        yield inspect_corpus("asnd", data_dir=corpora_dir)
    finally:
        mp.undo()


def test_inspect_asnd(asnd_report, corpora_dir):
    json.dumps(asnd_report)  # plain JSON-able data
    (c,) = asnd_report["corpora"]
    assert c["corpus"] == "asnd" and c["records"] == 8346
    assert c["path"] == str(corpora_dir / "asnd" / "Arabic_Social_Media_News_Dataset_ASND")
    assert c["splits"] == {"trn": 6676, "tst": 1103, "dev": 567}
    assert len(c["labels"]["section"]) == 12 and c["labels"]["region"] == {"<none>": 8346}
    assert c["labels"]["source"] == {"twitter": 5100, "youtube": 1629, "facebook": 1617}
    assert sum(s["records"] for s in c["per_source"].values()) == 8346
    assert c["length"]["p5"] < c["length"]["p50"] < c["length"]["p95"] < 1000
    assert c["unknown_labels"] == [] and c["empty_texts"] == 0
    exact, near = c["duplicates"]["exact"], c["duplicates"]["near"]
    assert exact["groups"] > 1000 and exact["conflicting_groups"]["section"] > 0  # posts repeated across platforms
    assert near["threshold"] == 0.8 and near["examples"] >= exact["examples"]


def _sample_folder(ant_sample, root):
    for rec in ant_sample[:60]:
        folder = root / rec["section"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{rec['id']}.txt").write_text(rec["text"], encoding="utf-8")
    return root


def test_resolve_paths(ant_sample, tmp_path, seed_page, corpora_dir):
    folder = _sample_folder(ant_sample, tmp_path / "mine")
    assert [s.name for s in resolve_source(folder)] == ["folder"]
    (tmp_path / "t.csv").write_text("text\nنص\n", encoding="utf-8")
    assert resolve_source(tmp_path / "t.csv")[0].name == "table"
    assert resolve_source(seed_page)[0].name == "pages"
    archive = tmp_path / "ant.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("x/BBC/sport/BB-sport-1-20180218.txt", "<DOC>\n<DOCNO>BB-sport-1-20180218</DOCNO>\n</DOC>")
    assert resolve_source(archive)[0].name == "ant"
    config = tmp_path / "c.yaml"
    config.write_text(f"data:\n  corpora:\n    - {{name: folder, path: {folder}}}\n    - {{name: asnd}}\ntasks: [{{name: section}}]\n")
    assert [s.name for s in resolve_source(config)] == ["folder", "asnd"]
    assert resolve_source(corpora_dir / "asnd" / "Arabic_Social_Media_News_Dataset_ASND")[0].name == "asnd"
    assert resolve_source(corpora_dir / "saudinewsnet")[0].name == "saudinewsnet"
    with pytest.raises(DataError, match="neither a known corpus"):
        resolve_source(tmp_path / "nothing")


def test_inspect_folder(ant_sample, tmp_path, tmp_cache):
    folder = _sample_folder(ant_sample, tmp_path / "mine")
    report = inspect_corpus(folder, near_threshold=None)
    (c,) = report["corpora"]
    assert c["records"] == 60 and c["reader"] == "folder" and c["corpus"] == "mine"
    assert c["encodings"] == {"utf-8": 60}
    assert "near" not in c["duplicates"]


def test_export_jsonl_and_parquet(ant_sample, tmp_path, tmp_cache):
    import pyarrow.parquet as pq

    folder = _sample_folder(ant_sample, tmp_path / "mine")
    out = export_corpus(folder, tmp_path / "out" / "mine.jsonl")
    assert out["records"] == 60 and out["format"] == "jsonl"
    lines = (tmp_path / "out" / "mine.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert len(lines) == 60 and first["section"] in {r["section"] for r in ant_sample} and "split" in first
    export_corpus(folder, tmp_path / "out" / "mine.parquet")
    table = pq.read_table(tmp_path / "out" / "mine.parquet")
    assert table.num_rows == 60 and "published" in table.column_names
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["mine.jsonl", "mine.parquet"]  # no temp files left
    with pytest.raises(DataError, match="writes .parquet or .jsonl"):
        export_corpus(folder, tmp_path / "out" / "mine.csv")


def test_list_corpora(corpora_dir, tmp_path, tmp_cache):
    found = {c["name"]: c for c in list_corpora(corpora_dir)}
    assert set(found) == {"ant", "saudinewsnet", "asnd"}
    assert all(c["found"] and c["licence"] and c["citation"] for c in found.values())
    assert found["ant"]["path"].endswith("ant-multisource-v2.1.zip")
    missing = list_corpora(tmp_path)
    assert not any(c["found"] for c in missing)
