"""Comparing run folders: resolving specs, the ranked table, its renderings, and paired tests."""

import csv
import io
import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from rich.table import Table
from sklearn.metrics import f1_score

from arclf.runs.compare import compare_runs, compare_two, flatten_config, paired_predictions, plot_comparison
from arclf.errors import DataError
from arclf.runs.reader import load_run, resolve_runs
from tests.fake_runs import FINGERPRINT, assign_folds, gold, simulate, write_run

A_ID, B_ID, C_ID = "20261101-100000-aaaaaaaa", "20261102-100000-bbbbbbbb", "20261103-100000-cccccccc"


def _improve(y, pred, fixed: float, seed: int):
    """``pred`` with a share of its errors corrected and two new ones: a correlated, better system."""
    rng = np.random.default_rng(seed)
    out = pred.copy()
    wrong = np.flatnonzero(pred != y)
    fix = rng.choice(wrong, size=int(fixed * len(wrong)), replace=False)
    out[fix] = y[fix]
    right = np.flatnonzero(pred == y)[:2]
    out[right] = np.where(y[right] == "sport", "culture", "sport")
    return out


@pytest.fixture
def root(tmp_path):
    """experiments/runs with one experiment of three runs, a `latest` link and two unfinished folders."""
    root = tmp_path / "runs"
    y = gold()
    pred_a = simulate(y, 0.75, seed=1)
    write_run(root, A_ID, y=y, pred=pred_a)
    write_run(root, B_ID, y=y, pred=_improve(y, pred_a, 0.6, seed=2), overrides=["classifier.C=1.0"])
    write_run(root, C_ID, y=y, folds=assign_folds(k=3), accuracy=0.8, seed=3,
              overrides=["classifier.kind=logistic_regression", "cv.folds=3"])
    exp = root / "ant-topic"
    os.symlink(C_ID, exp / "latest")
    (exp / ".tmp-20261104-100000-dddddddd").mkdir()
    (exp / ".tmp-20261104-100000-dddddddd" / "config.yaml").write_text("name: ant-topic\n")
    (exp / "20261105-100000-eeeeeeee").mkdir()  # crashed before metrics.json
    return root


# ------------------------------------------------------------------ resolving run specs
def test_experiment_name_means_all_finished_runs(root):
    runs = resolve_runs(["ant-topic"], root=root)
    assert [r.run_id for r in runs] == [A_ID, B_ID, C_ID]
    assert runs[0].name == "ant-topic" and runs[0].label == f"ant-topic/{A_ID}"
    assert runs[0].metrics["tasks"]["topic"]["n_examples"] == 240


def test_run_folder_glob_latest_and_deduplication(root):
    exp = root / "ant-topic"
    assert [r.run_id for r in resolve_runs([str(exp / B_ID)], root=root)] == [B_ID]
    assert [r.run_id for r in resolve_runs(["ant-topic/*-bbbbbbbb", "ant-topic/latest"], root=root)] == [B_ID, C_ID]
    assert [r.run_id for r in resolve_runs([str(exp / "2026110[12]*"), str(exp / A_ID)], root=root)] == [A_ID, B_ID]
    assert [r.run_id for r in resolve_runs(["ant-*"], root=root)] == [A_ID, B_ID, C_ID]


@pytest.mark.parametrize("spec, message", [
    pytest.param("ant-topic/20261105-100000-eeeeeeee", "not a finished run folder .missing run.json, metrics.json, config.yaml", id="unfinished"),
    pytest.param("nope", "not a run folder, a glob, or an experiment name", id="unknown"),
    pytest.param("ant-topic/2099*", "matches no finished run", id="empty-glob"),
])
def test_specs_that_are_not_runs(root, spec, message):
    with pytest.raises(DataError, match=message):
        resolve_runs([spec], root=root)


def test_load_run_errors(root, tmp_path):
    with pytest.raises(DataError, match="no such run folder"):
        load_run(tmp_path / "missing")
    bad = root / "ant-topic" / A_ID / "metrics.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        load_run(bad.parent)
    with pytest.raises(DataError, match="no runs given"):
        resolve_runs([], root=root)


