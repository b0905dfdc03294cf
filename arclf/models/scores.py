"""From decision values to probabilities, with NumPy only (prediction imports this without scikit-learn).

One implementation each of the steps every classifier path shares: :func:`two_columns` (a binary
decision for ``classes_[1]`` as one column per class) and :func:`softmax` (the same operations, in
the same order, as ``sklearn.utils.extmath.softmax``, so scores computed here and by scikit-learn
are bit-identical).
"""

from __future__ import annotations

import numpy as np

__all__ = ["two_columns", "softmax", "sigmoid"]


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
