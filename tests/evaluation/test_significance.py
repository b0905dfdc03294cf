"""Significance tests: known values computed by hand or with scipy, and bootstrap behaviour."""

import math

import numpy as np
import pytest
from scipy import stats as sps
from sklearn.metrics import f1_score

from arclf.errors import DataError
from arclf.evaluation.significance import (corrected_resampled_ttest, macro_f1_from_counts, mcnemar,
                         paired_bootstrap_macro_f1, verdict)


def _table(both_correct, a_only, b_only, both_wrong):
    """Paired predictions realizing a 2x2 McNemar table (gold label always 'x')."""
    a = ["x"] * both_correct + ["x"] * a_only + ["y"] * b_only + ["y"] * both_wrong
    b = ["x"] * both_correct + ["y"] * a_only + ["x"] * b_only + ["y"] * both_wrong
    return ["x"] * len(a), a, b


def test_mcnemar_exact_matches_binomial_test():
    y, a, b = _table(50, 8, 2, 5)
    r = mcnemar(y, a, b)
    assert (r["both_correct"], r["a_only"], r["b_only"], r["both_wrong"]) == (50, 8, 2, 5)
    assert r["method"] == "exact" and r["discordant"] == 10
    # two-sided exact: 2 * P(X <= 2), X ~ Bin(10, 1/2) = 2 * (1 + 10 + 45) / 1024
    assert r["p_value"] == pytest.approx(2 * 56 / 1024)
    assert r["p_value"] == pytest.approx(sps.binomtest(2, 10, 0.5).pvalue)


def test_mcnemar_chi_square_with_continuity_correction():
    y, a, b = _table(400, 40, 20, 30)
    r = mcnemar(y, a, b)
    assert r["method"] == "chi2-cc"
    # (|40 - 20| - 1)^2 / (40 + 20) = 361 / 60, as statsmodels' mcnemar(exact=False, correction=True)
    assert r["statistic"] == pytest.approx(361 / 60)
    assert r["p_value"] == pytest.approx(sps.chi2.sf(361 / 60, 1))
    assert r["p_value"] == pytest.approx(0.01416, abs=1e-4)


def test_mcnemar_switches_to_chi_square_at_25_discordant_pairs():
    assert mcnemar(*_table(10, 12, 12, 0))["method"] == "exact"
    assert mcnemar(*_table(10, 13, 12, 0))["method"] == "chi2-cc"


def test_mcnemar_identical_predictions_and_bad_input():
    assert mcnemar(["a", "b"], ["a", "a"], ["a", "a"])["p_value"] == 1.0
    with pytest.raises(DataError, match="equal lengths"):
        mcnemar(["a"], ["a", "b"], ["a"])
    with pytest.raises(DataError, match="0 examples"):
        mcnemar([], [], [])


def test_macro_f1_from_counts_matches_sklearn_with_weights():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 4, 300)
    p = np.where(rng.random(300) < 0.6, y, rng.integers(0, 4, 300))
    w = rng.integers(0, 3, 300)
    onehot = np.eye(4)
    tp = w @ (onehot[y] * onehot[p])
    got = macro_f1_from_counts(tp, w @ onehot[y], w @ onehot[p])
    want = f1_score(y, p, average="macro", sample_weight=w)
    assert got == pytest.approx(want)


