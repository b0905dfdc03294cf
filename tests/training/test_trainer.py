"""End to end on real ANT articles: load → train from a config → CV → bundle → predict."""

import json

import numpy as np
import pandas as pd
import pytest

from arclf.bundle.model import load_bundle
from arclf.errors import BundleError, ConfigError, DataError, InputError
from arclf.prediction.predictor import UNKNOWN, predict, predict_files


def test_run_folder_is_complete(trained_run):
    run_dir = trained_run.run_dir
    assert run_dir is not None and run_dir.is_dir()
    for name in ("config.yaml", "metrics.json", "run.json", "report.md", "model.arclf", "oof/topic.parquet"):
        assert (run_dir / name).exists(), name
    assert not any(p.name.startswith(".tmp-") for p in run_dir.parent.iterdir())
    run = json.loads((run_dir / "run.json").read_text())
    assert run["overrides"] == ["data.sample=1500", "cv.folds=3"]
    assert run["data"]["n_examples"] == 1500
    assert len(run["data"]["fingerprint"]) == 64
    assert run["versions"]["scikit-learn"] and run["git"]["commit"]
    assert run["timing"]["featurize"]["seconds"] > 0


def test_metrics_are_honest_and_useful(trained_run):
    tasks = trained_run.metrics["tasks"]
    assert set(tasks) == {"topic", "region", "source_type"}
    assert tasks["topic"]["labels"] == ["culture", "economy", "politics", "sport", "technology"]
    assert tasks["region"]["labels"] == ["international", "middle_east"]
    topic = tasks["topic"]["cv"]
    assert topic["split"] == "cv-oof" and topic["folds"] == 3
    assert len(topic["macro_f1"]["values"]) == 3
    assert 0.75 < topic["macro_f1"]["mean"] <= 1.0  # real char n-gram model on real text
    assert 0.0 <= topic["macro_f1"]["std"] < 0.1
    assert sum(map(sum, topic["confusion_matrix"]["matrix"])) == tasks["topic"]["n_examples"]


def test_out_of_fold_predictions_have_ids_and_probabilities(trained_run):
    oof = pd.read_parquet(trained_run.run_dir / "oof" / "topic.parquet")
    assert len(oof) == trained_run.metrics["tasks"]["topic"]["n_examples"]
    assert oof["id"].is_unique and set(oof["fold"]) == {0, 1, 2}
    proba = oof[[c for c in oof.columns if c.startswith("proba:")]].to_numpy()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    acc = (oof["y_true"] == oof["y_pred"]).mean()
    assert acc == pytest.approx(trained_run.metrics["tasks"]["topic"]["cv"]["oof"]["accuracy"])


def test_seed_page_prediction(trained_run, seed_page):
    bundle = load_bundle(trained_run.run_dir)
    (pred,) = predict_files(bundle, [seed_page])
    assert set(pred.tasks) == {"topic", "region", "source_type"}
    # the page's own title (after the column name), parsed out of the breadcrumb; the trailer is dropped
    assert pred.info["title"].startswith("\u0627\u0644\u0648\u0644\u0627\u064a\u0627\u062a")  # al-wilayat (the United States)
    assert pred.info["format"] == "page"
    for tp in pred.tasks.values():
        assert sum(tp.scores.values()) == pytest.approx(1.0, abs=1e-4)  # the model's scores, whoever answered
    for name in ("topic", "region"):
        tp = pred.tasks[name]
        assert tp.answered_by == "model" and tp.proba == pytest.approx(max(tp.scores.values()), abs=1e-6)
    # the page credits the Washington Post: the credit answers source type, not the broadcaster model
    source = pred.tasks["source_type"]
    assert (source.label, source.answered_by, source.proba) == ("translated_foreign_press", "attribution", None)


