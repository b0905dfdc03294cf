"""From decision values to probabilities, with NumPy only (prediction imports this without scikit-learn).

One implementation each of the steps every classifier path shares: :func:`two_columns` (a binary
decision for ``classes_[1]`` as one column per class) and :func:`softmax` (the same operations, in
the same order, as ``sklearn.utils.extmath.softmax``, so scores computed here and by scikit-learn
are bit-identical).
"""

from __future__ import annotations

import numpy as np

__all__ = ["two_columns", "softmax", "sigmoid", "linear_proba", "PROBA_MAPS"]

#: How a linear classifier's decision values become probabilities (see :mod:`arclf.models.linear`).
PROBA_MAPS = ("softmax", "ovr_logistic", "none")


def two_columns(scores: np.ndarray) -> np.ndarray:
    """Decision values as one column per class.

    Parameters
    ----------
    scores : ndarray of shape (n_samples,), (n_samples, 1) or (n_samples, n_classes)
        A 1-D array or a single column is a binary decision for ``classes_[1]``.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        ``[-s, s]`` for a binary decision ``s`` (a new array); ``scores`` itself otherwise.
    """
    scores = np.asarray(scores)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    return np.column_stack([-scores, scores]) if scores.ndim == 1 else scores


def softmax(z: np.ndarray, *, copy: bool = True) -> np.ndarray:
    """Row-wise softmax: ``exp(z - max) / sum(exp(z - max))``.

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_classes)
    copy : bool, default=True
        False overwrites ``z`` (it must then be a float array).

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        Rows sum to 1.
    """
    z = np.array(z, dtype=np.float64) if copy else z
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))`` elementwise (NumPy's ``exp``; SciPy's ``expit`` may differ in the last bit)."""
    return 1.0 / (1.0 + np.exp(-z))


def linear_proba(decision: np.ndarray, proba: str) -> np.ndarray:
    """Probabilities of shape (n_samples, n_classes) from decision values by the map ``proba``.

    ``softmax``: softmax over :func:`two_columns`; ``ovr_logistic``: one :func:`sigmoid` per class
    (``[1 - p, p]`` for a binary decision), each row divided by its sum, as scikit-learn's
    ``OneVsRestClassifier.predict_proba``.

    Raises
    ------
    ValueError
        ``proba`` is ``none`` (the classifier needs a calibrator) or not in :data:`PROBA_MAPS`.
    """
    if proba == "softmax":
        return softmax(two_columns(np.asarray(decision, dtype=np.float64)))
    if proba == "ovr_logistic":
        p = sigmoid(np.asarray(decision, dtype=np.float64))
        if p.ndim == 1 or p.shape[1] == 1:
            p = p.reshape(-1)
            p = np.column_stack([1.0 - p, p])
        return p / p.sum(axis=1, keepdims=True)
    raise ValueError(f"probability map {proba!r} gives no probabilities; expected one of {PROBA_MAPS[:2]}")
