"""Abstention: answer ``unknown`` when a probability is below what right answers of that class reach.

:func:`fit_thresholds` learns one probability threshold per predicted class from out-of-fold
predictions: the ``max_loss`` quantile of the top probability of the *right* out-of-fold answers
predicted as that class, so that about ``max_loss`` of the right answers of every class would be
given up. This is selective classification by a confidence threshold (Chow 1970; Geifman &
El-Yaniv, "Selective Classification for Deep Neural Networks", NeurIPS 2017), one threshold per
class so that classes whose right answers are less confident are not silenced wholesale.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fit_thresholds", "abstains"]


def fit_thresholds(y_true, proba: np.ndarray, labels, *, max_loss: float) -> dict[str, float]:
    """Per-class probability thresholds from out-of-fold predictions.

    Parameters
    ----------
    y_true : array-like of str, shape (n_samples,)
    proba : ndarray of shape (n_samples, n_labels)
        Out-of-fold probabilities, columns in the order of ``labels``.
    labels : sequence of str
    max_loss : float in (0, 1)
        Share of right answers of each class allowed to fall below its threshold.

    Returns
    -------
    dict of str to float
        ``{label: threshold}``; 0.0 for a class never predicted right (nothing to learn from).

    Raises
    ------
    ValueError
        Shapes disagree or ``max_loss`` is outside (0, 1).
    """
    proba = np.asarray(proba, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=object)
    if proba.ndim != 2 or proba.shape != (len(y_true), len(labels)):
        raise ValueError(f"proba must have shape ({len(y_true)}, {len(labels)}), got {proba.shape}")
    if not 0 < max_loss < 1:
        raise ValueError(f"max_loss must lie in (0, 1), got {max_loss}")
    labels = [str(x) for x in labels]
    pred = proba.argmax(axis=1)
    top = proba[np.arange(len(pred)), pred]
    out = {}
    for j, lab in enumerate(labels):
        right = (pred == j) & (y_true.astype(str) == lab)
        out[lab] = float(np.quantile(top[right], max_loss, method="lower")) if right.any() else 0.0
    return out


def abstains(labels, proba: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    """Whether each row's top class is below its threshold: bool array of shape (n_samples,)."""
    proba = np.asarray(proba, dtype=np.float64)
    pred = proba.argmax(axis=1)
    limit = np.array([thresholds.get(str(lab), 0.0) for lab in labels])
    return proba[np.arange(len(pred)), pred] < limit[pred]
