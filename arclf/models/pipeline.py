"""Build scikit-learn pipelines from a config: normalization → hashed n-grams → TF-IDF → classifier.

Every pipeline has four named steps, which explanations and the training loop rely on:

``normalize``  :class:`arclf.features.normalizer.ArabicNormalizer` (stateless)
``features``   :class:`arclf.features.hashing.HashingNgramVectorizer`, or a ``FeatureUnion`` of a char and a
               word one (stateless: no vocabulary to fit, so a whole corpus is featurized once)
``tfidf``      :class:`arclf.features.hashing.HashedTfidf` (learns document frequencies, min_df pruning, IDF)
``clf``        a linear classifier from :data:`CLASSIFIERS`

The first two steps are the *featurizer* (stateless, shared by every task and fold); the last two
are the *head*, fitted per task and per fold on training rows only, so nothing leaks.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from arclf.config import ClassifierSpec, Config

__all__ = ["CLASSIFIERS", "CalibratedLinear", "build_classifier", "build_featurizer", "build_head", "build_pipeline", "needs_calibration"]


def _linear_svm(spec: ClassifierSpec, seed: int):
    if spec.class_weight is not None:  # our solver has no class weights: fall back to liblinear
        from sklearn.svm import LinearSVC

        return LinearSVC(C=spec.C, max_iter=spec.max_iter, class_weight=spec.class_weight, random_state=seed)
    from arclf.models.solver import LinearSVM

    return LinearSVM(C=spec.C, tol=spec.tol, max_iter=spec.max_iter, random_state=seed)


class OneVsRestLogistic(OneVsRestClassifier):
    """One-vs-rest logistic regression (liblinear) exposing ``coef_`` of shape (n_classes, n_features).

    liblinear is fast on sparse high-dimensional text and releases the GIL, so folds run in
    threads; scikit-learn >= 1.8 only offers it for binary problems, hence one-vs-rest.
    """

    @property
    def coef_(self):
        return np.vstack([est.coef_ for est in self.estimators_])

    @property
    def intercept_(self):
        return np.concatenate([est.intercept_ for est in self.estimators_])


def _logistic_regression(spec: ClassifierSpec, seed: int):
    from sklearn.linear_model import LogisticRegression

    return OneVsRestLogistic(LogisticRegression(C=spec.C * 20, solver="liblinear", max_iter=spec.max_iter,
                                                class_weight=spec.class_weight, random_state=seed))


def _complement_nb(spec: ClassifierSpec, seed: int):
    from sklearn.naive_bayes import ComplementNB

    return ComplementNB(alpha=0.01 if spec.alpha is None else spec.alpha)  # TF-IDF values are small: 0.3 smoothed char n-grams away (macro-F1 0.50 vs 0.83 on ANT topics)


def _sgd(spec: ClassifierSpec, seed: int):
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="hinge", alpha=1e-5 if spec.alpha is None else spec.alpha, max_iter=min(spec.max_iter, 50), tol=1e-4,
                         average=True, class_weight=spec.class_weight, random_state=seed)


def _ridge(spec: ClassifierSpec, seed: int):
    from sklearn.linear_model import RidgeClassifier

    return RidgeClassifier(alpha=1.0 if spec.alpha is None else spec.alpha, solver="sparse_cg", class_weight=spec.class_weight, random_state=seed)


#: Classifier name (config ``classifier.kind``) -> builder. A closed dictionary, not a plugin registry.
CLASSIFIERS = {
    "linear_svm": _linear_svm,
    "logistic_regression": _logistic_regression,
    "complement_nb": _complement_nb,
    "sgd": _sgd,
    "ridge": _ridge,
}


def needs_calibration(spec: ClassifierSpec) -> bool:
    """True when the classifier's scores must be calibrated into probabilities (margin classifiers)."""
    if spec.calibration == "none":
        return False
    if spec.calibration == "sigmoid":
        return True
    return spec.kind in ("linear_svm", "sgd", "ridge")


def _scores_2d(scores: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64)
    # a binary decision function scores classes_[1]; give the calibrator one column per class
    return np.column_stack([-scores, scores]) if scores.ndim == 1 else scores


def fit_score_calibrator(scores: np.ndarray, y, *, seed: int = 0):
    """Fit a multinomial logistic map from decision scores to probabilities.

    A generalization of Platt scaling to several classes (Platt 1999; Guo et al. 2017, "On
    Calibration of Modern Neural Networks", §4.2 matrix scaling), fitted on *out-of-fold*
    scores so that the probabilities reflect held-out behaviour.

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
        Decision values of a linear classifier on rows it was not trained on.
    y : array-like of shape (n_samples,)
    """
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=1000, random_state=seed).fit(_scores_2d(scores), y)


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
    calibrator_ : fitted LogisticRegression on decision scores
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
        return self.calibrator_.predict_proba(_scores_2d(self.estimator_.decision_function(X)))

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def build_classifier(spec: ClassifierSpec, seed: int = 0):
    """Return the unfitted classifier for ``spec.kind`` (probabilities calibrated when needed)."""
    clf = CLASSIFIERS[spec.kind](spec, seed)
    if needs_calibration(spec):
        return CalibratedLinear(clf, folds=spec.calibration_folds, seed=seed)
    return clf


def build_featurizer(cfg: Config) -> Pipeline:
    """The stateless part: ``Pipeline([('normalize', ...), ('features', ...)])``."""
    from arclf.features.hashing import build_features
    from arclf.features.normalizer import ArabicNormalizer

    return Pipeline([("normalize", ArabicNormalizer(**cfg.normalize.model_dump())), ("features", build_features(cfg.features))])


def build_head(cfg: Config) -> Pipeline:
    """The fitted part: ``Pipeline([('tfidf', ...), ('clf', ...)])``."""
    from arclf.features.hashing import build_tfidf

    return Pipeline([("tfidf", build_tfidf(cfg.features)), ("clf", build_classifier(cfg.classifier, cfg.seed))])


def build_pipeline(cfg: Config) -> Pipeline:
    """The whole four-step pipeline of a config (unfitted), for notebook use and explanations.

    Its TF-IDF step overwrites the vectorizer's intermediate counts (``HashedTfidf(copy=False)``),
    so fitting holds one sparse matrix at a time.
    """
    head = build_head(cfg)
    head.named_steps["tfidf"].set_params(copy=False)
    return Pipeline(build_featurizer(cfg).steps + head.steps)
