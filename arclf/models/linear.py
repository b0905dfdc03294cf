"""A fitted linear classifier rebuilt from its arrays: what a saved bundle holds for every classifier kind.

Every classifier arclf offers scores a TF-IDF row ``x`` linearly, ``x @ coef.T + intercept``, and
turns the scores into probabilities in one of three ways (:data:`PROBA_MAPS`):

``softmax``       softmax over classes (:meth:`arclf.models.solver.LinearSVM.predict_proba`, and
                  ``ComplementNB``, whose ``predict_proba`` is the softmax of ``x @ feature_log_prob_.T``)
``ovr_logistic``  one logistic per class, renormalized to sum to 1 (one-vs-rest logistic regression,
                  as ``OneVsRestClassifier.predict_proba`` computes it)
``none``          no probabilities of its own (``LinearSVC``, ``SGDClassifier``, ``RidgeClassifier``:
                  always wrapped in a calibrator)

:func:`linear_parts` reads those arrays from a fitted classifier; :class:`LinearScores` is the
fitted classifier rebuilt from them (a bundle is loaded without unpickling anything).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from arclf.models.scores import PROBA_MAPS, linear_proba, two_columns

__all__ = ["LinearScores", "linear_parts"]

def linear_parts(clf) -> dict:
    """The arrays and probability map of a fitted linear classifier.

    Parameters
    ----------
    clf : fitted classifier
        ``arclf.models.solver.LinearSVM``, ``LinearSVC``, ``SGDClassifier``, ``RidgeClassifier``,
        ``ComplementNB``, one-vs-rest ``LogisticRegression`` (with ``coef_``), or :class:`LinearScores`.

    Returns
    -------
    dict
        ``type`` (class name), ``classes`` (list), ``coef`` (ndarray of shape (n_classes or 1,
        n_features)), ``intercept`` (ndarray of shape (n_classes or 1,)), ``proba`` (a :data:`PROBA_MAPS` name).

    Raises
    ------
    TypeError
        The classifier is not one of these.
    """
    name = type(clf).__name__
    classes = [c.item() if hasattr(c, "item") else c for c in np.asarray(clf.classes_)]
    if isinstance(clf, LinearScores):
        return {"type": clf.source, "classes": classes, "coef": clf.coef_, "intercept": clf.intercept_, "proba": clf.proba}
    if name == "ComplementNB":  # predict_proba = softmax(X @ feature_log_prob_.T) for two classes or more;
        coef = np.asarray(clf.feature_log_prob_, dtype=np.float64)  # centred over classes, which the softmax
        coef = coef - coef.mean(axis=0, keepdims=True)  # ignores, so explanations read it as they read the NB
        return {"type": name, "classes": classes, "coef": coef, "intercept": np.zeros(coef.shape[0]), "proba": "softmax"}
    if name == "LinearSVM":
        proba, dtype = "softmax", np.float32  # the solver's own weights are float32
    elif name == "OneVsRestLogistic":
        proba, dtype = "ovr_logistic", np.float64
    elif name in ("LinearSVC", "SGDClassifier", "RidgeClassifier"):
        proba, dtype = "none", np.float64
    else:
        raise TypeError(f"{name} is not a classifier arclf can store as arrays")
    coef = np.atleast_2d(np.asarray(clf.coef_, dtype=dtype))  # RidgeClassifier keeps a binary coef_ 1-D
    return {"type": name, "classes": classes, "coef": np.ascontiguousarray(coef),
            "intercept": np.asarray(clf.intercept_, dtype=np.float64).reshape(-1), "proba": proba}


class LinearScores(ClassifierMixin, BaseEstimator):
    """A fitted linear classifier given by its arrays (see the module docstring).

    Build it with :meth:`from_arrays`; it predicts exactly as the classifier it was read from
    (:func:`linear_parts`), up to floating-point summation order. It cannot be refitted.

    Parameters
    ----------
    proba : {'softmax', 'ovr_logistic', 'none'}, default='softmax'
    source : str, default='LinearScores'
        Class name of the classifier the arrays came from.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (n_classes, n_features), or (1, n_features) for a binary decision
    intercept_ : ndarray of shape (n_classes,) or (1,)
    n_features_in_ : int
    """

    def __init__(self, proba="softmax", source="LinearScores"):
        self.proba = proba
        self.source = source

    @classmethod
    def from_arrays(cls, coef, intercept, classes, *, proba: str, source: str = "LinearScores") -> "LinearScores":
        """A fitted model from ``coef`` (n_classes or 1, n_features), ``intercept`` and ``classes``.

        Raises
        ------
        ValueError
            The shapes disagree with each other or with the classes, or ``proba`` is unknown.
        """
        if proba not in PROBA_MAPS:
            raise ValueError(f"proba={proba!r}: expected one of {PROBA_MAPS}")
        self = cls(proba=proba, source=source)
        self.classes_ = np.asarray(classes)
        self.coef_ = np.asarray(coef)
        self.intercept_ = np.asarray(intercept, dtype=np.float64).reshape(-1)
        rows = self.coef_.shape[0] if self.coef_.ndim == 2 else -1
        if rows not in (1, len(self.classes_)) or self.intercept_.shape != (rows,) or (rows == 1 and len(self.classes_) != 2):
            raise ValueError(f"arrays do not fit {len(self.classes_)} classes: coef {self.coef_.shape}, "
                             f"intercept {self.intercept_.shape}")
        self.n_features_in_ = int(self.coef_.shape[1])
        return self

    def fit(self, X, y):
        raise NotImplementedError("LinearScores is rebuilt from saved arrays and cannot be refitted; "
                                  "train a new model with `arclf train`")

    def decision_function(self, X):
        """Scores of shape (n_samples, n_classes), or (n_samples,) for a binary decision."""
        scores = np.asarray(X @ self.coef_.T) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict_proba(self, X):
        """Probabilities of shape (n_samples, n_classes) by the ``proba`` map.

        Raises
        ------
        ValueError
            ``proba='none'``: the classifier needs a calibrator.
        """
        return linear_proba(self.decision_function(X), self.proba)

    def predict(self, X):
        scores = two_columns(self.decision_function(X))
        return self.classes_[scores.argmax(axis=1)]