def test_min_proba_and_top_k(trained_run):
    bundle = trained_run.bundle
    text = "أعلن البنك المركزي رفع أسعار الفائدة وسط تراجع البورصة"
    (p,) = predict(bundle, [text], top_k=2, min_proba=0.999)
    assert len(p.tasks["topic"].scores) == 2
    assert p.tasks["topic"].label == UNKNOWN
    q, r = predict(bundle, [text, "سجل المهاجم هدفين في مباراة الدوري وفاز الفريق بالكأس"])
    assert q.tasks["topic"].label == "economy"
    assert r.tasks["topic"].label == "sport"


def test_same_config_and_seed_give_same_metrics(trained_run, corpora_dir, tmp_path):
    from arclf.training.trainer import train

    from ..conftest import ROOT

    again = train(ROOT / "configs" / "ant-multitask.yaml", overrides=["data.sample=1500", "cv.folds=3"],
                  data_dir=corpora_dir, save=False)
    for task in ("topic", "region", "source_type"):
        assert again.metrics["tasks"][task]["cv"]["macro_f1"] == trained_run.metrics["tasks"][task]["cv"]["macro_f1"]


def test_truncated_bundle(trained_run, tmp_path):
    data = (trained_run.run_dir / "model.arclf").read_bytes()
    bad = tmp_path / "model.arclf"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(BundleError, match="truncated or damaged bundle"):
        load_bundle(bad)
    with pytest.raises(BundleError, match="no model bundle"):
        load_bundle(tmp_path / "missing")


def test_missing_data_folder(tmp_path, monkeypatch):
    from arclf.training.trainer import train

    from ..conftest import ROOT

    monkeypatch.setenv("ARCLF_CACHE", str(tmp_path / "cache"))
    with pytest.raises(DataError, match=r"nowhere \(from --data-dir\) is not a folder; fix the path"):
        train(ROOT / "configs" / "ant-sections.yaml", data_dir=tmp_path / "nowhere", save=False)


@pytest.mark.parametrize("overrides, cv", [
    (["classifier.kind=linear_svm"], False),
    (["classifier.kind=logistic_regression"], True),
    (["classifier.kind=complement_nb", "features.kind=union"], True),
    (["classifier.kind=sgd", "features.kind=word"], True),
    (["classifier.kind=ridge"], True),
], ids=["svm-no-cv", "logreg", "nb-union", "sgd-word", "ridge"])
def test_every_classifier_trains_and_predicts(corpora_dir, overrides, cv):
    """Each pipeline shape fits on real articles and its bundle predicts calibrated probabilities."""
    from arclf.training.trainer import train

    from ..conftest import ROOT

    result = train(ROOT / "configs" / "ant-multitask.yaml", overrides=["data.sample=600", "cv.folds=3", "tasks=[{name: topic}]", *overrides],
                   data_dir=corpora_dir, save=False, cv=cv)
    if cv:
        assert result.metrics["tasks"]["topic"]["cv"]["macro_f1"]["mean"] > 0.5
    (sport, econ) = predict(result.bundle, ["سجل المهاجم هدفين في مباراة الدوري وفاز الفريق بالكأس",
                                            "ارتفعت أسعار النفط وتراجعت البورصة بعد قرار البنك المركزي رفع الفائدة"])
    assert sport.tasks["topic"].label == "sport"
    assert econ.tasks["topic"].label == "economy"
    assert sum(sport.tasks["topic"].scores.values()) == pytest.approx(1.0, abs=1e-4)


def test_array_predictor_equals_the_scikit_learn_pipeline(trained_run, seed_page, ant_sample):
    """The bundle's arrays score exactly as the rebuilt scikit-learn pipelines do."""
    from arclf.bundle.model import load_predictor
    from arclf.bundle.arrays import ArrayPredictor

    fast = load_predictor(trained_run.run_dir)
    assert isinstance(fast, ArrayPredictor)
    full = load_bundle(trained_run.run_dir)
    texts = [seed_page.read_text(encoding="utf-8"), "سجل المهاجم هدفين في مباراة الدوري", "ارتفعت أسعار النفط"]
    a, b = fast.predict_proba(texts), full.predict_proba(texts)
    for task in ("topic", "region", "source_type"):
        assert a[task][0] == b[task][0]
        np.testing.assert_allclose(a[task][1], b[task][1], atol=1e-5)
    many = [r["text"] for r in ant_sample[:200]]  # a batch: the compiled TF-IDF path
    a, b = fast.predict_proba(many), full.predict_proba(many)
    for task in ("topic", "region", "source_type"):
        np.testing.assert_allclose(a[task][1], b[task][1], atol=1e-5)
    # and the in-memory bundle of the run gives the same answers as the saved one
    np.testing.assert_allclose(trained_run.bundle.predict_proba(many)["topic"][1], b["topic"][1], atol=1e-6)