def _synthetic(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.array(["culture", "economy", "sport", "politics"])
    y = labels[rng.integers(0, 4, n)]
    a = np.where(rng.random(n) < 0.78, y, labels[rng.integers(0, 4, n)])
    b = np.where(rng.random(n) < 0.84, y, labels[rng.integers(0, 4, n)])
    return y, a, b


def test_bootstrap_point_estimates_are_sklearn_macro_f1():
    y, a, b = _synthetic()
    r = paired_bootstrap_macro_f1(y, a, b, n_resamples=200)
    assert r["a"] == pytest.approx(f1_score(y, a, average="macro"))
    assert r["b"] == pytest.approx(f1_score(y, b, average="macro"))
    assert r["difference"] == pytest.approx(r["b"] - r["a"])


def test_bootstrap_ci_covers_the_population_difference_and_is_seeded():
    # population: a huge sample from the same process; the CI from a small one must cover it
    y_pop, a_pop, b_pop = _synthetic(n=400_000, seed=99)
    true_diff = f1_score(y_pop, b_pop, average="macro") - f1_score(y_pop, a_pop, average="macro")
    covered = 0
    for seed in range(20):
        y, a, b = _synthetic(n=2000, seed=seed)
        r = paired_bootstrap_macro_f1(y, a, b, n_resamples=500, seed=seed)
        covered += r["ci_low"] <= true_diff <= r["ci_high"]
    assert covered >= 17  # nominal 95 %: 19 of 20 expected
    y, a, b = _synthetic()
    r1 = paired_bootstrap_macro_f1(y, a, b, seed=7)
    r2 = paired_bootstrap_macro_f1(y, a, b, seed=7)
    r3 = paired_bootstrap_macro_f1(y, a, b, seed=8)
    assert r1 == r2 and r1["ci_low"] != r3["ci_low"]
    assert r1["ci_low"] < r1["difference"] < r1["ci_high"] and r1["p_value"] < 0.01


def test_bootstrap_spread_matches_index_resampling():
    """The multinomial-over-cells shortcut has the distribution of resampling row indices."""
    y, a, b = _synthetic(n=600, seed=5)
    rng = np.random.default_rng(0)
    naive = []
    for _ in range(250):
        idx = rng.integers(0, len(y), len(y))
        naive.append(f1_score(y[idx], b[idx], average="macro") - f1_score(y[idx], a[idx], average="macro"))
    fast = paired_bootstrap_macro_f1(y, a, b, n_resamples=2000, seed=1)
    assert fast["se"] == pytest.approx(np.std(naive, ddof=1), rel=0.2)


def test_bootstrap_no_difference_is_not_significant():
    y, a, _ = _synthetic(n=1000)
    r = paired_bootstrap_macro_f1(y, a, a.copy(), n_resamples=300)
    assert r["difference"] == 0 and r["ci_low"] == r["ci_high"] == 0 and r["p_value"] == 1.0


def test_bootstrap_on_30k_rows_is_seeded_and_brackets_the_difference():
    # its speed is a benchmark figure (experiments/bench), not a test: a timing assert fails on a loaded machine
    rng = np.random.default_rng(0)
    n, k = 30_000, 12
    y = rng.integers(0, k, n)
    a = np.where(rng.random(n) < 0.8, y, rng.integers(0, k, n)).astype(str)
    b = np.where(rng.random(n) < 0.8, y, rng.integers(0, k, n)).astype(str)
    first = paired_bootstrap_macro_f1(y.astype(str), a, b, n_resamples=2000, seed=3)
    again = paired_bootstrap_macro_f1(y.astype(str), a, b, n_resamples=2000, seed=3)
    assert first == again
    assert first["ci_low"] <= first["difference"] <= first["ci_high"]
    assert 0 < first["se"] < 0.01


def test_bootstrap_rejects_labels_outside_the_class_list():
    with pytest.raises(DataError, match="not in labels"):
        paired_bootstrap_macro_f1(["a", "b"], ["a", "c"], ["a", "b"], labels=["a", "b"])


def test_corrected_ttest_hand_computed():
    a = [0.80, 0.82, 0.79, 0.81, 0.83]
    b = [0.82, 0.83, 0.82, 0.82, 0.86]
    r = corrected_resampled_ttest(a, b, n_train=800, n_test=200)
    d = np.array(b) - np.array(a)  # 0.02 0.01 0.03 0.01 0.03: mean .02, var (ddof 1) .0001
    assert r["mean_difference"] == pytest.approx(0.02)
    assert r["std_difference"] == pytest.approx(0.01)
    # corrected variance: (1/5 + 200/800) * 0.0001 = 0.45e-4 -> t = 0.02 / sqrt(0.45e-4)
    assert r["correction"] == pytest.approx(0.45)
    assert r["t"] == pytest.approx(0.02 / math.sqrt(0.45e-4))
    assert r["t"] == pytest.approx(2.98142, abs=1e-4)
    assert r["dof"] == 4
    assert r["p_value"] == pytest.approx(2 * sps.t.sf(2.98142397, 4))
    # the uncorrected paired t-test is much more confident on the same numbers
    assert sps.ttest_rel(b, a).pvalue < r["p_value"]
    assert d.size == r["k"] == 5


def test_corrected_ttest_degenerate_cases():
    assert corrected_resampled_ttest([0.8, 0.8], [0.8, 0.8], n_train=10, n_test=5)["p_value"] == 1.0
    same_gain = corrected_resampled_ttest([0.5, 0.25], [0.75, 0.5], n_train=10, n_test=5)
    assert same_gain["t"] == math.inf and same_gain["p_value"] == 0.0
    with pytest.raises(DataError, match="at least 2 folds"):
        corrected_resampled_ttest([0.8], [0.9], n_train=10, n_test=5)
    with pytest.raises(DataError, match="pair up"):
        corrected_resampled_ttest([0.8, 0.9], [0.9], n_train=10, n_test=5)


BOOT_NS = {"difference": 0.008, "ci_low": -0.002, "ci_high": 0.017, "p_value": 0.12, "confidence": 0.95}
BOOT_SIG = {"difference": 0.021, "ci_low": 0.009, "ci_high": 0.033, "p_value": 0.0005, "confidence": 0.95}


@pytest.mark.parametrize("boot, kwargs, expected", [
    pytest.param(BOOT_NS, {}, "macro-F1 +0.8 pt, 95 % CI [\u22120.2, +1.7], p = 0.12: not significant", id="not-significant"),
    pytest.param(BOOT_SIG, {"ttest": {"p_value": 0.01}},
                 "macro-F1 +2.1 pt, 95 % CI [+0.9, +3.3], p < 0.001: significant, B better (corrected t-test p = 0.01)",
                 id="significant"),
    pytest.param(BOOT_SIG, {"ttest": {"p_value": 0.2}},
                 "macro-F1 +2.1 pt, 95 % CI [+0.9, +3.3], p < 0.001: significant on these predictions (B better), "
                 "not across folds (corrected t-test p = 0.2)", id="bootstrap-only"),
    pytest.param(BOOT_NS, {"mcnemar": {"p_value": 0.03}},
                 "macro-F1 +0.8 pt, 95 % CI [\u22120.2, +1.7], p = 0.12: not significant; error rates differ (McNemar p = 0.03)",
                 id="mcnemar-disagrees"),
])
def test_verdict_lines(boot, kwargs, expected):
    assert verdict(boot, **kwargs) == expected


def test_verdict_needs_ci_to_exclude_zero():
    # a p-value under alpha with a CI touching 0 (the two bootstrap readings disagree) is not significant
    boot = {"difference": 0.01, "ci_low": 0.0, "ci_high": 0.02, "p_value": 0.049, "confidence": 0.95}
    assert verdict(boot).endswith(": not significant")
