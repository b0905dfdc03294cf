"""evaluate_bundle: the ANT model scored on real ASND posts (and on unseen ANT rows), recorded as a run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score

from arclf.training.crosscorpus import evaluate_bundle
from arclf.errors import ConfigError, DataError

#: ASND topics the ANT model has no class for (arclf/resources/labels/asnd.yaml).
ASND_ONLY = {"crime_conflict", "other", "human_rights", "health", "environment", "religion", "education"}


def _config(tmp_path, name: str, text: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def asnd_eval(trained_run, corpora_dir, tmp_path_factory):
    """The trained ANT bundle on a stratified sample of 300 ASND test posts, saved to the default folder."""
    work = tmp_path_factory.mktemp("eval")
    cfg = _config(work, "asnd-tst", "data: {name: asnd, splits: [tst], sample: 300}\n")
    mp = pytest.MonkeyPatch()
    mp.chdir(work)
    try:
        result = evaluate_bundle(trained_run.run_dir, cfg, data_dir=corpora_dir)
    finally:
        mp.undo()
    assert not result.run_dir.is_absolute()  # relative to the working folder, as training's
    result.run_dir = work / result.run_dir
    return result


def test_scores_only_rows_with_a_known_label(asnd_eval, trained_run):
    topic = asnd_eval.metrics["tasks"]["topic"]
    known = set(trained_run.bundle.tasks["topic"].labels)
    assert topic["labels"] == sorted(known)
    assert set(topic["excluded"]) <= ASND_ONLY and not set(topic["excluded"]) & known
    assert topic["excluded"]["crime_conflict"] > 0
    assert list(topic["excluded"].values()) == sorted(topic["excluded"].values(), reverse=True)
    assert topic["n_examples"] + sum(topic["excluded"].values()) + topic["unlabeled"] == 300
    assert topic["unlabeled"] == 0 and asnd_eval.run["data"]["n_examples"] == 300
    oof = asnd_eval.oof["topic"]
    assert len(oof) == topic["n_examples"] and set(oof["y_true"]) <= known


def test_tasks_without_usable_labels_are_skipped_with_a_reason(asnd_eval):
    assert list(asnd_eval.metrics["tasks"]) == ["topic"]
    skipped = asnd_eval.run["skipped_tasks"]
    assert skipped["region"] == "the data has no region labels"
    assert skipped["source_type"] == "none of the data's source_type labels (social_media) is a label of the bundle"


def test_metrics_equal_sklearn_on_the_oof_file(asnd_eval):
    run_dir = asnd_eval.run_dir
    oof = pd.read_parquet(run_dir / "oof" / "topic.parquet")
    cv = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))["tasks"]["topic"]["cv"]
    macro = f1_score(oof["y_true"], oof["y_pred"], average="macro")
    assert 0.0 <= cv["macro_f1"]["mean"] <= 1.0
    assert cv["macro_f1"]["mean"] == pytest.approx(macro, abs=1e-12)
    assert cv["oof"]["macro_f1"] == pytest.approx(macro, abs=1e-12)
    assert cv["accuracy"]["mean"] == pytest.approx(accuracy_score(oof["y_true"], oof["y_pred"]), abs=1e-12)
    assert cv["scheme"] == "evaluate" and cv["split"] == "evaluate:asnd" and cv["folds"] == 1
    assert sum(map(sum, cv["confusion_matrix"]["matrix"])) == len(oof)


def test_oof_file_has_fold_0_and_probabilities(asnd_eval, trained_run):
    oof = pd.read_parquet(asnd_eval.run_dir / "oof" / "topic.parquet")
    labels = sorted(trained_run.bundle.tasks["topic"].labels)
    cols = [f"proba:{lab}" for lab in labels]
    assert list(oof.columns) == ["id", "fold", "y_true", "y_pred", *cols]
    assert (oof["fold"] == 0).all() and oof["id"].is_unique
    proba = oof[cols].to_numpy()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-4)
    assert (np.asarray(labels, dtype=object)[proba.argmax(axis=1)] == oof["y_pred"].to_numpy()).all()


def test_run_folder_records_both_datasets(asnd_eval, trained_run):
    run_dir = asnd_eval.run_dir
    assert run_dir.parent.name == "asnd-tst" and run_dir.parent.parent.as_posix().endswith("experiments/runs")
    assert "-eval-" in run_dir.name
    assert not (run_dir.parent / "latest").exists()  # `latest` keeps naming a run with a model
    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    assert run["kind"] == "evaluate" and run["run_id"] == run_dir.name
    assert run["bundle"]["run_id"] == trained_run.run_dir.name
    assert run["bundle"]["data_fingerprint"] == trained_run.run["data"]["fingerprint"]
    assert len(run["data"]["fingerprint"]) == 64 and run["data"]["fingerprint"] != run["bundle"]["data_fingerprint"]
    assert run["notes"] == []  # ASND was not a training corpus
    for name in ("config.yaml", "report.md", "confusion_topic.png", "per_class_f1_topic.png", "reliability_topic.png"):
        assert (run_dir / name).is_file(), name
    assert "evaluated on `asnd`" in (run_dir / "report.md").read_text(encoding="utf-8")


def test_compare_lists_it_beside_the_training_run(asnd_eval, trained_run):
    from arclf.runs.compare import compare_runs
    from arclf.runs.reader import resolve_runs

    result = compare_runs(resolve_runs([str(trained_run.run_dir), str(asnd_eval.run_dir)]), task="topic")
    assert len(result.rows) == 2 and len(result.groups) == 2
    assert {g["scheme"] for g in result.groups} == {"stratified_kfold", "evaluate"}
    assert all(r["rank"] == 1 for r in result.rows)  # never ranked against each other


def test_config_tasks_pick_bundle_tasks(trained_run, corpora_dir, tmp_path):
    cfg = _config(tmp_path, "ant-unseen", "seed: 1\ndata: {name: ant, sample: 200}\ntasks: [{name: topic}, {name: source_type}]\n")
    result = evaluate_bundle(trained_run.bundle, cfg, data_dir=corpora_dir, save=False)
    assert result.run_dir is None and not (tmp_path / "experiments").exists()
    assert list(result.metrics["tasks"]) == ["topic", "source_type"]
    for task, entry in result.metrics["tasks"].items():
        assert entry["excluded"] == {} and 0 < entry["n_examples"] <= 200
        assert 0.5 < entry["cv"]["macro_f1"]["mean"] <= 1.0
    assert "ant was also a training corpus" in result.run["notes"][0]


def test_overrides_are_applied_and_recorded(trained_run, corpora_dir, tmp_path):
    cfg = _config(tmp_path, "asnd", "data: {name: asnd, splits: [tst]}\n")
    result = evaluate_bundle(trained_run.bundle, cfg, overrides=["data.sample=120"], data_dir=corpora_dir,
                             output_dir=tmp_path / "out" / "run")
    assert result.run_dir == tmp_path / "out" / "run" and result.run["overrides"] == ["data.sample=120"]
    assert result.run["data"]["n_examples"] == 120
    assert "tasks" in (result.run_dir / "config.yaml").read_text(encoding="utf-8")


def test_task_not_in_bundle(trained_run, corpora_dir, tmp_path):
    cfg = _config(tmp_path, "bad", "data: {name: asnd}\ntasks: [{name: section}]\n")
    with pytest.raises(ConfigError, match=r"tasks \['section'\] are not in the bundle"):
        evaluate_bundle(trained_run.bundle, cfg, data_dir=corpora_dir, save=False)


def test_nothing_to_score_leaves_no_folder(trained_run, corpora_dir, tmp_path):
    cfg = _config(tmp_path, "others", "data: {name: asnd, splits: [tst], where: {section: [others]}}\n")
    with pytest.raises(DataError, match="nothing to evaluate on asnd: topic: none of the data's topic labels \\(other\\)"):
        evaluate_bundle(trained_run.bundle, cfg, data_dir=corpora_dir, output_dir=tmp_path / "run")
    assert not (tmp_path / "run").exists()