def test_oof_is_lazy_and_checked(root):
    run = load_run(root / "ant-topic" / A_ID)
    assert run._oof == {}
    oof = run.oof("topic")
    assert list(oof.columns[:4]) == ["id", "fold", "y_true", "y_pred"] and len(oof) == 240
    assert run.proba_columns() == ["proba:culture", "proba:economy", "proba:politics", "proba:sport"]
    with pytest.raises(DataError, match="no task 'region'"):
        run.oof("region")


# ------------------------------------------------------------------ the table of many runs
def test_flatten_config_uses_override_syntax():
    flat = flatten_config({"tasks": [{"name": "topic"}], "features": {"char": {"ngram_range": [2, 5]}}, "where": {}})
    assert flat == {"tasks.0.name": "topic", "features.char.ngram_range": [2, 5], "where": {}}


def test_only_differing_keys_by_default(root):
    result = compare_runs(resolve_runs(["ant-topic"], root=root))
    assert result.task == "topic"
    assert result.keys == ["classifier.C", "classifier.kind", "cv.folds"]
    by_id = {r["run_id"]: r for r in result.rows}
    assert by_id[B_ID]["config"] == {"classifier.C": 1.0, "classifier.kind": "linear_svm", "cv.folds": 5}
    assert by_id[C_ID]["config"]["cv.folds"] == 3


def test_all_keys(root):
    result = compare_runs(resolve_runs(["ant-topic"], root=root), all_keys=True)
    assert {"seed", "features.n_features", "tasks.0.name", "classifier.C", "data.corpora.0.name"} <= set(result.keys)
    assert result.rows[0]["config"]["features.n_features"] == 2**22


def test_ranked_by_macro_f1_with_real_values(root):
    runs = resolve_runs(["ant-topic"], root=root)
    result = compare_runs(runs)
    means = {r.run_id: r.metrics["tasks"]["topic"]["cv"]["macro_f1"]["mean"] for r in runs}
    assert [r["run_id"] for r in result.rows] == sorted(means, key=means.get, reverse=True)
    assert [r["rank"] for r in result.rows] == [1, 2, 3]
    top = result.rows[0]
    assert top["run_id"] == B_ID
    assert top["macro_f1"] == means[B_ID]
    assert top["macro_f1_std"] == runs[1].metrics["tasks"]["topic"]["cv"]["macro_f1"]["std"] > 0
    asc = compare_runs(runs, ascending=True)
    assert [r["run_id"] for r in asc.rows] == sorted(means, key=means.get)
    by_key = compare_runs(runs, sort_by="classifier.C", ascending=True)
    assert [r["run_id"] for r in by_key.rows] == [A_ID, C_ID, B_ID]  # 0.5, 0.5 (tie: by label), 1.0
    # runs A and C use different folds: the table says what that means for paired tests
    assert any("fold assignments differ" in n for n in result.notes)


def test_ties_share_a_rank_and_missing_values_sort_last(tmp_path):
    root = tmp_path / "runs"
    y = gold()
    good, same = simulate(y, 0.9, seed=1), simulate(y, 0.7, seed=2)
    write_run(root, "20261101-000000-00000001", y=y, pred=same, name="exp")
    write_run(root, "20261101-000000-00000002", y=y, pred=good, name="exp")
    write_run(root, "20261101-000000-00000003", y=y, pred=same, name="exp")
    gap = write_run(root, "20261101-000000-00000004", y=y, pred=good, name="exp", overrides=["cache=false"])
    metrics = json.loads((gap / "metrics.json").read_text())
    del metrics["tasks"]["topic"]["cv"]["weighted_f1"]
    (gap / "metrics.json").write_text(json.dumps(metrics))
    config = (gap / "config.yaml").read_text()
    (gap / "config.yaml").write_text(config.replace("cache: false\n", ""))
    runs = resolve_runs(["exp"], root=root)

    result = compare_runs(runs)
    assert [r["run_id"][-1] for r in result.rows] == ["2", "4", "1", "3"]
    assert [r["rank"] for r in result.rows] == [1, 1, 3, 3]
    for ascending in (False, True):
        rows = compare_runs(runs, sort_by="weighted_f1", ascending=ascending).rows
        assert rows[-1]["run_id"].endswith("4") and rows[-1]["weighted_f1"] is None
    rows = compare_runs(runs, sort_by="cache").rows  # True for three runs, missing for one
    assert [r["run_id"][-1] for r in rows] == ["1", "2", "3", "4"]
    assert compare_runs(runs, sort_by="cache").keys == ["cache"]
    assert "\u2014" in compare_runs(runs).to_markdown()  # the missing key is shown as a dash


