"""Run reports: figures and report.md from a run folder; calibration numbers by hand."""

import json
import sys

import numpy as np
import pytest

from arclf.errors import DataError
from arclf.runs.report import display_label, most_confused, reliability_table, write_report
from tests.fake_runs import gold, write_run

PNG = b"\x89PNG\r\n\x1a\n"


def _png_ok(path, min_bytes=8_000):
    data = path.read_bytes()
    return data[:8] == PNG and len(data) > min_bytes


def test_report_files_exist_and_say_what_made_the_numbers(tmp_path):
    run = write_run(tmp_path, "20261101-100000-aaaaaaaa", accuracy=0.8, seed=1)
    out = write_report(run)
    assert out == run / "report.md"
    for name in ("confusion_topic.png", "per_class_f1_topic.png", "reliability_topic.png"):
        assert _png_ok(run / name), name
    md = out.read_text(encoding="utf-8")
    cv = json.loads((run / "metrics.json").read_text())["tasks"]["topic"]["cv"]
    m = cv["macro_f1"]
    assert f"**macro-F1 {100 * m['mean']:.1f} ± {100 * m['std']:.1f} %**" in md
    assert "5-fold stratified cross-validation, scored out-of-fold (`cv-oof`); duplicate texts kept in one fold" in md
    for label, pc in cv["per_class"].items():
        assert f"| {label} | {100 * pc['precision']['mean']:.1f} ± {100 * pc['precision']['std']:.1f} |" in md
    top = most_confused(cv["confusion_matrix"]["labels"], cv["confusion_matrix"]["matrix"], k=1)[0]
    assert f"| {top['true']} | {top['predicted']} | {top['count']} |" in md
    for name in ("confusion_topic.png", "per_class_f1_topic.png", "reliability_topic.png"):
        assert f"]({name})" in md
    assert "Expected calibration error (10 bins):" in md
    assert "```yaml\nname: ant-topic\n" in md and "[run.json](run.json)" in md and "- conflicting_groups: 1" in md
    assert not [p for p in run.iterdir() if p.name.startswith(".")]  # atomic writes leave no temp file


def test_report_without_probabilities_skips_the_reliability_diagram(tmp_path):
    run = write_run(tmp_path, "20261101-100000-aaaaaaaa", proba=False)
    md = write_report(run).read_text(encoding="utf-8")
    assert not (run / "reliability_topic.png").exists()
    assert "no probabilities in the OOF predictions" in md and _png_ok(run / "confusion_topic.png")


def test_report_for_leave_one_source_out_lists_sources(tmp_path):
    run = write_run(tmp_path, "20261101-100000-aaaaaaaa", scheme="leave_one_source_out", split="cv-oof-by-source",
                    sources=["alarabiya", "bbc", "cnn", "france24", "rt"])
    md = write_report(run).read_text(encoding="utf-8")
    assert "leave-one-source-out cross-validation over 5 sources" in md
    assert "### By held-out source" in md and "| bbc | 48 |" in md


def test_report_refuses_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(DataError, match="not a finished run folder"):
        write_report(tmp_path)


def test_reliability_and_ece_by_hand():
    labels = ["a", "b"]
    # confidences .95 .95 (bin (.9, 1]) one right one wrong; .65 .62 .61 (bin (.6, .7]) all right
    proba = [[0.95, 0.05], [0.05, 0.95], [0.65, 0.35], [0.38, 0.62], [0.61, 0.39]]
    y = ["a", "a", "a", "b", "a"]
    t = reliability_table(y, proba, labels, n_bins=10)
    full = [b for b in t["bins"] if b["count"]]
    assert [(b["low"], b["count"]) for b in full] == [(pytest.approx(0.6), 3), (pytest.approx(0.9), 2)]
    assert full[0]["accuracy"] == 1.0 and full[0]["confidence"] == pytest.approx(0.62666667)
    assert full[1]["accuracy"] == 0.5 and full[1]["confidence"] == pytest.approx(0.95)
    # ECE = 3/5 * |1 - .626667| + 2/5 * |.5 - .95| = .224 + .18
    assert t["ece"] == pytest.approx(0.404)
    assert t["n"] == 5 and len(t["bins"]) == 10


def test_reliability_edges_and_perfect_calibration():
    t = reliability_table(["a", "b"], [[1.0, 0.0], [0.5, 0.5]], ["a", "b"])
    assert t["bins"][-1]["count"] == 1 and t["bins"][4]["count"] == 1  # 1.0 in (.9, 1], .5 in (.4, .5]
    rng = np.random.default_rng(0)
    conf = rng.uniform(0.5, 1.0, 200_000)
    right = rng.random(conf.size) < conf  # calibrated by construction
    proba = np.column_stack([conf, 1 - conf])
    y = np.where(right, "a", "b")
    assert reliability_table(y, proba, ["a", "b"])["ece"] < 0.01
    with pytest.raises(DataError, match="does not match"):
        reliability_table(["a"], [[0.5, 0.5]], ["a", "b", "c"])