def test_prediction_does_not_import_scikit_learn(trained_run, seed_page):
    """`arclf predict` must start fast: loading an array bundle and predicting imports no scikit-learn."""
    import subprocess
    import sys

    code = ("import sys; from arclf.prediction.predictor import predict_files; "
            f"p = predict_files({str(trained_run.run_dir)!r}, [{str(seed_page)!r}]); "
            "print(p[0].tasks['topic'].label, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[1] == "False"
    assert out[0] in trained_run.metrics["tasks"]["topic"]["labels"]


def test_streamed_duplicate_groups_equal_dedup_module(ant_sample):
    """Training groups duplicates from digests of normalized texts: the same partition as arclf.evaluation.duplicates."""
    import hashlib

    from arclf.evaluation.duplicates import exact_duplicate_groups
    from arclf.text.normalize import normalize_for_dedup
    from arclf.evaluation.duplicates import first_seen_ids

    texts = [r["text"] for r in ant_sample]
    texts += texts[:25] + [t.replace(" ", "  ") for t in texts[25:40]]  # exact copies and whitespace variants
    keys = [hashlib.blake2b(normalize_for_dedup(t).encode(), digest_size=16).digest() for t in texts]
    np.testing.assert_array_equal(first_seen_ids(keys), exact_duplicate_groups(texts))
    assert len(set(first_seen_ids(keys))) <= len(texts) - 40


def test_tiny_sample_and_existing_output_are_clear_errors(corpora_dir, tmp_path):
    from arclf.errors import ConfigError
    from arclf.training.trainer import train

    from ..conftest import ROOT

    with pytest.raises(ConfigError, match="data.sample=3 is smaller than the number of classes"):
        train(ROOT / "configs" / "ant-sections.yaml", overrides=["data.sample=3"], data_dir=corpora_dir, save=False)
    (tmp_path / "run").mkdir()
    with pytest.raises(ConfigError, match="already exists"):
        train(ROOT / "configs" / "ant-sections.yaml", data_dir=corpora_dir, output_dir=tmp_path / "run")


def test_public_api_names_stay_functions():
    """`arclf.train` and `arclf.predict` are functions however often and in whatever order they are used."""
    import arclf
    import arclf.prediction.predictor  # noqa: F401  (importing the modules must not shadow the functions)
    import arclf.training.trainer  # noqa: F401

    for _ in range(2):
        assert callable(arclf.train) and callable(arclf.predict) and callable(arclf.load_bundle)
    from arclf import predict as p, train as t

    assert t.__module__ == "arclf.training.trainer" and p.__module__ == "arclf.prediction.predictor"


@pytest.mark.parametrize("extra", [[], ["features.title_weight=2"]], ids=["char", "title-block"])
def test_uncalibrated_svm_folds_score_like_the_scikit_learn_head(corpora_dir, monkeypatch, tmp_path, extra):
    """With calibration: none, the shared-count path gives the out-of-fold probabilities that
    fitting each fold's scikit-learn head on copied counts gives (softmax of the decision values);
    with a title block too, whose block weights both paths read through the compacted columns' hash ids."""
    import pandas as pd

    from arclf.training import cv as cv_mod, trainer as training

    from ..conftest import ROOT

    overrides = ["data.sample=600", "cv.folds=3", "tasks=[{name: topic}]", "classifier.calibration=none", *extra]
    oofs = []
    for scaled in (True, False):
        for module in (training, cv_mod):  # where the choice is made: pruning and each fold's fit
            monkeypatch.setattr(module, "uses_shared_counts", lambda cfg, scaled=scaled: scaled)
        result = training.train(ROOT / "configs" / "ant-multitask.yaml", overrides=overrides, data_dir=corpora_dir,
                                output_dir=tmp_path / str(scaled), use_cache=False)
        oofs.append(pd.read_parquet(result.run_dir / "oof" / "topic.parquet").sort_values("id").reset_index(drop=True))
    assert oofs[0]["id"].tolist() == oofs[1]["id"].tolist() and oofs[0]["fold"].tolist() == oofs[1]["fold"].tolist()
    proba = [o.filter(like="proba:").to_numpy() for o in oofs]
    np.testing.assert_allclose(proba[0], proba[1], atol=2e-3)
    np.testing.assert_allclose(proba[0].sum(axis=1), 1.0, atol=1e-6)
    assert (oofs[0]["y_pred"] == oofs[1]["y_pred"]).mean() > 0.99


def test_kernel_warmup_child_fills_the_cache_and_leaves_a_marker(tmp_path, monkeypatch):
    """The first run compiles numba kernels in a child process; its marker makes later runs skip it."""
    import subprocess

    from arclf.training import warmup as _warmup
    from arclf.config import load_config

    from ..conftest import ROOT

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    monkeypatch.setattr("numba.config.CACHE_DIR", str(tmp_path / "numba"))
    monkeypatch.setattr("arclf.training.warmup.any_compiled", lambda: False)  # as in a fresh process
    cfg = load_config(ROOT / "configs" / "ant-sections.yaml")
    assert not _warmup._marker(cfg).exists()
    assert _warmup.compile_kernels(cfg) is True
    assert _warmup._marker(cfg).exists()
    assert list((tmp_path / "numba").rglob("*.nbc"))  # the child wrote compiled kernels to numba's cache
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a))
    assert _warmup.compile_kernels(cfg) is True and calls == []  # the marker short-cuts the child