def test_different_cv_schemes_are_grouped_not_ranked_together(root):
    y = gold()
    sources = ["alarabiya", "bbc", "cnn", "france24", "rt"]
    write_run(root, "20261106-100000-ffffffff", y=y, accuracy=0.95, seed=9, sources=sources,
              scheme="leave_one_source_out", split="cv-oof-by-source", overrides=["cv.scheme=leave_one_source_out"])
    write_run(root, "20261107-100000-99999999", y=y, accuracy=0.99, seed=10, fingerprint="e" * 64, name="other-data")
    runs = resolve_runs(["ant-topic", "other-data"], root=root)
    result = compare_runs(runs)
    assert [(g["scheme"], g["split"], g["fingerprint"][:1]) for g in result.groups] == [
        ("stratified_kfold", "cv-oof", "f"), ("leave_one_source_out", "cv-oof-by-source", "f"), ("stratified_kfold", "cv-oof", "e")]
    assert [(r["group"], r["rank"]) for r in result.rows] == [(1, 1), (1, 2), (1, 3), (2, 1), (3, 1)]
    assert "ranked only within their group" in result.notes[0]
    assert "cv.scheme" in result.keys


def test_markdown_json_and_csv_parse_back(root):
    runs = resolve_runs(["ant-topic"], root=root)
    result = compare_runs(runs)
    truth = {r.run_id: r.metrics["tasks"]["topic"]["cv"] for r in runs}

    lines = [l for l in result.to_markdown().splitlines() if l.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header == ["rank", "run", "classifier.C", "classifier.kind", "cv.folds", "accuracy (%)", "macro_f1 (%)", "weighted_f1 (%)"]
    cells = [[c.strip() for c in l.strip("|").split("|")] for l in lines[2:]]
    assert [c[1].split("/")[1] for c in cells] == [r["run_id"] for r in result.rows]
    for c in cells:
        m = truth[c[1].split("/")[1]]["macro_f1"]
        assert c[6] == f"{100 * m['mean']:.1f} ± {100 * m['std']:.1f}"
    assert cells[0][3] == "linear_svm" and cells[-1][4] in ("3", "5")

    data = json.loads(result.to_json())
    assert [r["run_id"] for r in data["rows"]] == [r["run_id"] for r in result.rows]
    for r in data["rows"]:
        assert r["macro_f1"] == truth[r["run_id"]]["macro_f1"]["mean"]
        assert r["accuracy_std"] == truth[r["run_id"]]["accuracy"]["std"]
    assert data["keys"] == result.keys and data["groups"][0]["runs"] == [r["run"] for r in result.rows]

    table = list(csv.DictReader(io.StringIO(result.to_csv())))
    assert [t["run_id"] for t in table] == [r["run_id"] for r in result.rows]
    for t in table:
        assert float(t["macro_f1"]) == truth[t["run_id"]]["macro_f1"]["mean"]
        assert t["classifier.kind"] in ("linear_svm", "logistic_regression")
    assert pd.read_csv(io.StringIO(result.to_csv()))["cv.folds"].tolist() == [r["config"]["cv.folds"] for r in result.rows]


def _render(renderable) -> str:
    console = Console(record=True, width=250, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_rich_layouts_scale(root, tmp_path):
    runs = resolve_runs(["ant-topic"], root=root)
    wide = compare_runs(runs).to_rich()
    assert isinstance(wide, Table) and len(wide.columns) == 2 + 3 + 3 and wide.row_count == 3
    text = _render(wide)
    assert B_ID in text and "logistic_regression" in text
    transposed = compare_runs(runs, all_keys=True).to_rich()  # > 8 keys, 3 runs: keys become rows
    assert len(transposed.columns) == 1 + 3 and transposed.row_count > 8
    assert "features.n_features" in _render(transposed)
    many = tmp_path / "many"
    for i in range(12):
        write_run(many, f"20261101-0000{i:02d}-{i:08d}", seed=i, accuracy=0.6 + 0.02 * i, overrides=[f"classifier.C={i + 1}"])
    compact = compare_runs(resolve_runs(["ant-topic"], root=many), all_keys=True).to_rich()
    assert compact.row_count == 12 and [c.header for c in compact.columns][2] == "settings"
    text = _render(compact)
    assert "classifier.C=12" in text and "same in every run: cache=true" in text
    assert text.count("features.n_features") == 1  # a constant key is listed once, in the caption


def test_plot_comparison_writes_a_png(root, tmp_path):
    out = plot_comparison(resolve_runs(["ant-topic"], root=root), tmp_path / "cmp.png", task="topic", metric="macro_f1")
    data = out.read_bytes()
    assert out == tmp_path / "cmp.png" and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_bad_arguments(root):
    runs = resolve_runs(["ant-topic"], root=root)
    with pytest.raises(DataError, match="metric='f1'"):
        compare_runs(runs, metric="f1")
    with pytest.raises(DataError, match="sort_by='nope'"):
        compare_runs(runs, sort_by="nope")
    with pytest.raises(DataError, match="no run has task 'region'"):
        compare_runs(runs, task="region")


# ------------------------------------------------------------------ two runs
def test_compare_two_with_significance(root):
    a, b = (load_run(root / "ant-topic" / i) for i in (A_ID, B_ID))
    pair = compare_two(a, b)
    assert pair.changed == [{"key": "classifier.C", "a": 0.5, "b": 1.0}]
    ma, mb = (r.metrics["tasks"]["topic"]["cv"] for r in (a, b))
    macro = next(m for m in pair.metrics if m["metric"] == "macro_f1")
    assert macro["delta"] == pytest.approx(mb["macro_f1"]["mean"] - ma["macro_f1"]["mean"])
    sport = next(c for c in pair.per_class if c["label"] == "sport")
    assert sport["f1_delta"] == pytest.approx(mb["per_class"]["sport"]["f1"]["mean"] - ma["per_class"]["sport"]["f1"]["mean"])
    diff = np.array(pair.confusion["difference"])
    assert (diff == np.array(mb["confusion_matrix"]["matrix"]) - np.array(ma["confusion_matrix"]["matrix"])).all()
    assert diff.sum() == 0

    oa, ob = a.oof("topic"), b.oof("topic")
    right_a, right_b = oa["y_pred"] == oa["y_true"], ob["y_pred"] == ob["y_true"]
    sig = pair.significance
    assert sig["n"] == 240
    assert sig["mcnemar"]["a_only"] == int((right_a & ~right_b).sum()) == 2
    assert sig["mcnemar"]["b_only"] == int((~right_a & right_b).sum())
    boot = sig["bootstrap"]
    assert boot["difference"] == pytest.approx(f1_score(ob["y_true"], ob["y_pred"], average="macro")
                                               - f1_score(oa["y_true"], oa["y_pred"], average="macro"))
    assert boot["ci_low"] > 0 and boot["p_value"] < 0.01
    tt = sig["ttest"]
    assert tt["k"] == 5 and tt["n_test"] == 48 and tt["n_train"] == 192
    assert tt["mean_difference"] == pytest.approx(np.mean(mb["macro_f1"]["values"]) - np.mean(ma["macro_f1"]["values"]))
    assert pair.verdict.startswith("OOF macro-F1 +") and "significant, B better" in pair.verdict
    assert pair.refusal is None


def test_compare_two_renderings(root):
    a, b = (load_run(root / "ant-topic" / i) for i in (A_ID, B_ID))
    pair = compare_two(a, b)
    md = pair.to_markdown()
    assert f"**Verdict:** {pair.verdict}" in md and "| classifier.C | 0.5 | 1.0 |" in md
    assert "McNemar (errors)" in md and "corrected t-test (folds)" in md
    assert "| McNemar (errors) | only A right " in md and ", only B right " in md  # not "A only": read as A's errors
    data = json.loads(pair.to_json())
    assert data["significance"]["bootstrap"]["difference"] == pair.significance["bootstrap"]["difference"]
    text = _render(pair.to_rich())
    assert "Verdict" in text and "sport" in text


def test_significance_refused_for_different_fold_assignments(root):
    a, c = (load_run(root / "ant-topic" / i) for i in (A_ID, C_ID))
    pair = compare_two(a, c)
    assert pair.significance is None and "fold assignments differ" in pair.refusal
    assert pair.verdict.startswith("not tested: fold assignments differ")
    assert "Not tested: fold assignments differ" in pair.to_markdown()
    with pytest.raises(DataError, match=r"fold assignments differ \(\d+ of 240 examples"):
        compare_two(a, c, require_significance=True)


def test_fold_check_reads_the_oof_files_not_the_fingerprint_field(root):
    src = root / "ant-topic" / B_ID
    tampered = root / "ant-topic" / "20261108-100000-12345678"
    shutil.copytree(src, tampered)
    oof = pd.read_parquet(tampered / "oof" / "topic.parquet")
    oof.loc[[0, 1], "fold"] = (oof.loc[[0, 1], "fold"] + 1) % 5  # two examples move to another fold
    oof.to_parquet(tampered / "oof" / "topic.parquet", index=False)
    a, t = load_run(root / "ant-topic" / A_ID), load_run(tampered)
    assert a.metrics["tasks"]["topic"]["cv"]["fold_fingerprint"] == t.metrics["tasks"]["topic"]["cv"]["fold_fingerprint"]
    with pytest.raises(DataError, match=r"fold assignments differ \(2 of 240"):
        paired_predictions(a, t, "topic")


def test_significance_refused_for_different_data(root):
    write_run(root, "20261109-100000-abcdef12", fingerprint="0" * 64, name="ant-topic")
    a, other = (load_run(root / "ant-topic" / i) for i in (A_ID, "20261109-100000-abcdef12"))
    pair = compare_two(a, other)
    assert "different data (fingerprint ffffffff vs 00000000)" in pair.refusal
    assert FINGERPRINT.startswith("ffffffff")


def test_real_run_against_itself(trained_run):
    run = load_run(trained_run.run_dir)
    table = compare_runs([run], task="topic")
    assert table.rows[0]["macro_f1"] == trained_run.metrics["tasks"]["topic"]["cv"]["macro_f1"]["mean"]
    assert table.keys == [] and any("share 'region', 'source_type'" in n for n in compare_runs([run]).notes)
    pair = compare_two(run, load_run(trained_run.run_dir), task="region")
    assert pair.changed == [] and pair.significance["mcnemar"]["discordant"] == 0
    assert pair.verdict.endswith("not significant (identical scores)")
    assert pair.significance["ttest"]["k"] == 3


def test_a_run_trained_without_cv_is_listed_apart(root):
    path = write_run(root, "20261110-100000-0badc0de")
    metrics = json.loads((path / "metrics.json").read_text())
    del metrics["tasks"]["topic"]["cv"], metrics["tasks"]["topic"]["folds"]
    (path / "metrics.json").write_text(json.dumps(metrics))
    shutil.rmtree(path / "oof")
    result = compare_runs(resolve_runs(["ant-topic"], root=root))
    last = result.rows[-1]
    assert last["run_id"] == "20261110-100000-0badc0de" and last["rank"] is None and last["macro_f1"] is None
    assert result.groups[-1]["scheme"] == "(not evaluated)" and "group 2: (not evaluated) / data ffffffff (1 run)" in result.notes[0]
    pair = compare_two(load_run(root / "ant-topic" / A_ID), load_run(path))
    assert pair.refusal.endswith("was not evaluated (trained with --no-cv)")


def test_relative_glob_falls_back_to_root_when_cwd_has_other_folders(root, tmp_path, monkeypatch):
    (tmp_path / "ant-unrelated").mkdir()
    monkeypatch.chdir(tmp_path)
    assert [r.run_id for r in resolve_runs(["ant-*"], root=root)] == [A_ID, B_ID, C_ID]


def test_unused_feature_blocks_are_not_shown():
    from arclf.runs.compare import _in_use

    flat = {"features.kind": "word", "features.char.analyzer": "char_wb", "features.word.ngram_range": [1, 2], "seed": 0}
    assert _in_use(flat) == {"features.kind": "word", "features.word.ngram_range": [1, 2], "seed": 0}
    flat["features.kind"] = "union"
    assert _in_use(flat) == flat
