"""`arclf tune` on a real ANT sample: outputs, an honest estimate, best.yaml trains, the budget and stop are respected."""

import csv
import json
import threading
import time

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from arclf.cli.app import app
from arclf.errors import ConfigError

from ..conftest import ROOT

runner = CliRunner()

# a small space over learned and featurized settings; 1,200 articles: 960 selection rows, 2 rungs of 6 then 2 candidates
SPACE = """\
search:
  space:
    classifier.C: [0.1, 0.5, 2.0]
    features.min_df: [1, 2]
    features.char.ngram_range: [[2, 5], [1, 3]]
  min_rows: 250
  inner_folds: 3
"""
SAMPLE = ["data.sample=1200"]


@pytest.fixture(scope="module")
def space_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("space") / "small.search.yaml"
    path.write_text(SPACE)
    return path


@pytest.fixture(scope="module")
def tuned(tmp_path_factory, corpora_dir, space_file):
    """`arclf tune` through the command line, once for the module."""
    out = tmp_path_factory.mktemp("tune") / "ant"
    res = runner.invoke(app, ["tune", str(ROOT / "configs" / "ant-sections.yaml"), "--budget", "20m", "--space", str(space_file),
                              "--set", SAMPLE[0], "--data-dir", str(corpora_dir), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out, res.stdout


def test_leaderboard_and_summary_are_written(tuned):
    out, stdout = tuned
    assert "winner c" in stdout and "held-out rows" in stdout
    rows = list(csv.DictReader((out / "leaderboard.csv").open()))
    summary = json.loads((out / "tune.json").read_text())
    assert len(rows) == summary["schedule"]["candidates"] == 6
    assert [r["rank"] for r in rows] == [str(i) for i in range(1, 7)]
    assert rows[0]["status"] == "winner" and rows[0]["id"] == summary["winner"]["id"]
    assert [r["index"] for r in summary["schedule"]["rungs"]] == [0, 1] and summary["stopped"] == "complete"
    assert sum(r["status"] == "finalist" for r in rows) == 1  # the other finalist won
    assert sum(r["status"] == "eliminated at rung 1" for r in rows) == 4
    md = (out / "leaderboard.md").read_text()
    assert "optimistic" in md and "tune-holdout" in md and "| rank | id | status |" in md


def test_the_estimate_comes_from_rows_the_search_never_saw(tuned):
    out, _ = tuned
    summary = json.loads((out / "tune.json").read_text())
    est = summary["estimate"]
    assert est["split"] == "tune-holdout" and est["n_test"] == summary["data"]["holdout_rows"]
    assert est["n_train"] == summary["data"]["selection_rows"] and est["n_train"] + est["n_test"] == 1200
    assert 230 <= est["n_test"] <= 250  # a fifth, in whole duplicate groups
    assert 0.5 < est["value"] <= 1.0 and est["value"] != summary["winner"]["inner_cv"]["mean"]
    # the finalists' run folders hold the search's own predictions: selection rows only, split tune-inner-cv
    runs = [out / r for r in summary["runs"]]
    assert len(runs) == 2
    for run in runs:
        metrics = json.loads((run / "metrics.json").read_text())
        assert metrics["tasks"]["section"]["cv"]["split"] == "tune-inner-cv"
        oof = pd.read_parquet(run / "oof" / "section.parquet")
        assert len(oof) == est["n_train"] and oof["fold"].nunique() == 3
    held = pd.read_parquet(out / "holdout.parquet")
    assert len(held) == est["n_test"] and not set(held["id"]) & set(oof["id"])  # no held-out row was searched on
    from sklearn.metrics import f1_score

    assert f1_score(held["y_true"], held["winner"], average="macro") == pytest.approx(est["value"])


def test_compare_reads_the_finalists(tuned):
    out, _ = tuned
    runs = sorted((out / "runs").iterdir())
    res = runner.invoke(app, ["compare", str(runs[0]), str(runs[1]), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert "McNemar" in res.stdout or "mcnemar" in res.stdout


def test_best_yaml_trains_as_it_is(tuned, corpora_dir, tmp_path):
    from arclf.training.trainer import train

    out, _ = tuned
    best = yaml.safe_load((out / "best.yaml").read_text())
    summary = json.loads((out / "tune.json").read_text())
    for key, value in summary["winner"]["params"].items():
        node = best
        for part in key.split("."):
            node = node[part]
        assert node == value
    result = train(out / "best.yaml", data_dir=corpora_dir, output_dir=tmp_path / "run", cv=False)
    assert result.run_dir.exists() and result.metrics["tasks"]["section"]["n_examples"] == 1200


def test_stop_keeps_the_best_so_far(corpora_dir, space_file, tmp_path):
    from arclf.tuning import tune

    stop = threading.Event()
    seen = []

    def on_status(s):  # as Ctrl-C does: stop once the first candidate's three folds are done
        seen.append(s)
        if s.phase == "search" and s.done >= 3:
            stop.set()

    result = tune(ROOT / "configs" / "ant-sections.yaml", budget="20m", space=space_file, overrides=SAMPLE,
                  data_dir=corpora_dir, output_dir=tmp_path / "t", on_status=on_status, stop=stop)
    assert result.summary["stopped"] == "interrupted"
    assert result.summary["schedule"]["rungs"][0]["completed"] < 6 and len(result.summary["schedule"]["rungs"]) == 1
    assert result.estimate["split"] == "tune-holdout" and (tmp_path / "t" / "best.yaml").exists()
    assert all(s.seconds_left <= 20 * 60 for s in seen)


def test_a_spent_budget_starts_no_fit(corpora_dir, space_file):
    from arclf.tuning.search import draw_candidates, load_search_data, read_config_and_search, run_search

    cfg, raw, spec, _ = read_config_and_search(ROOT / "configs" / "ant-sections.yaml", SAMPLE, space_file)
    data = load_search_data(cfg, spec, data_dir=corpora_dir)
    assert len(np.intersect1d(data.selection, data.holdout)) == 0
    assert not set(data.groups[data.selection]) & set(data.groups[data.holdout])  # duplicates stay on one side
    candidates = draw_candidates(spec, raw, len(data.selection), cfg.seed, "test")
    start = time.monotonic()
    outcome = run_search(data, candidates, spec, end=start + 5, margin=10)  # the budget is spent before it starts
    assert outcome["stopped"] == "budget" and not any(c.scores for c in candidates)
    assert all(c.status == "not run (budget)" for c in candidates)


def test_cli_bad_search_space_is_one_line(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("data: {name: ant}\ntasks: [{name: section}]\nsearch:\n  space:\n    features.ngram_range: [[1, 2]]\n")
    res = runner.invoke(app, ["tune", str(config), "--budget", "1m"])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1
    assert "search.space.features.ngram_range[0] = [1, 2]: features.ngram_range: unknown key" in res.stderr


@pytest.mark.parametrize("budget", ["0", "ten minutes", "-5m"])
def test_bad_budget_is_refused(budget):
    from arclf.tuning.tune import parse_budget

    with pytest.raises(ConfigError, match="--budget"):
        parse_budget(budget)
    assert parse_budget("10m") == 600 and parse_budget("90s") == 90 and parse_budget("1.5h") == 5400


def test_cli_passes_the_parsed_options_to_the_library(monkeypatch, tmp_path):
    import arclf.tuning

    seen = {}

    def fake_tune(config, **kwargs):
        seen.update(kwargs, config=config)
        raise ConfigError("stop here")

    monkeypatch.setattr(arclf.tuning, "tune", fake_tune)
    res = runner.invoke(app, ["tune", "c.yaml", "--budget", "90s", "--metric", "accuracy", "--max-model-mb", "12.5",
                              "--set", "cv.folds=3", "--task", "section", "-o", str(tmp_path / "o"), "-q"])
    assert res.exit_code == 2 and "stop here" in res.stderr
    assert seen["budget"] == "90s" and seen["metric"] == "accuracy" and seen["max_model_mb"] == 12.5
    assert seen["overrides"] == ["cv.folds=3"] and seen["task"] == "section" and seen["output_dir"] == tmp_path / "o"
    res = runner.invoke(app, ["tune", "c.yaml", "--metric", "f1"])
    assert res.exit_code == 2 and "--metric must be" in res.stderr
