"""Arrow cache of parsed corpora."""

from __future__ import annotations

import os

import pytest

from arclf.config import CorpusSpec
from arclf.corpus.cache import corpus_fingerprint, load_corpus_cached


def _table(tmp_path, rows=("نص أول", "نص ثان")):
    path = tmp_path / "news.csv"
    path.write_text("text,label\n" + "".join(f"{r},sport\n" for r in rows), encoding="utf-8")
    return CorpusSpec(name="table", path=path, label_columns={"section": "label"})


def test_second_load_hits_cache(tmp_path, tmp_cache):
    spec = _table(tmp_path)
    ds, report = load_corpus_cached(spec)
    assert len(ds) == 2 and report["cache"]["hit"] is False and report["read"] == 2
    ds2, report2 = load_corpus_cached(spec)
    assert report2["cache"] == {"hit": True, "path": report["cache"]["path"]}
    assert ds2.to_list() == ds.to_list() and ds2.features == ds.features
    entries = list((tmp_cache / "datasets").iterdir())
    assert len(entries) == 1 and not entries[0].name.startswith(".")  # no temp folders left


def test_changed_source_or_spec_misses(tmp_path, tmp_cache):
    spec = _table(tmp_path)
    key = corpus_fingerprint(spec)
    st = spec.path.stat()
    os.utime(spec.path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert corpus_fingerprint(spec) != key
    assert corpus_fingerprint(spec.model_copy(update={"corpus": "other"})) != corpus_fingerprint(spec)
    _table(tmp_path, rows=("نص",))
    ds, report = load_corpus_cached(spec)
    assert len(ds) == 1 and report["cache"]["hit"] is False


def test_refresh_rebuilds(tmp_path, tmp_cache):
    spec = _table(tmp_path)
    load_corpus_cached(spec)
    ds, report = load_corpus_cached(spec, refresh=True)
    assert report["cache"]["hit"] is False and len(ds) == 2
    assert load_corpus_cached(spec)[1]["cache"]["hit"] is True


def test_a_cache_hit_names_this_checkouts_label_map(tmp_path, tmp_cache):
    """Two checkouts share ~/.cache/arclf; a hit must not report the other checkout's label map path."""
    import json

    lm = tmp_path / "labels.yaml"
    lm.write_text("fields:\n  section:\n    sport: {topic: sport}\n", encoding="utf-8")
    spec = _table(tmp_path).model_copy(update={"label_map": lm})
    _, report = load_corpus_cached(spec)
    entry = tmp_cache / "datasets" / next(p.name for p in (tmp_cache / "datasets").iterdir())
    saved = json.loads((entry / "report.json").read_text(encoding="utf-8"))
    saved["labels"]["label_map"] = "/elsewhere/configs/labels/x.yaml"  # as written by another checkout
    (entry / "report.json").write_text(json.dumps(saved), encoding="utf-8")
    _, hit = load_corpus_cached(spec)
    assert hit["cache"]["hit"] is True and hit["labels"]["label_map"] == str(lm)


def test_a_region_hierarchy_with_a_wrong_structure_is_one_line(tmp_path, monkeypatch):
    """A fresh-user test found `scopes: 5` in an ARCLF_LABELS regions.yaml ending in a TypeError traceback."""
    import shutil

    from arclf.corpus import labels
    from arclf.errors import ConfigError

    shutil.copytree(labels.LABELS_DIR, tmp_path / "labels")
    for bad, expect in [("scopes: 5\nsubregions: {}\ncountries: {}\n", r"'scopes' must be a list, got int"),
                        ("subregions: {}\ncountries: {}\n", r"no 'scopes' section")]:
        (tmp_path / "labels" / "regions.yaml").write_text(bad, encoding="utf-8")
        labels._regions.cache_clear()
        with pytest.raises(ConfigError, match=expect):
            labels._regions(str(tmp_path / "labels" / "regions.yaml"))
    labels._regions.cache_clear()


def test_export_under_a_file_is_one_line(tmp_path, corpora_dir):
    from arclf.errors import DataError
    from arclf.evaluation.inspection import export_corpus

    (tmp_path / "afile").write_text("mine")
    with pytest.raises(DataError, match=r"a parent of it is a file, not a folder"):
        export_corpus("asnd", tmp_path / "afile" / "x.parquet", data_dir=corpora_dir)
    assert (tmp_path / "afile").read_text() == "mine"


def test_a_label_map_derives_region_from_mentions_where_the_fields_set_none(tmp_path, tmp_cache):
    """derive: {region: mentions} labels each row with the tagger's coverage country; a field's region wins."""
    rows = ["قوات حفتر تواصل الهجوم على طرابلس الليبية وسط دعوات ليبية ودولية لوقف القتال في ليبيا",
            "المنتخب المصري يفوز في القاهرة ويتأهل والجماهير المصرية تحتفل في مصر",
            "ارتفاع أسعار الذهب في الأسواق العالمية",  # no country: no label, counted
            "الرياض تستضيف قمة سعودية وتعلن السعودية خطة جديدة"]
    path = tmp_path / "news.csv"
    path.write_text("text,label,outlet\n" + "".join(f"{r},sport,{'x' if i < 3 else 'riyadh'}\n" for i, r in enumerate(rows)),
                    encoding="utf-8")
    lm = tmp_path / "labels.yaml"
    lm.write_text("fields:\n  source:\n    riyadh: {region: AE}\nderive:\n  region: mentions\n", encoding="utf-8")
    spec = CorpusSpec(name="table", path=path, label_columns={"section": "label", "source": "outlet"}, label_map=lm)
    ds, report = load_corpus_cached(spec)
    assert ds["region"] == ["LY", "EG", None, "AE"]  # the field's AE beats the text's SA
    assert report["labels"]["derived"] == {"mentions": {"field": "region", "counts": {"LY": 1, "EG": 1,
                                                                                         "no coverage country": 1}}}
    bad = tmp_path / "bad.yaml"
    bad.write_text("derive:\n  topic: mentions\n", encoding="utf-8")
    from arclf.corpus.labels import LabelMap
    from arclf.errors import ConfigError

    with pytest.raises(ConfigError, match="derive.topic: 'mentions' is not a derivation arclf knows"):
        LabelMap.from_yaml(bad)
    bad.write_text("derive:\n  region: [mentions]\n", encoding="utf-8")  # unhashable: was a TypeError
    with pytest.raises(ConfigError, match=r"derive.region: \['mentions'\] is not a derivation arclf knows"):
        LabelMap.from_yaml(bad)
