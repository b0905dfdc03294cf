"""Probabilities from margin classifiers: a calibrator fitted on out-of-fold decision scores.

:class:`ScoreCalibrator` is multinomial logistic regression on decision values (Platt 1999,
generalized to several classes as the matrix scaling of Guo et al. 2017, "On Calibration of
Modern Neural Networks", §4.2). It is fitted by scikit-learn's ``LogisticRegression`` and keeps
only its arrays, so a saved bundle rebuilds it through :meth:`ScoreCalibrator.from_arrays`;
its probabilities are computed as ``LogisticRegression.predict_proba`` computes them.
:class:`CalibratedLinear` pairs a margin classifier with one.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from arclf.models.scores import softmax, two_columns

__all__ = ["ScoreCalibrator", "fit_score_calibrator", "CalibratedLinear"]


class ScoreCalibrator:
    """A fitted logistic map from decision scores (one column per class) to probabilities.

    Build it with :meth:`fit` or :meth:`from_arrays`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (n_classes, n_classes), or (1, 2) for two classes
    intercept_ : ndarray of shape (n_classes,), or (1,) for two classes
    """

    def __init__(self, classes, coef, intercept):
        self.classes_ = np.asarray(classes)
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        rows = 1 if len(self.classes_) == 2 else len(self.classes_)
        if self.coef_.ndim != 2 or self.coef_.shape[0] != rows or self.intercept_.shape != (rows,):
            raise ValueError(f"calibrator arrays do not fit {len(self.classes_)} classes: coef {self.coef_.shape}, "
                             f"intercept {self.intercept_.shape}")

    @classmethod
    def from_arrays(cls, classes, coef, intercept) -> "ScoreCalibrator":
        """A calibrator from saved arrays (as in a bundle). Raises ValueError if the shapes disagree."""
        return cls(classes, coef, intercept)

    @classmethod
    def fit(cls, scores: np.ndarray, y, *, seed: int = 0) -> "ScoreCalibrator":
        """Fit on decision scores of rows the classifier was not trained on (see :func:`fit_score_calibrator`)."""
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=1.0, max_iter=1000, random_state=seed).fit(two_columns(np.asarray(scores, dtype=np.float64)), y)
        return cls(lr.classes_, lr.coef_, lr.intercept_)

    def predict_proba(self, scores: np.ndarray) -> np.ndarray:
        """Probabilities, shape (n_samples, n_classes) in the order of :attr:`classes_`.

        ``scores`` of shape (n_samples,) is a binary decision and becomes ``[-s, s]``. Two
        classes: ``expit`` of the decision (SciPy's, as scikit-learn); more: its softmax.
        """
        z = two_columns(np.asarray(scores, dtype=np.float64)) @ self.coef_.T + self.intercept_
        if z.shape[1] == 1:
            from scipy.special import expit

            p1 = expit(z[:, 0])
            return np.stack([1 - p1, p1], axis=1)
        return softmax(z, copy=False)


def fit_score_calibrator(scores: np.ndarray, y, *, seed: int = 0) -> ScoreCalibrator:
    """Fit a multinomial logistic map from decision scores to probabilities.

    A generalization of Platt scaling to several classes (Platt 1999; Guo et al. 2017, "On
    Calibration of Modern Neural Networks", §4.2 matrix scaling), fitted on *out-of-fold*
    scores so that the probabilities reflect held-out behaviour.

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
        Decision values of a linear classifier on rows it was not trained on.
    y : array-like of shape (n_samples,)
    seed : int, default=0

    Returns
    -------
    ScoreCalibrator
    """
    return ScoreCalibrator.fit(scores, y, seed=seed)


class CalibratedLinear(ClassifierMixin, BaseEstimator):
    """A margin classifier whose scores are mapped to probabilities by :func:`fit_score_calibrator`.

    :meth:`fit` fits the calibrator on ``folds``-fold out-of-fold scores, then the classifier on
    all rows (``folds + 1`` fits). The training loop avoids the extra fits by reusing its
    cross-validation scores and :meth:`from_parts`.

    Parameters
    ----------
    estimator : classifier with ``decision_function``
    folds : int, default=3
    seed : int, default=0

    Attributes
    ----------
    estimator_ : the fitted classifier
    calibrator_ : ScoreCalibrator
    classes_ : ndarray of shape (n_classes,)
    """

    def __init__(self, estimator=None, *, folds=3, seed=0):
        self.estimator = estimator
        self.folds = folds
        self.seed = seed

    def fit(self, X, y):
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        y = np.asarray(y)
        counts = np.unique(y, return_counts=True)[1]
        folds = max(2, min(self.folds, int(counts.min())))
        cv = StratifiedKFold(folds, shuffle=True, random_state=self.seed)
        scores = cross_val_predict(clone(self.estimator), X, y, cv=cv, method="decision_function")
        self.calibrator_ = fit_score_calibrator(scores, y, seed=self.seed)
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.classes_ = self.estimator_.classes_
        return self

    @classmethod
    def from_parts(cls, estimator_, calibrator_, *, folds=3, seed=0) -> "CalibratedLinear":
        """Assemble from an already fitted classifier and calibrator (same classes, same order)."""
        self = cls(clone(estimator_), folds=folds, seed=seed)
        self.estimator_, self.calibrator_ = estimator_, calibrator_
        self.classes_ = estimator_.classes_
        if not np.array_equal(calibrator_.classes_, self.classes_):
            raise ValueError("calibrator and classifier were fitted on different classes")
        return self

    @property
    def coef_(self):
        return self.estimator_.coef_

    def decision_function(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.decision_function(X)

    def predict_proba(self, X):
        check_is_fitted(self, "calibrator_")
        return self.calibrator_.predict_proba(self.estimator_.decision_function(X))

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
