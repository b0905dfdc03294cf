"""Folds keep duplicates together; metrics are the real values."""

import numpy as np
import pytest

from arclf.errors import ConfigError
from arclf.evaluation.folds import fold_fingerprint, fold_metrics, make_folds, summarize_folds


def _data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = np.array(["a", "b", "c", "d"])[rng.integers(0, 4, n)]
    groups = np.arange(n)
    groups[1::7] = groups[0::7][: len(groups[1::7])]  # every 7th row duplicates its neighbour
    return y, groups


def test_duplicate_groups_never_straddle_train_and_test():
    y, groups = _data()
    folds = make_folds(y, scheme="stratified_kfold", n_folds=5, groups=groups, seed=3)
    assert len(folds) == 5
    assert sorted(np.concatenate([f.test for f in folds]).tolist()) == list(range(len(y)))
    for f in folds:
        assert not set(groups[f.train]) & set(groups[f.test])


def test_folds_are_seeded():
    y, groups = _data()
    a = make_folds(y, scheme="stratified_kfold", n_folds=5, groups=groups, seed=1)
    b = make_folds(y, scheme="stratified_kfold", n_folds=5, groups=groups, seed=1)
    c = make_folds(y, scheme="stratified_kfold", n_folds=5, groups=groups, seed=2)
    assert all(np.array_equal(x.test, z.test) for x, z in zip(a, b))
    assert not all(np.array_equal(x.test, z.test) for x, z in zip(a, c))


def test_leave_one_source_out_drops_training_copies_of_test_articles():
    y = np.array(["x", "y"] * 6)
    sources = np.array(["A"] * 4 + ["B"] * 4 + ["C"] * 4)
    groups = np.arange(12)
    groups[4] = groups[0]  # an article of B duplicates one of A
    folds = make_folds(y, scheme="leave_one_source_out", sources=sources, groups=groups)
    assert [f.held_out for f in folds] == ["A", "B", "C"]
    fold_a = folds[0]
    assert fold_a.test.tolist() == [0, 1, 2, 3]
    assert 4 not in fold_a.train  # the copy in B is kept out of training
    assert set(fold_a.train) == set(range(5, 12))


def test_predefined_split():
    y = np.array(["x", "y"] * 5)
    splits = np.array(["trn"] * 6 + ["tst"] * 4)
    (fold,) = make_folds(y, scheme="predefined", splits=splits, test_split="tst")
    assert fold.test.tolist() == [6, 7, 8, 9] and fold.train.tolist() == list(range(6))
    with pytest.raises(ConfigError, match="matches no row"):
        make_folds(y, scheme="predefined", splits=splits, test_split="dev")


def test_too_few_groups():
    with pytest.raises(ConfigError, match="lower cv.folds"):
        make_folds(np.array(["a", "b", "a"]), scheme="stratified_kfold", n_folds=5)


def test_fold_metrics_values():
    m = fold_metrics(["a", "a", "b", "b"], ["a", "b", "b", "b"], ["a", "b"])
    assert m["accuracy"] == 0.75
    assert m["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert m["per_class"]["b"]["f1"] == pytest.approx(0.8)
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    assert m["confusion_matrix"] == [[1, 1], [0, 2]]


def test_summary_mean_std_and_pooled_confusion():
    f1 = {**fold_metrics(["a", "b"], ["a", "b"], ["a", "b"]), "held_out": None}
    f2 = {**fold_metrics(["a", "b"], ["b", "b"], ["a", "b"]), "held_out": None}
    block = summarize_folds([f1, f2], ["a", "b"], ["a", "b", "a", "b"], ["a", "b", "b", "b"], scheme="stratified_kfold", split="cv-oof")
    assert block["accuracy"]["values"] == [1.0, 0.5]
    assert block["accuracy"]["mean"] == 0.75
    assert block["accuracy"]["std"] == pytest.approx(np.std([1.0, 0.5], ddof=1))
    assert block["confusion_matrix"]["matrix"] == [[1, 1], [0, 2]]
    assert block["split"] == "cv-oof"


def test_fold_fingerprint_is_order_independent():
    assert fold_fingerprint(["a", "b"], [0, 1]) == fold_fingerprint(["b", "a"], [1, 0])
    assert fold_fingerprint(["a", "b"], [0, 1]) != fold_fingerprint(["a", "b"], [1, 0])


def test_grouped_folds_are_stratified_and_cover_every_row_once():
    y, groups = _data(n=1000, seed=4)
    folds = make_folds(y, scheme="stratified_kfold", n_folds=5, groups=groups, seed=0)
    assert sorted(np.concatenate([f.test for f in folds]).tolist()) == list(range(1000))
    for label in "abcd":
        share = np.mean(y == label)
        for f in folds:
            # within about a row of an equal share (groups of 2 rows with different labels allow no better)
            assert abs(np.sum(y[f.test] == label) - share * len(f.test)) <= 2
            assert set(f.train) == set(range(1000)) - set(f.test)


def test_a_group_with_conflicting_labels_stays_whole():
    y = np.array(["a", "b"] * 10 + ["a"])
    groups = np.arange(21)
    groups[1] = 0  # rows 0 (a) and 1 (b) are one duplicate group with conflicting labels
    for f in make_folds(y, scheme="stratified_kfold", n_folds=3, groups=groups, seed=5):
        assert ({0, 1} <= set(f.test)) or not ({0, 1} & set(f.test))
