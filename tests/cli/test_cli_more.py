"""The data, compare, report, evaluate and experiment commands and predict --explain, on real data and fake runs.

Each command is run twice: end to end on tmp_path (checking what it prints and writes), and with its
library function replaced, checking that the parsed arguments reach it unchanged.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from typer.testing import CliRunner

from arclf.cli.app import app
from arclf.prediction.explain import SPACE

from ..conftest import ASND, ROOT
from ..fake_runs import write_run

runner = CliRunner()


def _one_line_error(res, code: int = 2) -> str:
    assert res.exit_code == code, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arclf: error: ") and "Traceback" not in res.output, res.stderr
    return lines[0]


@pytest.fixture(scope="module")
def cache_env(tmp_path_factory):
    """One Arrow cache for this module's data commands (ASND is parsed once)."""
    return {"ARCLF_CACHE": str(tmp_path_factory.mktemp("cache"))}


# ----------------------------------------------------------------------------- data list / inspect / export
def test_data_list_table_and_json(corpora_dir):
    res = runner.invoke(app, ["data", "list", "--data-dir", str(corpora_dir)])
    assert res.exit_code == 0, res.output
    assert "Known corpora" in res.stdout and "saudinewsnet" in res.stdout and "CC BY 4.0" in res.stdout
    res = runner.invoke(app, ["data", "list", "--data-dir", str(corpora_dir), "--format", "json"])
    corpora = {c["name"]: c for c in json.loads(res.stdout)}
    assert list(corpora) == ["ant", "saudinewsnet", "asnd"]
    assert corpora["asnd"]["found"] and corpora["asnd"]["path"] == str(ASND)
    assert "Chowdhury" in corpora["asnd"]["citation"]
    res = runner.invoke(app, ["data", "list", "--data-dir", str(corpora_dir / "typo")], env={"ARCLF_DATA": str(corpora_dir)})
    assert _one_line_error(res) == (f"arclf: error: data folder {corpora_dir / 'typo'} (from --data-dir) is not a folder; "
                                    f"fix the path, or leave --data-dir unset to use ARCLF_DATA ({corpora_dir})")


def test_data_inspect_asnd_json(cache_env):
    res = runner.invoke(app, ["data", "inspect", str(ASND), "--format", "json"], env=cache_env)
    assert res.exit_code == 0, res.output
    (c,) = json.loads(res.stdout)["corpora"]
    assert c["reader"] == "asnd" and c["records"] == 8346
    assert c["labels"]["source"] == {"twitter": 5100, "youtube": 1629, "facebook": 1617}
    assert c["duplicates"]["near"]["threshold"] == 0.8 and c["duplicates"]["exact"]["groups"] > 1000


def test_data_inspect_asnd_table(cache_env):
    res = runner.invoke(app, ["data", "inspect", str(ASND), "--near", "0"], env=cache_env)
    assert res.exit_code == 0, res.output
    out = res.stdout
    for title in ("Labels per field", "Per source", "Length (characters)", "Duplicates", "Reading"):
        assert title in out, title
    assert "8346 records" in out and "twitter 5100" in out and "crime_conflict 1112" in out
    assert "near (" not in out  # --near 0 skips the near-duplicate search
    assert "unknown raw labels" in out and "asnd.yaml" in out


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_data_inspect_seed_page(seed_page, cache_env, fmt):
    res = runner.invoke(app, ["data", "inspect", str(seed_page), "--format", fmt], env=cache_env)
    assert res.exit_code == 0, res.output
    if fmt == "json":
        (c,) = json.loads(res.stdout)["corpora"]
        assert c["reader"] == "pages" and c["records"] == 1 and c["encodings"] == {"utf-8": 1}
        assert c["labels"]["section"] == {"ليبيا": 1}
    else:
        assert ": 1 record\n" in res.stdout and "pages reader" in res.stdout and "ليبيا" in res.stdout


def test_data_inspect_binary_file_is_one_line(tmp_path, cache_env):
    bad = tmp_path / "blob.txt"
    bad.write_bytes(b"\x00\x01\x02\xff\xfe\x00binary" * 50)
    line = _one_line_error(runner.invoke(app, ["data", "inspect", str(bad)], env=cache_env))
    assert str(bad) in line


