"""Build scikit-learn pipelines from a config: normalization → hashed n-grams → TF-IDF → classifier.

Every pipeline has four named steps, which explanations and the training loop rely on:

``normalize``  :class:`arclf.features.normalizer.ArabicNormalizer` (stateless)
``features``   :class:`arclf.features.hashing.HashingNgramVectorizer`, or a ``FeatureUnion`` of a char and a
               word one (stateless: no vocabulary to fit, so a whole corpus is featurized once)
``tfidf``      :class:`arclf.features.tfidf.HashedTfidf` (learns document frequencies, min_df pruning, IDF)
``clf``        a linear classifier from :data:`CLASSIFIERS`

The first two steps are the *featurizer* (stateless, shared by every task and fold); the last two
are the *head*, fitted per task and per fold on training rows only, so nothing leaks.
"""

from __future__ import annotations

import numpy as np
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline

from arclf.config import ClassifierSpec, Config
from arclf.models.calibration import CalibratedLinear

__all__ = ["CLASSIFIERS", "build_classifier", "build_featurizer", "build_head", "build_pipeline", "needs_calibration"]


def _linear_svm(spec: ClassifierSpec, seed: int):
    if spec.class_weight is not None:  # our solver has no class weights: fall back to liblinear
        from sklearn.svm import LinearSVC

        return LinearSVC(C=spec.C, max_iter=spec.max_iter, class_weight=spec.class_weight, random_state=seed)
    from arclf.models.solver import LinearSVM

    return LinearSVM(C=spec.C, tol=spec.tol, max_iter=spec.max_iter, random_state=seed, nb_scale=spec.nb_scale)


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
    from arclf.features.tfidf import build_tfidf

    return Pipeline([("tfidf", build_tfidf(cfg.features)), ("clf", build_classifier(cfg.classifier, cfg.seed))])


def build_pipeline(cfg: Config) -> Pipeline:
    """The whole four-step pipeline of a config (unfitted), for notebook use and explanations.

    Its TF-IDF step overwrites the vectorizer's intermediate counts (``HashedTfidf(copy=False)``),
    so fitting holds one sparse matrix at a time.
    """
    head = build_head(cfg)
    head.named_steps["tfidf"].set_params(copy=False)
    return Pipeline(build_featurizer(cfg).steps + head.steps)
