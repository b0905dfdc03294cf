"""Simulated unseen classes, to fit a novelty detector where it will be used (see :mod:`arclf.evaluation.novelty`).

The task's rows are split in two halves by duplicate group (a text and its duplicates fall on one
side). For each class c, a linear SVM is fitted on half A without c and scores half B: B's rows
of class c are examples of an article of a class the model never saw, the others of known ones.
"""

from __future__ import annotations

import numpy as np

from arclf.config import Config
from arclf.evaluation.novelty import fit_detector, score_features

__all__ = ["MIN_CLASSES", "simulate_unseen", "fit_novelty_detector"]

#: Fewest classes a task needs for the novelty rule: a model without one class keeps at least 3.
MIN_CLASSES = 4


def simulate_unseen(cfg: Config, X, rows: np.ndarray, y: np.ndarray, groups: np.ndarray, column_ids=None, *,
                    max_rows: int = 20000) -> tuple[np.ndarray, np.ndarray]:
    """Score features of rows scored by models that never saw their class, and of rows whose class they saw.

    Parameters
    ----------
    cfg : Config
        Its classifier must train on shared counts (``linear_svm`` without class weights).
    X : sparse matrix of shape (n_loaded, n_columns)
        The shared ``uint16`` counts of every loaded row.
    rows : ndarray of int, shape (n,)
        The task's rows of ``X``; ``y`` and ``groups`` (duplicate groups) align with it.
    column_ids : ndarray of int, optional
        The hash column of each column of a compacted ``X`` (:func:`arclf.models.solver.compact_columns`).
    max_rows : int, default=20000
        At most this many rows on each side (training cost grows with it).

    Returns
    -------
    features : ndarray of shape (n_scored, 6)
        :func:`arclf.evaluation.novelty.score_features`, one block of half B per left-out class.
    unseen : ndarray of bool, shape (n_scored,)

    Raises
    ------
    ValueError
        Fewer than :data:`MIN_CLASSES` classes.
    """
    from joblib import Parallel, delayed

    from arclf.training.cv import fit_svm_scaled

    classes = np.unique(y)
    if len(classes) < MIN_CLASSES:
        raise ValueError(f"the novelty rule needs at least {MIN_CLASSES} classes, got {len(classes)}")
    rng = np.random.default_rng(cfg.seed)
    _, group_index = np.unique(groups, return_inverse=True)
    side = rng.permutation(group_index.max() + 1)[group_index] % 2  # a duplicate group stays on one side
    a, b = np.flatnonzero(side == 0), np.flatnonzero(side == 1)
    a, b = rng.permutation(a)[:max_rows], np.sort(rng.permutation(b)[:max_rows])

    def one(c):
        train = np.sort(a[y[a] != c])
        _, _, scores = fit_svm_scaled(cfg, X, rows[train], y[train], rows[b], column_ids)
        return score_features(scores), y[b] == c

    parts = Parallel(n_jobs=cfg.cv.n_jobs, backend="threading")(delayed(one)(c) for c in classes)
    return np.vstack([f for f, _ in parts]), np.concatenate([u for _, u in parts])


def fit_novelty_detector(cfg: Config, X, rows: np.ndarray, y: np.ndarray, groups: np.ndarray, column_ids=None) -> dict:
    """:func:`simulate_unseen`, then :func:`arclf.evaluation.novelty.fit_detector`: the detector as plain arrays."""
    features, unseen = simulate_unseen(cfg, X, rows, y, groups, column_ids)
    return fit_detector(features, unseen, seed=cfg.seed)