def test_data_inspect_unknown_source_is_one_line(tmp_path, cache_env):
    line = _one_line_error(runner.invoke(app, ["data", "inspect", str(tmp_path / "nope")], env=cache_env))
    assert "neither a known corpus" in line


@pytest.mark.parametrize("suffix", ["parquet", "jsonl"])
def test_data_export(tmp_path, cache_env, corpora_dir, suffix):
    config = tmp_path / "asnd-tst.yaml"
    config.write_text("data: {name: asnd, splits: [tst]}\ntasks: [{name: topic}]\n", encoding="utf-8")
    out = tmp_path / "out" / f"asnd.{suffix}"
    res = runner.invoke(app, ["data", "export", str(config), str(out), "--data-dir", str(corpora_dir)], env=cache_env)
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == f"1103 records (asnd) written to {out}"
    if suffix == "parquet":
        frame = pd.read_parquet(out)
    else:
        text = out.read_text(encoding="utf-8")
        assert "\\u06" not in text and "\u0627" in text  # Arabic written as is (alef), not as \u escapes
        frame = pd.read_json(out, lines=True, dtype={"id": str})
    assert len(frame) == 1103 and set(frame["split"]) == {"tst"} and frame["topic"].notna().all()
    assert {"id", "text", "section", "source", "topic", "region", "source_type"} <= set(frame.columns)
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left


def test_data_export_bad_suffix_is_one_line(tmp_path, seed_page, cache_env):
    line = _one_line_error(runner.invoke(app, ["data", "export", str(seed_page), str(tmp_path / "x.csv")], env=cache_env))
    assert ".parquet or .jsonl" in line


def test_data_wiring(monkeypatch, tmp_path):
    import arclf.evaluation.inspection as inspect_mod

    seen = {}

    def fake_inspect(source, **kwargs):
        seen["inspect"] = (source, kwargs)
        return {"source": source, "corpora": []}

    def fake_export(source, out, **kwargs):
        seen["export"] = (source, out, kwargs)
        return {"path": str(out), "format": "jsonl", "records": 3, "corpora": ["x"]}

    def fake_list(data_dir=None):
        seen["list"] = data_dir
        return []

    monkeypatch.setattr(inspect_mod, "inspect_corpus", fake_inspect)
    monkeypatch.setattr(inspect_mod, "export_corpus", fake_export)
    monkeypatch.setattr(inspect_mod, "list_corpora", fake_list)
    res = runner.invoke(app, ["data", "inspect", "asnd", "--data-dir", str(tmp_path), "--near", "0.9", "-f", "json"])
    assert res.exit_code == 0, res.output
    assert seen["inspect"] == ("asnd", {"data_dir": tmp_path, "near_threshold": 0.9})
    runner.invoke(app, ["data", "inspect", "ant", "--near", "0"])
    assert seen["inspect"][1]["near_threshold"] is None
    res = runner.invoke(app, ["data", "export", "ant", str(tmp_path / "a.jsonl"), "--data-dir", str(tmp_path)])
    assert res.exit_code == 0 and seen["export"] == ("ant", tmp_path / "a.jsonl", {"data_dir": tmp_path})
    runner.invoke(app, ["data", "list", "--data-dir", str(tmp_path)])
    assert seen["list"] == tmp_path
    res = runner.invoke(app, ["data", "list", "--format", "yaml"])
    assert "--format must be table or json" in _one_line_error(res)


# ----------------------------------------------------------------------------- compare
@pytest.fixture()
def fake_runs(tmp_path):
    """Three runs of one experiment (a and b on the same data and folds, c on other data)."""
    root = tmp_path / "runs"
    a = write_run(root, "20261101-100000-aaaaaaaa", accuracy=0.70, seed=1)
    b = write_run(root, "20261102-100000-bbbbbbbb", overrides=["classifier.C=1.0"], accuracy=0.85, seed=2)
    c = write_run(root, "20261103-100000-cccccccc", overrides=["features.kind=word"], accuracy=0.75, seed=3, fingerprint="e" * 64)
    return SimpleNamespace(root=root, a=a, b=b, c=c)


