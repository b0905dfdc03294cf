"""Significance tests for comparing two classifiers evaluated on the same examples.

Three complementary tests, each answering a different question:

* :func:`mcnemar` -- do the two systems make errors on different examples more often than
  chance? (paired OOF predictions; accuracy, not macro-F1)
* :func:`paired_bootstrap_macro_f1` -- how uncertain is the macro-F1 difference measured
  on these predictions? (resampling the test examples)
* :func:`corrected_resampled_ttest` -- is the per-fold difference larger than what changing
  the training sets produces? (fold scores; accounts for overlapping training sets)

:func:`verdict` turns them into one line; its docstring states the rule.
"""

from __future__ import annotations

import math

import numpy as np

from arclf.errors import DataError

__all__ = [
    "mcnemar", "paired_bootstrap_macro_f1", "macro_f1_from_counts",
    "corrected_resampled_ttest", "verdict", "EXACT_BELOW",
]

#: McNemar uses the exact binomial test when there are fewer discordant pairs than this.
EXACT_BELOW = 25


def _paired(y_true, pred_a, pred_b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arrays = [np.asarray(x, dtype=object).ravel() for x in (y_true, pred_a, pred_b)]
    sizes = {len(x) for x in arrays}
    if len(sizes) != 1:
        raise DataError(f"paired predictions must have equal lengths, got {[len(x) for x in arrays]}")
    if not arrays[0].size:
        raise DataError("no paired predictions to compare (0 examples)")
    return arrays[0], arrays[1], arrays[2]


def mcnemar(y_true, pred_a, pred_b) -> dict:
    """McNemar's test on paired predictions of two classifiers.

    Counts the discordant pairs ``a_only`` (A right, B wrong) and ``b_only`` (A wrong, B
    right). Under the null hypothesis that both systems have the same error rate, each
    discordant pair is equally likely to fall either way, so ``b_only ~ Binomial(n01 + n10,
    1/2)``. With fewer than :data:`EXACT_BELOW` (25) discordant pairs the exact two-sided
    binomial test is used; otherwise the chi-square statistic with Edwards' continuity
    correction ``(|a_only - b_only| - 1)^2 / (a_only + b_only)`` on 1 degree of freedom.
    The 25 cut-off is the usual rule of thumb (e.g. the statsmodels and mlxtend docs).

    Parameters
    ----------
    y_true, pred_a, pred_b : array-like of shape (n_samples,)
        Gold labels and the two systems' predictions for the same examples, in the same order.

    Returns
    -------
    dict
        ``n``, ``both_correct``, ``a_only``, ``b_only``, ``both_wrong``, ``discordant``,
        ``statistic`` (chi-square, or ``b_only`` for the exact test), ``p_value`` (two-sided)
        and ``method`` (``"exact"`` or ``"chi2-cc"``).

    Raises
    ------
    DataError
        If the arrays differ in length or are empty.

    Notes
    -----
    Sources: Q. McNemar, "Note on the sampling error of the difference between correlated
    proportions or percentages", Psychometrika 12 (1947) 153-157; A. L. Edwards, "Note on
    the correction for continuity in testing the significance of the difference between
    correlated proportions", Psychometrika 13 (1948) 185-187; T. G. Dietterich,
    "Approximate statistical tests for comparing supervised classification learning
    algorithms", Neural Computation 10 (1998) 1895-1923 (recommends McNemar for a single
    test set, with the continuity correction).

    Examples
    --------
    >>> r = mcnemar(["x"] * 10, ["x"] * 9 + ["y"], ["y"] * 3 + ["x"] * 7)
    >>> r["a_only"], r["b_only"], r["method"], round(r["p_value"], 3)
    (3, 1, 'exact', 0.625)
    """
    from scipy import stats

    y, a, b = _paired(y_true, pred_a, pred_b)
    ok_a, ok_b = a == y, b == y
    n01 = int(np.sum(ok_a & ~ok_b))
    n10 = int(np.sum(~ok_a & ok_b))
    disc = n01 + n10
    if disc == 0:
        stat, p, method = 0.0, 1.0, "exact"
    elif disc < EXACT_BELOW:
        stat, method = float(n10), "exact"
        p = float(stats.binomtest(n10, disc, 0.5, alternative="two-sided").pvalue)
    else:
        stat, method = (abs(n01 - n10) - 1) ** 2 / disc, "chi2-cc"
        p = float(stats.chi2.sf(stat, df=1))
    return {
        "n": int(y.size), "both_correct": int(np.sum(ok_a & ok_b)), "a_only": n01, "b_only": n10,
        "both_wrong": int(np.sum(~ok_a & ~ok_b)), "discordant": disc,
        "statistic": float(stat), "p_value": min(1.0, p), "method": method,
    }


def macro_f1_from_counts(tp: np.ndarray, n_true: np.ndarray, n_pred: np.ndarray) -> np.ndarray:
    """Macro-F1 from per-class counts, for many resamples at once.

    ``F1_k = 2 TP_k / (n_true_k + n_pred_k)``, averaged over the classes that occur in the
    gold labels or the predictions of that resample (``n_true_k + n_pred_k > 0``), which is
    what ``sklearn.metrics.f1_score(average="macro")`` does without ``labels``.

    Parameters
    ----------
    tp, n_true, n_pred : ndarray of shape (..., n_classes)
        True positives, gold counts and predicted counts per class.

    Returns
    -------
    ndarray of shape (...)
        Macro-F1 per leading index.
    """
    denom = n_true + n_pred
    present = denom > 0
    f1 = np.divide(2.0 * tp, denom, out=np.zeros(np.shape(denom), dtype=float), where=present)
    return f1.sum(axis=-1) / np.maximum(present.sum(axis=-1), 1)


def paired_bootstrap_macro_f1(y_true, pred_a, pred_b, *, n_resamples: int = 2000, seed: int = 0,
                              labels=None, confidence: float = 0.95) -> dict:
    """Paired bootstrap of the macro-F1 difference B - A on the same examples.

    Each resample draws ``n`` examples with replacement and scores both systems on the
    same draw, so the spread reflects test-set sampling only (not training variance).
    The interval is the percentile interval of the resampled differences; the two-sided
    p-value tests "difference = 0" by shifting the bootstrap distribution to the null,
    ``p = (1 + #{|d*_r - d| >= |d|}) / (1 + R)`` -- the two-sided form of Berg-Kirkpatrick
    et al.'s ``d*_r > 2 d`` count, with the +1 that keeps a Monte Carlo p-value valid.

    Vectorized: macro-F1 depends only on how many examples fall in each (gold, A, B)
    label cell, and a bootstrap resample of ``n`` rows gives each cell a
    ``Multinomial(n, cell_count / n)`` count -- exactly the distribution of drawing row
    indices. So all resamples are one ``(R, n_cells)`` multinomial draw, turned into
    per-class TP / gold / predicted counts by matrix products: 2000 resamples of 30 000
    rows take well under a second.

    Parameters
    ----------
    y_true, pred_a, pred_b : array-like of shape (n_samples,)
        Gold labels and the two systems' predictions, aligned.
    n_resamples : int, default=2000
        Bootstrap resamples ``R``.
    seed : int, default=0
        Seed of the ``numpy.random.default_rng`` generator; the same seed gives the same result.
    labels : sequence of str, optional
        Class set; default the union of the labels in the three arrays. Classes absent
        from a resample's gold and predicted labels are left out of that resample's mean.
    confidence : float, default=0.95
        Coverage of the percentile interval.

    Returns
    -------
    dict
        ``a``, ``b`` (macro-F1 of each system), ``difference`` (b - a), ``ci_low``,
        ``ci_high``, ``confidence``, ``p_value`` (two-sided), ``se`` (bootstrap standard
        error), ``n``, ``n_resamples``, ``seed``.

    Raises
    ------
    DataError
        If the arrays differ in length or are empty, or a prediction is not in ``labels``.

    Notes
    -----
    Sources: B. Efron and R. Tibshirani, "An Introduction to the Bootstrap" (1993), ch. 13
    (percentile interval) and 16 (bootstrap hypothesis tests); P. Koehn, "Statistical
    significance tests for machine translation evaluation", EMNLP 2004; T. Berg-Kirkpatrick,
    D. Burkett and D. Klein, "An empirical investigation of statistical significance in
    NLP", EMNLP 2012; A. C. Davison and D. V. Hinkley, "Bootstrap Methods and their
    Application" (1997), eq. 4.11 (the +1 correction).
    """
    y, a, b = _paired(y_true, pred_a, pred_b)
    if not 0 < confidence < 1:
        raise DataError(f"confidence={confidence}: must be between 0 and 1 (e.g. 0.95)")
    if n_resamples < 1:
        raise DataError(f"n_resamples={n_resamples}: must be at least 1 (e.g. 2000)")
    classes = sorted(set(y) | set(a) | set(b)) if labels is None else list(labels)
    index = {c: i for i, c in enumerate(classes)}
    unknown = (set(y) | set(a) | set(b)) - set(index)
    if unknown:
        raise DataError(f"labels {sorted(map(str, unknown))[:5]} are not in labels=; pass the full class list")
    k = len(classes)
    codes = np.array([[index[v] for v in arr] for arr in (y, a, b)], dtype=np.int64)
    cell_id = (codes[0] * k + codes[1]) * k + codes[2]
    cells, cell_counts = np.unique(cell_id, return_counts=True)
    t, pa, pb = cells // (k * k), (cells // k) % k, cells % k
    onehot = np.eye(k)
    true_ind, a_ind, b_ind = onehot[t], onehot[pa], onehot[pb]          # (n_cells, k)
    tp_a_ind, tp_b_ind = true_ind * a_ind, true_ind * b_ind

    def score(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n_true = counts @ true_ind
        return (macro_f1_from_counts(counts @ tp_a_ind, n_true, counts @ a_ind),
                macro_f1_from_counts(counts @ tp_b_ind, n_true, counts @ b_ind))

    f1_a, f1_b = (float(x) for x in score(cell_counts.astype(float)))
    diff = f1_b - f1_a
    rng = np.random.default_rng(seed)
    n = int(y.size)
    draws = rng.multinomial(n, cell_counts / n, size=n_resamples).astype(float)
    boot_a, boot_b = score(draws)
    deltas = boot_b - boot_a
    tail = (1 - confidence) / 2
    low, high = np.quantile(deltas, [tail, 1 - tail])
    extreme = np.sum(np.abs(deltas - diff) >= abs(diff) - 1e-12)
    return {
        "metric": "macro_f1", "a": f1_a, "b": f1_b, "difference": diff,
        "ci_low": float(low), "ci_high": float(high), "confidence": confidence,
        "p_value": float((1 + extreme) / (1 + n_resamples)), "se": float(deltas.std(ddof=1)) if n_resamples > 1 else 0.0,
        "n": n, "n_resamples": int(n_resamples), "seed": seed,
    }


def corrected_resampled_ttest(scores_a, scores_b, *, n_train, n_test) -> dict:
    """Nadeau & Bengio's corrected resampled t-test over per-fold scores.

    With fold differences ``d_j = b_j - a_j`` (j = 1..k), mean ``d̄`` and sample variance
    ``s²`` (ddof=1), the statistic is ``t = d̄ / sqrt((1/k + n_test/n_train) s²)`` with
    ``k - 1`` degrees of freedom. The extra ``n_test/n_train`` term accounts for the
    training sets overlapping across folds, which makes the plain paired t-test
    (variance ``s²/k``) far too liberal.

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (k,)
        Per-fold scores of A and B on the same folds, in fold order.
    n_train, n_test : float
        Training and test set sizes per fold (the mean over folds when they vary).

    Returns
    -------
    dict
        ``mean_difference``, ``std_difference`` (ddof=1), ``t``, ``dof``, ``p_value``
        (two-sided), ``k``, ``n_train``, ``n_test`` and ``correction`` (``1/k + n_test/n_train``).

    Raises
    ------
    DataError
        If the score arrays differ in length, have fewer than 2 folds, or a size is not positive.

    Notes
    -----
    Sources: C. Nadeau and Y. Bengio, "Inference for the generalization error", Machine
    Learning 52 (2003) 239-281 (the corrected variance); R. R. Bouckaert and E. Frank,
    "Evaluating the replicability of significance tests for comparing learning
    algorithms", PAKDD 2004 (its use with cross-validation folds). Identical fold scores
    (``s² = 0``) give ``t = 0, p = 1`` when ``d̄ = 0`` and ``t = ±inf, p = 0`` otherwise.

    Examples
    --------
    >>> r = corrected_resampled_ttest([0.80, 0.82, 0.81], [0.82, 0.83, 0.84], n_train=150, n_test=100)
    >>> round(r["t"], 3), r["dof"]
    (2.0, 2)
    """
    from scipy import stats

    a = np.asarray(scores_a, dtype=float).ravel()
    b = np.asarray(scores_b, dtype=float).ravel()
    if a.size != b.size:
        raise DataError(f"per-fold scores must pair up, got {a.size} and {b.size} folds")
    if a.size < 2:
        raise DataError(f"the corrected t-test needs at least 2 folds, got {a.size}")
    if not (n_train > 0 and n_test > 0):
        raise DataError(f"n_train={n_train}, n_test={n_test}: fold sizes must be positive")
    d = b - a
    k = d.size
    mean, var = float(d.mean()), float(d.var(ddof=1))
    correction = 1.0 / k + n_test / n_train
    if var == 0.0:
        t = 0.0 if mean == 0.0 else math.copysign(math.inf, mean)
    else:
        t = mean / math.sqrt(correction * var)
    p = 1.0 if t == 0.0 else float(2 * stats.t.sf(abs(t), df=k - 1))
    return {
        "mean_difference": mean, "std_difference": math.sqrt(var), "t": float(t), "dof": k - 1,
        "p_value": p, "k": k, "n_train": float(n_train), "n_test": float(n_test), "correction": correction,
    }


def _pt(x: float) -> str:
    """Signed percentage points with one decimal and a real minus sign: ``+0.8``, ``−0.2``."""
    value = round(100 * x, 1)
    if value == 0:
        return "±0.0"
    return f"{value:+.1f}".replace("-", "\u2212")


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def verdict(bootstrap: dict, *, mcnemar: dict | None = None, ttest: dict | None = None,
            alpha: float = 0.05, metric: str = "macro-F1") -> str:
    """One line that says whether B differs from A on the headline metric.

    The rule (macro-F1 is the headline, so its own test decides):

    1. The paired bootstrap of the macro-F1 difference decides: *significant* when its
       p-value is below ``alpha`` **and** its confidence interval excludes 0 (the two
       agree almost always; requiring both keeps the line self-consistent).
    2. The corrected resampled t-test over folds can only *qualify* a significant result:
       the bootstrap holds the trained models fixed, the t-test also sees training-set
       variance. If it is not significant, the verdict becomes "significant on these
       predictions, not across folds".
    3. McNemar tests error rates (accuracy), not macro-F1. It never changes the verdict;
       when it disagrees with it, the line says so, because the two metrics then tell
       different stories (e.g. B wins on rare classes while making more errors overall).

    Parameters
    ----------
    bootstrap : dict
        Result of :func:`paired_bootstrap_macro_f1`.
    mcnemar, ttest : dict, optional
        Results of :func:`mcnemar` and :func:`corrected_resampled_ttest`.
    alpha : float, default=0.05
        Significance level.
    metric : str, default="macro-F1"
        Name shown in the line.

    Returns
    -------
    str
        E.g. ``"macro-F1 +0.8 pt, 95 % CI [−0.2, +1.7], p = 0.12: not significant"``.

    Examples
    --------
    >>> verdict({"difference": 0.008, "ci_low": -0.002, "ci_high": 0.017, "p_value": 0.12, "confidence": 0.95})
    'macro-F1 +0.8 pt, 95 % CI [−0.2, +1.7], p = 0.12: not significant'
    """
    diff, low, high, p = (bootstrap[k] for k in ("difference", "ci_low", "ci_high", "p_value"))
    level = round(100 * bootstrap.get("confidence", 0.95))
    head = f"{metric} {_pt(diff)} pt, {level} % CI [{_pt(low)}, {_pt(high)}], {_p(p)}"
    significant = p < alpha and (low > 0 or high < 0)
    if significant:
        better = "B better" if diff > 0 else "A better"
        if ttest is not None and ttest["p_value"] >= alpha:
            word = f"significant on these predictions ({better}), not across folds (corrected t-test {_p(ttest['p_value'])})"
        else:
            word = f"significant, {better}"
            if ttest is not None:
                word += f" (corrected t-test {_p(ttest['p_value'])})"
    elif diff == 0 and low == high == 0:
        word = "not significant (identical scores)"
    else:
        word = "not significant"
    if mcnemar is not None and (mcnemar["p_value"] < alpha) != significant:
        agree = "differ" if mcnemar["p_value"] < alpha else "do not differ significantly"
        word += f"; error rates {agree} (McNemar {_p(mcnemar['p_value'])})"
    return f"{head}: {word}"
