"""`cv.scheme: repeated_stratified_kfold` and `temporal` end to end, on a real ANT sample."""

from pathlib import Path

import pytest

from arclf.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "ant-sections.yaml"
SMALL = ["data.sample=600", "cv.folds=3", "features.n_features=262144"]


@pytest.fixture(scope="module")
def repeated_runs(tmp_path_factory, corpora_dir):
    from arclf.training.trainer import train

    out = tmp_path_factory.mktemp("repeated")
    common = [*SMALL, "cv.scheme=repeated_stratified_kfold", "cv.repeats=2"]
    return [train(CONFIG, overrides=[*common, f"classifier.C={c}"], data_dir=corpora_dir, output_dir=out / f"C{c}",
                  use_cache=False) for c in (0.5, 0.05)]


def test_repeated_kfold_reports_every_fold_and_an_interval(repeated_runs):
    cv = repeated_runs[0].metrics["tasks"]["section"]["cv"]
    folds = repeated_runs[0].metrics["tasks"]["section"]["folds"]
    assert cv["scheme"] == "repeated_stratified_kfold" and cv["folds"] == 6 and cv["repeats"] == 2
    assert [f["repeat"] for f in folds] == [0, 0, 0, 1, 1, 1]
    ci = cv["interval"]["macro_f1"]
    assert ci["k"] == 6 and ci["low"] < cv["macro_f1"]["mean"] < ci["high"]
    assert ci["mean"] == pytest.approx(sum(f["macro_f1"] for f in folds) / 6)


def test_compare_uses_every_repeat_in_the_corrected_t_test(repeated_runs):
    from arclf.runs.compare import compare_two
    from arclf.runs.reader import load_run

    a, b = (load_run(r.run_dir) for r in repeated_runs)
    result = compare_two(a, b)
    assert result.refusal is None
    assert result.significance["ttest"]["k"] == 6
    assert result.significance["n"] == 600  # bootstrap and McNemar: one prediction per article (repeat 0)


def test_temporal_scheme_trains_on_earlier_months(tmp_path, corpora_dir):
    from arclf.training.trainer import train

    res = train(CONFIG, overrides=[*SMALL, "cv.scheme=temporal", "cv.cutoff=2018-07-01"], data_dir=corpora_dir,
                output_dir=tmp_path / "t", use_cache=False)
    cv = res.metrics["tasks"]["section"]["cv"]
    p = cv["periods"]
    assert p["train"]["to"] < "2018-07-01" <= p["test"]["from"] and p["train"]["n"] + p["test"]["n"] <= 600
    assert cv["split"] == f"temporal:{p['test']['from']}..{p['test']['to']}"
    assert 0.3 < cv["macro_f1"]["mean"] < 1.0


@pytest.mark.parametrize("overrides, match", [
    (["cv.scheme=temporal"], "needs cv.cutoff"),
    (["cv.scheme=temporal", "cv.cutoff=2"], r"cv.cutoff: .*\(0, 1\)"),
    (["cv.scheme=temporal", "cv.cutoff=next-week"], "cv.cutoff: .*expected a date"),
    (["cv.repeats=0"], "cv.repeats"),
], ids=["no-cutoff", "fraction-above-1", "not-a-date", "zero-repeats"])
def test_bad_scheme_settings_are_config_errors(overrides, match):
    from arclf.config import load_config

    with pytest.raises(ConfigError, match=match):
        load_config(CONFIG, overrides)