def test_kernel_warmup_failure_falls_back(tmp_path, monkeypatch):
    import subprocess

    from arclf.training import warmup as _warmup
    from arclf.config import load_config

    from ..conftest import ROOT

    monkeypatch.setattr("numba.config.CACHE_DIR", str(tmp_path / "numba"))
    monkeypatch.setattr("arclf.training.warmup.any_compiled", lambda: False)  # as in a fresh process
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 1, "", "boom"))
    cfg = load_config(ROOT / "configs" / "ant-sections.yaml")
    assert _warmup.compile_kernels(cfg) is False and not _warmup._marker(cfg).exists()


def test_unusable_output_dir_is_refused_before_any_work(tmp_path):
    from arclf.training.trainer import train

    from ..conftest import ROOT

    (tmp_path / "a-file").write_text("mine")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        train(ROOT / "configs" / "ant-sections.yaml", output_dir=tmp_path / "a-file" / "run", data_dir=tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="already exists"):
        train(ROOT / "configs" / "ant-sections.yaml", output_dir=tmp_path / "a-file", data_dir=tmp_path / "nowhere")


def test_latest_never_replaces_a_users_file(tmp_path):
    from arclf.runs.writer import RunWriter

    (tmp_path / "latest").write_text("my notes")
    writer = RunWriter(tmp_path, "20261129-000000-abcdef12")
    with pytest.warns(UserWarning, match="not a link arclf made"):
        final = writer.commit()
    assert final.is_dir() and (tmp_path / "latest").read_text() == "my notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["20261129-000000-abcdef12", "latest"]
    writer = RunWriter(tmp_path / "runs", "20261129-000001-abcdef12")
    writer.commit()
    assert (tmp_path / "runs" / "latest").resolve() == (tmp_path / "runs" / "20261129-000001-abcdef12").resolve()