def test_compare_markdown(fake_runs):
    res = runner.invoke(app, ["compare", "ant-topic", "--root", str(fake_runs.root), "--format", "markdown"])
    assert res.exit_code == 0, res.output
    rows = [line for line in res.stdout.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| rank | run | group | classifier.C | features.kind |")
    assert rows[1].startswith("| 1 | ant-topic/20261102-100000-bbbbbbbb | 1 | 1.0 | char |")
    assert rows[2].startswith("| 2 | ant-topic/20261101-100000-aaaaaaaa | 1 |")
    assert rows[3].startswith("| 1 | ant-topic/20261103-100000-cccccccc | 2 |")
    assert "ranked only within their group" in res.stdout


def test_compare_json_and_csv(fake_runs):
    res = runner.invoke(app, ["compare", "ant-topic", "--root", str(fake_runs.root), "-f", "json", "--sort-by", "created",
                              "--ascending", "--all"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [r["run_id"] for r in data["rows"]] == ["20261101-100000-aaaaaaaa", "20261102-100000-bbbbbbbb", "20261103-100000-cccccccc"]
    assert "seed" in data["keys"]  # --all keeps keys equal in every run
    res = runner.invoke(app, ["compare", "ant-topic", "--root", str(fake_runs.root), "-f", "csv", "--metric", "accuracy"])
    lines = res.stdout.splitlines()
    assert lines[0].startswith("run,run_id,name,created,group,rank,") and len(lines) == 4
    assert lines[1].startswith("ant-topic/20261102-100000-bbbbbbbb,")


def test_compare_table_and_plot(fake_runs, tmp_path):
    plot = tmp_path / "plot.png"
    res = runner.invoke(app, ["compare", "ant-topic", "--root", str(fake_runs.root), "--plot", str(plot)])
    assert res.exit_code == 0, res.output
    assert "ranked by macro_f1" in res.stdout and "classifier.C" in res.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"plot: {plot}" in res.stderr


def test_compare_two_runs_shows_the_pair_view(fake_runs):
    res = runner.invoke(app, ["compare", str(fake_runs.a), str(fake_runs.b), "-f", "markdown"])
    assert res.exit_code == 0, res.output
    out = res.stdout
    # A is the first run named, B the second
    assert out.startswith("## A = ant-topic/20261101-100000-aaaaaaaa, B = ant-topic/20261102-100000-bbbbbbbb")
    verdict = [line for line in out.splitlines() if line.startswith("**Verdict:**")]
    assert len(verdict) == 1 and "significant" in verdict[0] and "B better" in verdict[0]
    assert "| classifier.C | 0.5 | 1.0 |" in out and "### Per class" in out and "McNemar" in out
    assert "ranked by" not in out  # no table without --table
    res = runner.invoke(app, ["compare", str(fake_runs.a), str(fake_runs.b)])
    assert res.exit_code == 0 and "Verdict:" in res.stdout and "Changed settings" in res.stdout
    data = json.loads(runner.invoke(app, ["compare", str(fake_runs.a), str(fake_runs.b), "-f", "json"]).stdout)
    assert data["refusal"] is None and data["significance"]["n"] == 240


def test_compare_two_runs_on_different_data_refuses_in_one_line(fake_runs):
    res = runner.invoke(app, ["compare", str(fake_runs.a), str(fake_runs.c), "--table", "-f", "markdown"])
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "| rank | run |" in out  # the ranked table still prints
    refusals = [line for line in out.splitlines() if line.startswith("Not tested:")]
    assert len(refusals) == 1 and "ran on different data" in refusals[0]
    res = runner.invoke(app, ["compare", str(fake_runs.a), str(fake_runs.c), "--table"])
    assert res.exit_code == 0 and "Significance not tested:" in res.stdout and "ranked by macro_f1" in res.stdout
    data = json.loads(runner.invoke(app, ["compare", str(fake_runs.a), str(fake_runs.c), "--table", "-f", "json"]).stdout)
    assert set(data) == {"comparison", "pair"} and "different data" in data["pair"]["refusal"]


@pytest.mark.parametrize("args, match", [
    (["no-such-run"], "not a run folder, a glob, or an experiment name"),
    (["ant-topic", "--metric", "f2"], "metric='f2'"),
    (["ant-topic", "--format", "html"], "--format must be table, markdown, json or csv"),
    (["ant-topic", "--task", "region"], "no run has task 'region'"),
], ids=["missing-run", "bad-metric", "bad-format", "bad-task"])
def test_compare_bad_input_is_one_line(fake_runs, args, match):
    assert match in _one_line_error(runner.invoke(app, ["compare", *args, "--root", str(fake_runs.root)]))


def test_compare_wiring(monkeypatch, tmp_path):
    import arclf.runs.compare as compare_mod
    import arclf.runs.reader as runs_io

    seen = {}

    class Result:
        def to_markdown(self):
            return "md\n"

    def fake_resolve(specs, root):
        seen["resolve"] = (specs, root)
        return [f"run{i}" for i in range(len(specs))]

    def fake_runs(runs, **kwargs):
        seen["compare_runs"] = (runs, kwargs)
        return Result()

    def fake_two(a, b, **kwargs):
        seen["compare_two"] = (a, b, kwargs)
        return Result()

    monkeypatch.setattr(runs_io, "resolve_runs", fake_resolve)
    monkeypatch.setattr(compare_mod, "compare_runs", fake_runs)
    monkeypatch.setattr(compare_mod, "compare_two", fake_two)
    res = runner.invoke(app, ["compare", "x", "y/*", "z", "--root", str(tmp_path), "--task", "topic", "--metric", "accuracy",
                              "--sort-by", "cv.folds", "--ascending", "--all", "-f", "markdown"])
    assert res.exit_code == 0, res.output
    assert seen["resolve"] == (["x", "y/*", "z"], tmp_path)
    assert seen["compare_runs"] == (["run0", "run1", "run2"], {"task": "topic", "metric": "accuracy", "sort_by": "cv.folds",
                                                              "ascending": True, "all_keys": True})
    assert "compare_two" not in seen
    seen.clear()
    res = runner.invoke(app, ["compare", "x", "y", "--task", "topic", "-f", "markdown"])
    assert res.exit_code == 0 and res.stdout == "md\n"
    assert seen["compare_two"] == ("run0", "run1", {"task": "topic"}) and "compare_runs" not in seen
    assert seen["resolve"][1] == Path("experiments") / "runs"
    res = runner.invoke(app, ["compare", "x", "y", "--table", "-f", "markdown"])
    assert res.stdout == "md\n\nmd\n" and seen["compare_runs"][0] == ["run0", "run1"]


# ----------------------------------------------------------------------------- report
def test_report_on_a_trained_run(trained_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(trained_run.run_dir, run, ignore=shutil.ignore_patterns("model.arclf", "*.png", "report.md"))
    res = runner.invoke(app, ["report", str(run)])
    assert res.exit_code == 0, res.output
    written = [Path(line) for line in res.stdout.splitlines()]
    assert written[0] == (run / "report.md").resolve()
    for task in ("topic", "region", "source_type"):
        for kind in ("confusion", "per_class_f1", "reliability"):
            png = run.resolve() / f"{kind}_{task}.png"
            assert png in written and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "## Task `region`" in (run / "report.md").read_text(encoding="utf-8")


def test_report_missing_run_is_one_line(tmp_path):
    line = _one_line_error(runner.invoke(app, ["report", str(tmp_path / "missing"), "--root", str(tmp_path)]))
    assert "missing" in line


def test_report_wiring(monkeypatch, tmp_path):
    import arclf.runs.report as report_mod
    import arclf.runs.reader as runs_io

    seen = []
    monkeypatch.setattr(runs_io, "resolve_runs", lambda specs, root: [SimpleNamespace(path=tmp_path / s) for s in specs])
    monkeypatch.setattr(report_mod, "write_report", lambda path: seen.append(path) or path / "report.md")
    res = runner.invoke(app, ["report", "a", "b"])
    assert res.exit_code == 0 and seen == [tmp_path / "a", tmp_path / "b"]
    assert res.stdout.splitlines() == [str(tmp_path / "a" / "report.md"), str(tmp_path / "b" / "report.md")]


# ----------------------------------------------------------------------------- evaluate
def test_evaluate_ant_model_on_asnd(trained_run, corpora_dir, tmp_path, cache_env):
    config = tmp_path / "asnd-tst.yaml"
    config.write_text("data: {name: asnd, splits: [tst]}\n", encoding="utf-8")
    out = tmp_path / "runs" / "asnd-eval"
    res = runner.invoke(app, ["evaluate", str(trained_run.run_dir), "--data", str(config), "--set", "data.sample=200",
                              "--data-dir", str(corpora_dir), "-o", str(out)], env=cache_env)
    assert res.exit_code == 0, res.output
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))["tasks"]
    topic = metrics["topic"]
    assert f"topic: macro-F1 {topic['cv']['macro_f1']['mean']:.4f}" in res.stdout
    assert f"(evaluate:asnd, {topic['n_examples']} rows scored)" in res.stdout
    assert "excluded (label unknown to the model): crime_conflict" in res.stdout
    assert "region: not scored: the data has no region labels" in res.stdout
    assert f"run: {out}" in res.stdout and (out / "oof" / "topic.parquet").is_file()


def test_evaluate_wiring(monkeypatch, tmp_path):
    import arclf.training.crosscorpus as cc

    seen = {}

    def fake(bundle, config, **kwargs):
        seen.update(kwargs, bundle=bundle, config=config)
        return SimpleNamespace(metrics={"tasks": {}}, run={"skipped_tasks": {"region": "why"}, "notes": []}, run_dir=None)

    monkeypatch.setattr(cc, "evaluate_bundle", fake)
    config = tmp_path / "c.yaml"
    config.write_text("data: {name: asnd}\n")
    res = runner.invoke(app, ["evaluate", "model.joblib", "--data", str(config), "--set", "seed=2", "--set", "data.sample=9",
                              "--data-dir", str(tmp_path), "-o", str(tmp_path / "o"), "-q"])
    assert res.exit_code == 0, res.output
    assert seen["bundle"] == Path("model.joblib") and seen["config"] == config
    assert seen["overrides"] == ["seed=2", "data.sample=9"]
    assert seen["data_dir"] == tmp_path and seen["output_dir"] == tmp_path / "o" and seen["progress"] is None
    assert "region: not scored: why" in res.stdout


def test_evaluate_missing_bundle_is_one_line(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("data: {name: asnd}\n")
    line = _one_line_error(runner.invoke(app, ["evaluate", str(tmp_path / "nothing"), "--data", str(config)]))
    assert "no model bundle here" in line


# ----------------------------------------------------------------------------- predict --explain
def test_predict_explain_table(trained_run, seed_page):
    res = runner.invoke(app, ["predict", str(trained_run.run_dir), str(seed_page), "--explain", "--explain-k", "4"])
    assert res.exit_code == 0, res.output
    assert f"why: {seed_page}" in res.stdout and "contribution" in res.stdout
    assert SPACE in res.stdout  # char_wb n-grams show their word padding


def test_predict_explain_jsonl_from_stdin(trained_run, seed_page):
    res = runner.invoke(app, ["predict", str(trained_run.run_dir), "-", "--explain", "--explain-k", "5", "-f", "jsonl"],
                        input=seed_page.read_bytes())
    assert res.exit_code == 0, res.output
    (rec,) = [json.loads(line) for line in res.stdout.splitlines()]
    assert set(rec["explain"]) == {"topic", "region", "source_type"}
    for task, pairs in rec["explain"].items():
        assert 1 <= len(pairs) <= 5
        assert all(isinstance(g, str) and isinstance(c, float) for g, c in pairs)
        assert [c for _, c in pairs] == sorted((c for _, c in pairs), reverse=True)
    assert any(SPACE in g for pairs in rec["explain"].values() for g, _ in pairs)
    plain = json.loads(runner.invoke(app, ["predict", str(trained_run.run_dir), str(seed_page), "-f", "jsonl"]).stdout)
    assert "explain" not in plain and plain["topic"] == rec["topic"]


def test_predict_explain_csv(trained_run, seed_page):
    res = runner.invoke(app, ["predict", str(trained_run.run_dir), str(seed_page), "--explain", "--explain-k", "2", "-f", "csv"])
    assert res.exit_code == 0, res.output
    import csv
    import io

    header, row = list(csv.reader(io.StringIO(res.stdout)))
    assert header[-3:] == ["topic_explain", "region_explain", "source_type_explain"]
    assert len(json.loads(row[header.index("topic_explain")])) == 2


# ----------------------------------------------------------------------------- experiments
def test_experiment_trains_every_variant_into_one_folder(tmp_path, corpora_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exp = tmp_path / "c-sweep.yaml"
    exp.write_text(f"base: {ROOT / 'configs' / 'ant-sections.yaml'}\n"
                   "set: {data.sample: 400, cv.folds: 2, cv.n_jobs: 1}\n"
                   "variants:\n  small-C: {classifier.C: 0.1}\n  large-C: {classifier.C: 1.0}\n", encoding="utf-8")
    res = runner.invoke(app, ["train", str(exp), "--data-dir", str(corpora_dir), "--no-cache", "-q"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("small-C: section macro-F1 ") and lines[1].startswith("large-C: ")
    assert all("(cv-oof)" in line and "experiments/runs/c-sweep/" in line for line in lines)
    runs = sorted(p for p in (tmp_path / "experiments" / "runs" / "c-sweep").iterdir() if p.name != "latest")
    assert len(runs) == 2 and all((p / "metrics.json").is_file() for p in runs)
    res = runner.invoke(app, ["compare", "c-sweep", "--root", str(tmp_path / "experiments" / "runs"), "--table", "-f", "json"])
    assert res.exit_code == 0, res.output
    table, pair = json.loads(res.stdout).values()
    assert sorted(r["run_id"] for r in table["rows"]) == [p.name for p in runs]
    assert table["keys"] == ["classifier.C"] and len(table["groups"]) == 1
    # same data, seed and folds: the two variants are paired and tested
    assert {pair["a"], pair["b"]} == {f"c-sweep/{p.name}" for p in runs} and pair["refusal"] is None
    # runs made in the same second are listed by config hash, so either variant may be "a"
    c_of = {f"c-sweep/{p.name}": json.loads((p / "run.json").read_text())["variant"] for p in runs}
    expect = {"small-C": 0.1, "large-C": 1.0}
    assert pair["changed"] == [{"key": "classifier.C", "a": expect[c_of[pair["a"]]], "b": expect[c_of[pair["b"]]]}]
    res = runner.invoke(app, ["compare", "c-sweep", "--root", str(tmp_path / "experiments" / "runs")])
    assert res.exit_code == 0 and "Verdict:" in res.stdout and all(p.name in res.stdout for p in runs)


def test_experiment_refuses_output_dir(tmp_path):
    exp = tmp_path / "e.yaml"
    exp.write_text(f"base: {ROOT / 'configs' / 'ant-sections.yaml'}\nvariants: {{a: {{}}, b: {{seed: 2}}}}\n", encoding="utf-8")
    line = _one_line_error(runner.invoke(app, ["train", str(exp), "-o", str(tmp_path / "run")]))
    assert "--output-dir names one run folder" in line


def test_experiment_wiring(monkeypatch, tmp_path):
    import arclf.training.experiments as exp_mod

    seen = {}

    def fake(path, **kwargs):
        seen.update(kwargs, path=path)
        kwargs["on_variant"](0, 1, "only")
        return [SimpleNamespace(metrics={"tasks": {"section": {}}}, run={"variant": "only"}, run_dir=tmp_path / "r",
                                headline=lambda t: {"task": t, "split": "cv-oof", "macro_f1": 0.5, "std": 0.1})]

    monkeypatch.setattr(exp_mod, "run_experiment", fake)
    exp = tmp_path / "e.yaml"
    exp.write_text("base: x.yaml\nvariants: {only: {}}\n", encoding="utf-8")
    res = runner.invoke(app, ["train", str(exp), "--set", "cv.folds=3", "--no-cv", "--no-cache", "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert seen["path"] == exp and seen["overrides"] == ["cv.folds=3"] and seen["cv"] is False
    assert seen["use_cache"] is False and seen["data_dir"] == tmp_path
    assert res.stdout.strip() == f"only: section macro-F1 0.5000 ± 0.1000 (cv-oof) → {tmp_path / 'r'}"
    assert "variant 1/1: only" in res.stderr


def test_progress_without_a_terminal_is_one_line_per_stage(capsys):
    from arclf.cli.app import progress_bars

    with progress_bars(quiet=False) as progress:
        for done in range(4):
            progress("read", done, 3)
        progress("cv topic", 0, 5)
    assert capsys.readouterr().err.splitlines() == ["arclf: read (3)", "arclf: cv topic (5)"]
    with progress_bars(quiet=True) as progress:
        assert progress is None


def test_compare_the_same_run_twice_is_a_usage_error(fake_runs):
    res = runner.invoke(app, ["compare", str(fake_runs.a), str(fake_runs.a)])
    assert res.exit_code == 2 and "both name the same run" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