def test_arabic_labels_are_transliterated_without_the_shaping_libraries(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "arabic_reshaper", None)  # import fails as if not installed
    # "\u0633\u064a\u0627\u0633\u0629": siyasa (politics); "\u0634\u0639\u0631": shi'r (poetry)
    assert display_label("\u0633\u064a\u0627\u0633\u0629") == "syAsp"
    assert display_label("\u0634\u0639\u0631") == r"\$Er"  # Buckwalter '$' escaped from mathtext
    assert display_label("US$") == r"US\$"
    labels = ["\u0633\u064a\u0627\u0633\u0629", "\u0631\u064a\u0627\u0636\u0629", "culture"]
    run = write_run(tmp_path, "20261101-100000-aaaaaaaa", labels=labels)
    md = write_report(run).read_text(encoding="utf-8")
    assert "Buckwalter transliteration" in md and f"| {labels[0]} |" in md
    assert _png_ok(run / "confusion_topic.png", 5_000)


def test_most_confused_orders_by_count_then_names():
    pairs = most_confused(["a", "b", "c"], [[5, 2, 3], [0, 4, 3], [1, 0, 9]], k=2)
    assert pairs == [{"true": "a", "predicted": "c", "count": 3, "share": 0.3},
                     {"true": "b", "predicted": "c", "count": 3, "share": pytest.approx(3 / 7)}]


def test_report_of_a_real_training_run(trained_run):
    """arclf.train calls write_report: every task of the real ANT run has its figures and section."""
    run_dir = trained_run.run_dir
    md = (run_dir / "report.md").read_text(encoding="utf-8")
    assert md.startswith(f"# Run report: ant-multitask / {run_dir.name}")
    for task in ("topic", "region", "source_type"):
        assert f"## Task `{task}`" in md
        for kind in ("confusion", "per_class_f1", "reliability"):
            assert _png_ok(run_dir / f"{kind}_{task}.png", 5_000), (kind, task)
    assert "3-fold stratified cross-validation, scored out-of-fold (`cv-oof`)" in md


def test_report_of_a_task_trained_without_cv(tmp_path):
    run = write_run(tmp_path, "20261101-100000-aaaaaaaa")
    metrics = json.loads((run / "metrics.json").read_text())
    del metrics["tasks"]["topic"]["cv"], metrics["tasks"]["topic"]["folds"]
    (run / "metrics.json").write_text(json.dumps(metrics))
    md = write_report(run).read_text(encoding="utf-8")
    assert "Not evaluated (trained with --no-cv)" in md and "\n\n\n" not in md.split("```yaml")[0]


def test_report_of_one_test_set_does_not_speak_of_folds(tmp_path):
    run = write_run(tmp_path, "20261101-100000-aaaaaaaa", scheme="predefined", split="test:tst",
                    folds=np.zeros(len(gold()), dtype=int))
    md = write_report(run).read_text(encoding="utf-8")
    assert "predefined split, trained on the rest and tested on `tst`" in md
    assert "over folds" not in md and "(on one test set)" in md and "### Per class (%, on one test set)" in md


def test_a_run_folder_created_meanwhile_is_one_line_and_this_run_is_not_kept(tmp_path):
    """A fresh-user test: two trainings into one --output-dir at once; the loser crashed with OSError."""
    from arclf.errors import ConfigError
    from arclf.runs.writer import RunWriter

    writer = RunWriter(tmp_path, "same")
    (writer.path / "metrics.json").write_text("{}")
    (tmp_path / "same").mkdir()  # the other run committed first
    (tmp_path / "same" / "metrics.json").write_text('{"theirs": 1}')
    with pytest.raises(ConfigError, match=r"--output-dir .*same was created by another run while this one ran"):
        writer.commit(link_latest=False)
    writer.abort()
    assert (tmp_path / "same" / "metrics.json").read_text() == '{"theirs": 1}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same"]


def test_a_run_folder_that_appeared_before_saving_began_is_one_line(tmp_path):
    """A second fresh-user test: the other run finished before this one started writing: FileExistsError, exit 1."""
    from arclf.errors import ConfigError
    from arclf.runs.writer import RunWriter

    (tmp_path / "same").mkdir()
    with pytest.raises(ConfigError, match=r"--output-dir .*same was created by another run while this one ran; "
                                          r"this run was not kept: name a new folder"):
        RunWriter(tmp_path, "same")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same"]
