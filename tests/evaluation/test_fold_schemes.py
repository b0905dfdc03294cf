"""Repeated grouped k-fold and the temporal split, on real ANT articles (their sections and dates)."""

import datetime as dt

import numpy as np
import pytest

from arclf.errors import ConfigError
from arclf.evaluation.duplicates import exact_duplicate_groups
from arclf.evaluation.folds import corrected_interval, make_folds, summarize_folds, temporal_split


@pytest.fixture(scope="module")
def ant(ant_sample):
    texts = [r["text"] for r in ant_sample]
    return {"y": np.array([r["section"] for r in ant_sample], dtype=object), "groups": exact_duplicate_groups(texts),
            "published": [r["published"] for r in ant_sample]}


def test_repeated_kfold_repeats_grouped_folds_with_new_seeds(ant):
    y, groups = ant["y"], ant["groups"]
    assert len(np.unique(groups)) < len(y)  # the sample holds real duplicates
    folds = make_folds(y, scheme="repeated_stratified_kfold", n_folds=4, repeats=3, groups=groups, seed=5)
    assert [f.index for f in folds] == list(range(12)) and [f.repeat for f in folds] == [0] * 4 + [1] * 4 + [2] * 4
    plain = make_folds(y, scheme="stratified_kfold", n_folds=4, groups=groups, seed=5)
    assert all(np.array_equal(a.test, b.test) for a, b in zip(folds[:4], plain))  # repeat 0 is the plain k-fold
    for r in range(3):
        tests = np.concatenate([f.test for f in folds if f.repeat == r])
        assert sorted(tests.tolist()) == list(range(len(y)))  # each repeat tests every row once
    for f in folds:
        assert not set(groups[f.train]) & set(groups[f.test])
    assert not np.array_equal(folds[0].test, folds[4].test)


def test_temporal_split_trains_before_the_cut_and_names_both_periods(ant):
    train, test, periods = temporal_split(ant["published"], "2018-07-01", ant["groups"])
    cut = dt.datetime(2018, 7, 1, tzinfo=dt.timezone.utc)
    assert all(ant["published"][i] < cut for i in train) and all(ant["published"][i] >= cut for i in test)
    assert not set(ant["groups"][train]) & set(ant["groups"][test])
    assert periods["train"]["to"] < "2018-07-01" <= periods["test"]["from"]
    assert periods["test"]["n"] == len(test) > 0 and periods["train"]["n"] == len(train) > 0
    (fold,) = make_folds(ant["y"], scheme="temporal", published=ant["published"], cutoff="2018-07-01", groups=ant["groups"])
    assert fold.periods == periods and fold.held_out == f"{periods['test']['from']}..{periods['test']['to']}"


def test_temporal_fraction_cut_keeps_that_share_for_training(ant):
    train, test, periods = temporal_split(ant["published"], 0.75)
    assert len(train) / (len(train) + len(test)) == pytest.approx(0.75, abs=0.02)
    assert max(ant["published"][i] for i in train) <= min(ant["published"][i] for i in test)


@pytest.mark.parametrize("cutoff, match", [("2030-01-01", "leaves"), ("soon", "expected a date"), (1.5, r"\(0, 1\)")],
                         ids=["after-all", "not-a-date", "bad-fraction"])
def test_temporal_bad_cutoffs(ant, cutoff, match):
    with pytest.raises(ConfigError, match=match):
        temporal_split(ant["published"], cutoff)


def test_corrected_interval_is_wider_than_the_naive_one():
    values = [0.80, 0.82, 0.81, 0.83]
    ci = corrected_interval(values, n_train=300, n_test=100)
    assert ci["mean"] == pytest.approx(0.815)
    assert (round(ci["low"], 4), round(ci["high"], 4)) == (0.7836, 0.8464)
    naive_half = 3.182446 * np.std(values, ddof=1) / 2  # t(0.975, 3) * s / sqrt(4)
    assert ci["high"] - ci["mean"] > naive_half


def test_summary_of_repeats_has_an_interval_over_all_folds():
    per_fold = [{"fold": i, "repeat": i // 2, "n_train": 80, "n_test": 40, "accuracy": a, "macro_f1": a, "weighted_f1": a,
                 "per_class": {"x": {"precision": a, "recall": a, "f1": a, "support": 20}}}
                for i, a in enumerate([0.7, 0.8, 0.75, 0.72])]
    block = summarize_folds(per_fold, ["x"], ["x"] * 4, ["x"] * 4, scheme="repeated_stratified_kfold", split="cv-oof")
    assert block["repeats"] == 2 and block["interval"]["macro_f1"]["k"] == 4
    assert block["interval"]["macro_f1"]["low"] < 0.7425 < block["interval"]["macro_f1"]["high"]
