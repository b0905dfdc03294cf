"""Config validation: unknown keys, dotted paths, overrides, relative paths."""

import re
from pathlib import Path

import pytest

from arclf.config import apply_overrides, config_hash, load_config, parse_config
from arclf.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = {"data": {"name": "ant"}, "tasks": [{"name": "section"}]}


def test_shipped_configs_validate():
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        cfg = load_config(path)
        assert cfg.name == path.stem
        assert cfg.tasks


def test_defaults_are_filled_in():
    cfg = parse_config(MINIMAL)
    res = cfg.resolved()
    assert res["features"]["char"] == {"analyzer": "char_wb", "ngram_range": [2, 5]}
    assert res["cv"]["scheme"] == "stratified_kfold" and res["cv"]["folds"] == 5
    assert res["classifier"]["kind"] == "linear_svm"
    assert res["data"]["corpora"][0]["name"] == "ant"


def test_every_error_reported_at_once_with_dotted_paths(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("data: {name: ant}\ntasks: [{name: section}]\nfeaturs: {}\ncv: {folds: many}\nclassifier: {kind: svm}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    msg = str(err.value)
    assert msg.startswith(str(path))
    assert "featurs: unknown key" in msg
    assert "cv.folds:" in msg and "'many'" in msg
    assert "classifier.kind:" in msg


def test_impossible_ngram_range_quotes_value():
    with pytest.raises(ConfigError, match=r"features.char.ngram_range.*\[3, 1\]"):
        parse_config({**MINIMAL, "features": {"char": {"ngram_range": [3, 1]}}})


def test_unknown_task_field():
    with pytest.raises(ConfigError, match="tasks.0.*field must be one of"):
        parse_config({"data": {"name": "ant"}, "tasks": [{"name": "sentiment"}]})


@pytest.mark.parametrize("text, match", [("", "empty"), ("a: [", "not valid YAML"), ("- 1\n- 2\n", "mapping")],
                         ids=["empty", "broken-yaml", "list"])
def test_unreadable_configs(tmp_path, text, match):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_config(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_overrides_are_parsed_and_recorded(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("data: {name: ant}\ntasks: [{name: section}]\n")
    cfg = load_config(path, ["cv.folds=3", "data.sample=2000", "features.char.ngram_range=[1,4]", "tasks.0.name=topic", "tasks.0.field=topic"])
    assert cfg.cv.folds == 3 and cfg.data.sample == 2000
    assert cfg.features.char.ngram_range == (1, 4)
    assert cfg.tasks[0].field == "topic"
    assert cfg._overrides[0] == "cv.folds=3"
    assert config_hash(cfg) != config_hash(load_config(path))


def test_override_errors():
    with pytest.raises(ConfigError, match="expected key.path=value"):
        apply_overrides(MINIMAL, ["cv.folds"])
    with pytest.raises(ConfigError, match="not an index"):
        apply_overrides(MINIMAL, ["tasks.5.name=x"])


def test_relative_paths_resolve_against_the_config_file(tmp_path, monkeypatch):
    sub = tmp_path / "conf"
    sub.mkdir()
    (sub / "c.yaml").write_text("data: {name: table, path: data/x.csv, label_map: labels/x.yaml}\ntasks: [{name: topic}]\n")
    monkeypatch.chdir(tmp_path)
    cfg = load_config("conf/c.yaml")
    assert cfg.data.corpora[0].path == (sub / "data" / "x.csv").resolve()
    assert cfg.data.corpora[0].label_map == (sub / "labels" / "x.yaml").resolve()


@pytest.mark.parametrize("override, message", [
    ("seed.x=1", "seed is a single value (0), it has no key 'x'"),
    ("tasks.0.name.y=1", "tasks.0.name is a single value ('topic'), it has no key 'y'"),
    ("=3", "empty key part"),
    ("cv..folds=3", "empty key part"),
])
def test_override_into_a_single_value_is_a_config_error(override, message):
    from arclf.config import apply_overrides

    with pytest.raises(ConfigError, match=re.escape(message)):
        apply_overrides({"seed": 0, "tasks": [{"name": "topic"}], "cv": {"folds": 5}}, [override])


def test_a_config_that_is_not_utf8_is_one_line(tmp_path):
    from typer.testing import CliRunner

    from arclf.cli.app import app

    bad = tmp_path / "bin.yaml"
    bad.write_bytes(b"name: x\n\xd0\xff\xfe binary")
    res = CliRunner().invoke(app, ["train", str(bad)])
    assert res.exit_code == 2 and "not UTF-8" in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_overrides_and_error_paths_follow_the_form_the_user_wrote():
    """Field test 14: a `data: {name: ant}` config takes `data.corpora.0.*` overrides, and its errors
    name `data.sampel`, not `data.corpora.0.sampel`."""
    from arclf.config import load_config
    from arclf.errors import ConfigError

    cfg = load_config(ROOT / "configs" / "ant-sections.yaml", ["data.corpora.0.filename_regex=(?P<id>.*)", "data.sample=50"])
    assert cfg.data.corpora[0].filename_regex == "(?P<id>.*)" and cfg.data.sample == 50
    with pytest.raises(ConfigError, match=r"ant-sections\.yaml \(with --set data\.sampel=3\): data\.sampel: unknown key") as info:
        load_config(ROOT / "configs" / "ant-sections.yaml", ["data.sampel=3"])
    assert "corpora" not in str(info.value)


@pytest.mark.parametrize("value", ["2018-13-01", "2018-02-30"])
def test_an_impossible_date_is_a_config_error_with_its_path(tmp_path, value):
    # PyYAML's own date constructor raised a bare ValueError (a traceback) on these
    with pytest.raises(ConfigError, match=r"cv\.cutoff: .*expected a date such as 2018-07-01") as err:
        load_config(ROOT / "configs" / "ant-sections.yaml", ["cv.scheme=temporal", f"cv.cutoff={value}"])
    assert str(err.value).count("got") == 1
    cfg = tmp_path / "c.yaml"
    cfg.write_text((ROOT / "configs" / "ant-sections.yaml").read_text(encoding="utf-8")
                   + f"\nname: {value}\n", encoding="utf-8")
    assert load_config(cfg).name == value  # a date-shaped name stays the text written
    good = load_config(ROOT / "configs" / "ant-sections.yaml", ["cv.scheme=temporal", "cv.cutoff=2018-07-01"])
    assert good.cv.cutoff == "2018-07-01"
