"""Novelty: say ``unknown`` for an article of a class the model never saw, learned from simulated unseen classes.

A probability threshold (:mod:`arclf.evaluation.abstention`) misses most articles of an unseen
class: a linear model extrapolates, and an article unlike every class still gets one high score
(on ANT, 5-37 % of a left-out section was caught at 5 % in-domain loss). This module learns what
an unseen class looks like in the model's own scores instead, where it is evaluated:

1. *simulate* novelty inside the training rows: for each known class c, a model fitted without c
   scores held-out rows; its class-c rows are examples of "a class the model never saw"
   (:func:`arclf.training.novelty.simulate_unseen` does the fitting);
2. describe each scored row by :func:`score_features` of its decision values (the top three
   values, their log-sum-exp or *energy*, the top softmax probability and the entropy);
3. fit a logistic regression, unseen vs known, on those features (:func:`fit_detector`): its
   decision value is the *novelty score*;
4. set one threshold per predicted class on the out-of-fold rows of the real model so that
   ``max_loss`` of that class's right answers are given up (:func:`fit_novelty_thresholds`).

Sources: outlier detection by held-out classes (leave-one-class-out, as in open-set recognition:
Scheirer et al., "Toward Open Set Recognition", TPAMI 2013); energy scores (Liu et al.,
"Energy-based Out-of-distribution Detection", NeurIPS 2020); selective classification at a fixed
loss (Geifman & El-Yaniv, NeurIPS 2017). The detector is plain arrays (``mean``, ``scale``,
``coef``, ``intercept``), so prediction needs NumPy only.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FEATURES", "score_features", "fit_detector", "novelty_scores", "fit_novelty_thresholds", "novel"]

#: Names of the columns :func:`score_features` returns, in order.
FEATURES = ("top1", "top2", "top3", "energy", "max_softmax", "entropy")


def score_features(decision: np.ndarray) -> np.ndarray:
    """Features of each row's decision values that tell a known class from an unseen one.

    Parameters
    ----------
    decision : ndarray of shape (n_samples, n_classes)
        Decision values of a linear model with at least 3 classes; ``-inf`` (a class a fold
        never trained on) counts as -1000.

    Returns
    -------
    ndarray of shape (n_samples, 6)
        Columns :data:`FEATURES`: the three largest decision values, their log-sum-exp, the
        top softmax probability of the decision values and its entropy (nats).

    Raises
    ------
    ValueError
        Fewer than 3 classes.
    """
    d = np.asarray(decision, dtype=np.float64)
    if d.ndim != 2 or d.shape[1] < 3:
        raise ValueError(f"decision must have shape (n_samples, >= 3 classes), got {d.shape}")
    d = np.where(np.isfinite(d), d, -1e3)
    top = -np.sort(-d, axis=1)[:, :3]
    z = d - top[:, :1]
    e = np.exp(z)
    total = e.sum(axis=1)
    p = e / total[:, None]
    entropy = -(p * np.log(np.maximum(p, 1e-300))).sum(axis=1)
    return np.column_stack([top, top[:, 0] + np.log(total), p.max(axis=1), entropy])


def fit_detector(features: np.ndarray, unseen: np.ndarray, *, seed: int = 0) -> dict:
    """Logistic regression telling simulated-unseen rows from known ones, as plain arrays.

    Parameters
    ----------
    features : ndarray of shape (n_samples, n_features)
        :func:`score_features` of rows scored by models that did (``unseen`` False) or did not
        (``unseen`` True) see their class.
    unseen : ndarray of bool, shape (n_samples,)
    seed : int, default=0

    Returns
    -------
    dict
        ``{"features": [...], "mean", "scale", "coef": lists of floats, "intercept": float}``
        (JSON-ready); :func:`novelty_scores` applies it.

    Raises
    ------
    ValueError
        ``unseen`` has a single value, or shapes disagree.
    """
    from sklearn.linear_model import LogisticRegression

    X = np.asarray(features, dtype=np.float64)
    unseen = np.asarray(unseen, dtype=bool)
    if X.ndim != 2 or len(X) != len(unseen):
        raise ValueError(f"features {X.shape} and unseen ({len(unseen)},) disagree")
    if unseen.all() or not unseen.any():
        raise ValueError("need both simulated-unseen and known rows to fit a novelty detector")
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    lr = LogisticRegression(C=1.0, max_iter=1000, random_state=seed).fit((X - mean) / scale, unseen)
    return {"features": list(FEATURES), "mean": mean.tolist(), "scale": scale.tolist(),
            "coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0])}


def novelty_scores(detector: dict, decision: np.ndarray) -> np.ndarray:
    """The detector's novelty score of each row (higher: more likely a class never seen), shape (n_samples,)."""
    X = score_features(decision)
    return ((X - np.asarray(detector["mean"])) / np.asarray(detector["scale"])) @ np.asarray(detector["coef"]) \
        + detector["intercept"]


def fit_novelty_thresholds(y_true, decision: np.ndarray, labels, detector: dict, *, max_loss: float) -> dict[str, float]:
    """Per predicted class, the novelty score above which ``max_loss`` of its right answers lie.

    Parameters
    ----------
    y_true : array-like of str, shape (n_samples,)
    decision : ndarray of shape (n_samples, n_labels)
        Out-of-fold decision values, columns in the order of ``labels``.
    labels : sequence of str
    detector : dict
        From :func:`fit_detector`.
    max_loss : float in (0, 1)

    Returns
    -------
    dict of str to float
        ``{label: threshold}``; a class never predicted right is left out (never abstains).
    """
    if not 0 < max_loss < 1:
        raise ValueError(f"max_loss must lie in (0, 1), got {max_loss}")
    labels = [str(x) for x in labels]
    y_true = np.asarray(y_true, dtype=object).astype(str)
    scores = novelty_scores(detector, decision)
    pred = np.asarray(decision).argmax(axis=1)
    out = {}
    for j, lab in enumerate(labels):
        right = (pred == j) & (y_true == lab)
        if right.any():
            out[lab] = float(np.quantile(scores[right], 1 - max_loss, method="higher"))
    return out


def novel(labels, decision: np.ndarray, detector: dict, thresholds: dict[str, float]) -> np.ndarray:
    """Whether each row's novelty score is above its predicted class's threshold: bool array of shape (n_samples,)."""
    pred = np.asarray(decision).argmax(axis=1)
    limit = np.array([thresholds.get(str(lab), float("inf")) for lab in labels])
    return novelty_scores(detector, decision) > limit[pred]
