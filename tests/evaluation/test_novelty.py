"""The novelty rule: score features, the detector, its thresholds, and its use at training and prediction."""

import json
from pathlib import Path

import numpy as np
import pytest

from arclf.config import parse_config
from arclf.errors import ConfigError
from arclf.evaluation.novelty import (FEATURES, fit_detector, fit_novelty_thresholds, novel, novelty_scores,
                                      score_features)

ROOT = Path(__file__).resolve().parents[2]


def test_score_features_by_hand():
    d = np.array([[2.0, 0.0, -1.0, -np.inf]])
    f = score_features(d)
    assert f.shape == (1, len(FEATURES))
    e = np.exp([0.0, -2.0, -3.0])  # -inf counts as -1000: exp(-1002) adds nothing
    p = e / e.sum()
    np.testing.assert_allclose(f[0], [2.0, 0.0, -1.0, 2.0 + np.log(e.sum()), p[0], -(p * np.log(p)).sum()], rtol=1e-12)
    with pytest.raises(ValueError, match="3 classes"):
        score_features(np.zeros((2, 2)))


def _synthetic(n=600, seed=0):
    """Known rows: one clear winner; unseen rows: every decision value low and close together."""
    rng = np.random.default_rng(seed)
    known = rng.normal(-1.0, 0.3, (n, 5))
    y = rng.integers(0, 5, n)
    known[np.arange(n), y] += 2.0
    unseen = rng.normal(-0.8, 0.3, (n, 5))
    return known, y, unseen


def test_detector_scores_unseen_rows_higher_and_is_plain_json():
    known, _, unseen = _synthetic()
    det = fit_detector(score_features(np.vstack([known, unseen])), np.r_[np.zeros(len(known)), np.ones(len(unseen))] > 0)
    assert json.loads(json.dumps(det, allow_nan=False)) == det
    assert det["features"] == list(FEATURES)
    s_known, s_unseen = novelty_scores(det, known), novelty_scores(det, unseen)
    assert np.median(s_unseen) > np.quantile(s_known, 0.9)
    with pytest.raises(ValueError, match="both"):
        fit_detector(score_features(known), np.zeros(len(known), dtype=bool))


def test_thresholds_give_up_at_most_max_loss_of_each_class_right_answers():
    known, y, unseen = _synthetic(seed=1)
    labels = list("abcde")
    det = fit_detector(score_features(np.vstack([known, unseen])), np.r_[np.zeros(len(known)), np.ones(len(unseen))] > 0)
    y_true = np.array(labels, dtype=object)[y]
    thr = fit_novelty_thresholds(y_true, known, labels, det, max_loss=0.1)
    assert set(thr) == set(labels)
    flags = novel(labels, known, det, thr)
    pred = known.argmax(axis=1)
    for j in range(5):
        right = (pred == j) & (y == j)
        assert flags[right].mean() <= 0.1
    assert novel(labels, unseen, det, thr).mean() > 0.5  # and most unseen rows are caught
    # a class never predicted right has no threshold, and never abstains
    y_none = y_true.copy()
    y_none[pred == 0] = "b"
    assert "a" not in fit_novelty_thresholds(y_none, known, labels, det, max_loss=0.1)


def test_novelty_needs_a_calibrated_linear_svm():
    with pytest.raises(ConfigError, match="tasks.0.abstain_by: novelty needs classifier.kind linear_svm"):
        parse_config({"data": {"name": "ant"}, "tasks": [{"name": "section", "abstain": 0.05, "abstain_by": "novelty"}],
                      "classifier": {"kind": "logistic_regression"}})
    with pytest.raises(ConfigError, match="tasks.0.abstain_by: .*'sometimes'"):
        parse_config({"data": {"name": "ant"}, "tasks": [{"name": "section", "abstain_by": "sometimes"}]})


def test_trained_novelty_rule_answers_unknown_alike_by_every_path(tmp_path, corpora_dir):
    """ANT without its sport section: the rule is fitted, recorded, saved, and applied the same way in memory and on disk."""
    import arclf
    from arclf.bundle.model import load_predictor
    from arclf.corpus.cache import load_corpus_cached

    known = "[culture, economy, internationalNews, middleEast, technology]"
    result = arclf.train(ROOT / "configs" / "ant-sections.yaml", data_dir=corpora_dir, output_dir=tmp_path / "run",
                         overrides=[f"data={{corpora: [{{name: ant, where: {{section: {known}}}}}], sample: 1000}}",
                                    "tasks=[{name: section, abstain: 0.05, abstain_by: novelty}]", "cv.folds=3"],
                         use_cache=False)
    ab = result.metrics["tasks"]["section"]["abstention"]
    assert ab["rule"] == "novelty" and ab["split"] == "cv-oof (cross-fitted thresholds)"
    assert set(ab["novelty"]["thresholds"]) <= set(result.metrics["tasks"]["section"]["labels"])
    assert 0.0 < ab["right_answers_lost"] < 0.15 and 0.0 < ab["probability_rule"]["right_answers_lost"] < 0.15
    saved = json.loads((result.run_dir / "metrics.json").read_text())["tasks"]["section"]["abstention"]
    assert saved["novelty"]["detector"] == ab["novelty"]["detector"]
    ds, _ = load_corpus_cached("ant", corpora_dir)
    rows = ds.select_columns(["section", "text"]).to_dict()
    sport = [t for t, s in zip(rows["text"], rows["section"]) if s == "sport"][:150]
    classes, _, decision = result.bundle.predict_scores(sport, ["section"])["section"]
    flags = novel(classes, decision, ab["novelty"]["detector"], ab["novelty"]["thresholds"])
    assert 0 < flags.sum() < len(sport)
    for model in (result.bundle, load_predictor(result.run_dir)):
        preds = arclf.predict(model, sport)
        got = np.array([p.tasks["section"].label == "unknown" for p in preds])
        np.testing.assert_array_equal(got, flags)
        assert {p.tasks["section"].answered_by for p, f in zip(preds, flags) if f} == {"model (abstained)"}
    assert not any(p.tasks["section"].label == "unknown" for p in arclf.predict(result.bundle, sport, abstain=False))