def test_predict_api_checks_inputs_as_the_cli_does(trained_run):
    one = predict(trained_run.bundle, "سجل المهاجم هدفين في مباراة الدوري")
    assert len(one) == 1 and one[0].tasks["topic"].label == "sport"  # a bare string is one text
    for bad, match in (("", "empty text"), ("   ", "empty text"), ("hello world", "no Arabic letters")):
        with pytest.raises(InputError, match=match):
            predict(trained_run.bundle, ["ارتفعت أسعار النفط", bad])


def test_metrics_json_is_byte_identical_across_runs_and_timings_live_in_run_json(tmp_path, corpora_dir):
    """Field test 10: the same config and seed give the same metrics.json, byte for byte."""
    from arclf.training.trainer import train

    from ..conftest import ROOT

    args = dict(overrides=["data.sample=400", "cv.folds=2", "tasks=[{name: topic}]"], data_dir=corpora_dir, use_cache=False)
    a = train(ROOT / "configs" / "ant-multitask.yaml", output_dir=tmp_path / "a", **args)
    b = train(ROOT / "configs" / "ant-multitask.yaml", output_dir=tmp_path / "b", **args)
    assert (a.run_dir / "metrics.json").read_bytes() == (b.run_dir / "metrics.json").read_bytes()
    assert "seconds" not in (a.run_dir / "metrics.json").read_text()
    import json

    assert len(json.loads((a.run_dir / "run.json").read_text())["fold_seconds"]["topic"]) == 2  # one per fold


def test_two_trainings_of_one_config_at_once_both_finish(tmp_path, corpora_dir):
    """Field test 6: two processes started together get distinct run ids and complete run folders."""
    import subprocess
    import sys

    from ..conftest import ROOT

    cmd = [sys.executable, "-c", "from arclf.cli import main; raise SystemExit(main())", "train",
           str(ROOT / "configs" / "ant-sections.yaml"), "--set", "data.sample=300", "--set", "cv.folds=2", "-q",
           "--data-dir", str(corpora_dir)]
    procs = [subprocess.Popen(cmd[:3] + cmd[3:], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    runs = sorted(p for p in (tmp_path / "experiments" / "runs" / "ant-sections").iterdir() if p.name != "latest")
    assert len(runs) == 2 and runs[0].name != runs[1].name
    for run in runs:
        assert {"metrics.json", "run.json", "config.yaml", "model.arclf", "report.md"} <= {p.name for p in run.iterdir()}
    assert (tmp_path / "experiments" / "runs" / "ant-sections" / "latest").resolve() in [r.resolve() for r in runs]
    assert not [p for p in runs[0].parent.iterdir() if p.name.startswith(".")]


def test_sample_is_drawn_among_labelled_rows_and_unseen_test_labels_warn(tmp_path, corpora_dir):
    """Field test 16: data.sample=N trains on N labelled rows, and a fold that tests a class it never
    trained on says so."""
    from arclf.training.trainer import train

    from ..conftest import ROOT

    res = train(ROOT / "configs" / "saudinewsnet-source-type.yaml", overrides=["data.sample=500", "cv.folds=2",
                "tasks=[{name: topic}]"], data_dir=corpora_dir, save=False, use_cache=False)
    assert res.metrics["tasks"]["topic"]["n_examples"] == 500  # most SaudiNewsNet rows have no topic
    for label, n in (("economy", 4), ("sport", 4), ("rare", 1)):
        (tmp_path / "c" / label).mkdir(parents=True)
        for i in range(n):
            (tmp_path / "c" / label / f"{i}.txt").write_text(f"خبر عن {label} رقم {i} في البلاد", encoding="utf-8")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"data: {{corpora: [{{name: folder, path: {tmp_path / 'c'}}}]}}\n"
                   "tasks: [{name: section, min_count: 1}]\ncv: {folds: 2}\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"task 'section', fold \d: test labels absent from its training rows: rare"):
        train(cfg, save=False, use_cache=False)
