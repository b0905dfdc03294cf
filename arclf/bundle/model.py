"""Model bundles: every task's fitted pipeline in one joblib file, with labels and metadata.

A bundle holds one shared, stateless *featurizer* (normalization + hashed n-grams) and, per task,
a fitted *head* (TF-IDF + classifier); a task whose config gives it its own ``normalize`` /
``features`` has its own featurizer, rebuilt like the shared one from the resolved config. On disk (``model.joblib``, written atomically) a bundle of
the default linear-SVM pipeline is stored as plain arrays — kept columns, idf, weights, intercepts
and the calibration map — plus the resolved config that rebuilds the featurizer. That keeps it
small and lets :func:`load_predictor` score texts without importing scikit-learn
(:class:`arclf.bundle.arrays.ArrayPredictor`); :func:`load_bundle` rebuilds the scikit-learn objects.
Other classifiers are stored as a pickle of the :class:`Bundle`.
"""

from __future__ import annotations

import pickle
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from arclf.errors import BundleError
from arclf.util.files import atomic_path

__all__ = ["Bundle", "TaskModel", "load_bundle", "load_predictor", "BUNDLE_FORMAT"]

BUNDLE_FORMAT = 2


@dataclass
class TaskModel:
    """One task of a bundle: its name, the schema field it predicts, its labels and its fitted head.

    ``featurizer`` is the task's own featurizer when its config gives it its own ``normalize`` /
    ``features`` (None: the bundle's). It is stateless and rebuilt from the resolved config, so
    the bundle's arrays need nothing more to describe it.
    """

    name: str
    field: str
    labels: list
    head: object  # sklearn Pipeline([('tfidf', ...), ('clf', ...)])
    level: str | None = None
    featurizer: object = None


@dataclass
class Bundle:
    """A trained model: ``featurizer`` (sklearn Pipeline normalize → features) and ``tasks``.

    Attributes
    ----------
    featurizer : sklearn.pipeline.Pipeline
    tasks : dict of str to TaskModel
    meta : dict
        arclf version, creation time, resolved config, run id, data fingerprint, n_examples.
    """

    featurizer: object
    tasks: dict
    meta: dict = field(default_factory=dict)
    format: int = BUNDLE_FORMAT

    def pipeline(self, task: str):
        """The full four-step sklearn ``Pipeline`` (normalize, features, tfidf, clf) of one task."""
        from sklearn.pipeline import Pipeline

        return Pipeline(self.featurizer_of(task).steps + self.tasks[task].head.steps)

    def featurizer_of(self, task: str):
        """The featurizer ``Pipeline([('normalize', ...), ('features', ...)])`` that task ``task`` reads."""
        return self.tasks[task].featurizer or self.featurizer

    def predict_proba(self, texts: list[str], tasks=None) -> dict:
        """``{task: (classes, proba of shape (n_texts, n_classes))}``, featurizing the texts once.

        When every head has an array form (:meth:`to_arrays`), the scores come from the same
        :class:`~arclf.bundle.arrays.ArrayPredictor` that ``arclf predict`` uses, so a text gets the
        same probabilities from the API, the CLI and a saved bundle.
        """
        return {name: (classes, proba) for name, (classes, proba, _) in self.predict_scores(texts, tasks).items()}

    def predict_scores(self, texts: list[str], tasks=None) -> dict:
        """``{task: (classes, proba, decision values or None)}``, featurizing the texts once per featurizer.

        Decision values (shape (n_texts, n_classes), or (n_texts, 1) for two classes) are None for a
        classifier without a decision function.
        """
        if getattr(self, "_arrays", None) is None:
            from arclf.bundle.arrays import ArrayPredictor

            arrays = self.to_arrays()
            self._arrays = ArrayPredictor(arrays) if arrays else False
        if self._arrays:
            return self._arrays.predict_scores(texts, tasks)
        out, counts = {}, {}
        for name in tasks or list(self.tasks):  # one featurization per distinct featurizer
            featurizer, head = self.featurizer_of(name), self.tasks[name].head
            if id(featurizer) not in counts:
                counts[id(featurizer)] = featurizer.transform(list(texts))
            X = counts[id(featurizer)]
            decision = head.decision_function(X) if hasattr(head, "decision_function") else None
            if decision is not None and decision.ndim == 1:
                decision = decision[:, None]
            out[name] = (list(head.classes_), head.predict_proba(X), decision)
        return out

    def to_arrays(self) -> dict | None:
        """The plain-array form of this bundle, or None if a head is not TF-IDF + linear SVM."""
        from arclf.features.tfidf import HashedTfidf
        from arclf.models.calibration import CalibratedLinear
        from arclf.models.solver import LinearSVM

        tasks = {}
        for name, tm in self.tasks.items():
            tfidf, clf = tm.head.named_steps.get("tfidf"), tm.head.named_steps.get("clf")
            calibrator = None
            if isinstance(clf, CalibratedLinear):
                clf, cal = clf.estimator_, clf.calibrator_
                calibrator = {"coef": cal.coef_.astype(np.float64), "intercept": cal.intercept_.astype(np.float64),
                              "classes": list(cal.classes_)}
            if not isinstance(tfidf, HashedTfidf) or type(clf) is not LinearSVM or tfidf.norm != "l2":
                return None
            tasks[name] = {"field": tm.field, "level": tm.level, "labels": list(tm.labels), "classes": list(clf.classes_),
                           "columns": np.asarray(tfidf.columns_), "idf": np.asarray(tfidf.idf_, dtype=np.float32),
                           "n_features_in": int(tfidf.n_features_in_), "coef": np.asarray(clf.coef_, dtype=np.float32),
                           "intercept": np.asarray(clf.intercept_, dtype=np.float64), "svm_params": clf.get_params(),
                           "calibrator": calibrator}
        return {"meta": self.meta, "tasks": tasks}

    def save(self, path: str | Path, *, compress: int = 3) -> Path:
        """Write the bundle with joblib (zlib level ``compress``) to ``path`` atomically; return the path."""
        import joblib

        path = Path(path)
        arrays = self.to_arrays()
        payload = {"arclf_bundle": BUNDLE_FORMAT, **({"arrays": arrays} if arrays else {"bundle": self})}
        with atomic_path(path) as tmp:
            joblib.dump(payload, tmp, compress=compress)
        return path


def _bundle_file(path: Path) -> Path:
    return path / "model.joblib" if path.is_dir() else path


def _read(path: str | Path) -> dict:
    import joblib

    file = _bundle_file(Path(path))
    if not file.exists():
        raise BundleError(f"{file}: no model bundle here; train one with `arclf train CONFIG`")
    try:
        payload = joblib.load(file)
    except (EOFError, pickle.UnpicklingError, zlib.error, struct.error, ValueError, TypeError, KeyError, IndexError,
            AttributeError, ImportError, OSError) as exc:
        raise BundleError(f"{file}: cannot read the bundle ({exc.__class__.__name__}): it is truncated or not an arclf bundle; "
                          "retrain it with `arclf train`") from None
    if not isinstance(payload, dict) or "arclf_bundle" not in payload:
        raise BundleError(f"{file}: not an arclf bundle (found {type(payload).__name__})")
    if payload["arclf_bundle"] != BUNDLE_FORMAT:
        raise BundleError(f"{file}: bundle format {payload['arclf_bundle']}, this arclf reads format {BUNDLE_FORMAT}; retrain it")
    return payload


def _rebuild(arrays: dict) -> Bundle:
    """The scikit-learn objects of an array bundle."""
    from sklearn.pipeline import Pipeline

    from arclf.config import parse_config
    from arclf.features.tfidf import HashedTfidf, build_tfidf
    from arclf.models.calibration import CalibratedLinear, ScoreCalibrator
    from arclf.models.pipeline import build_featurizer
    from arclf.models.solver import LinearSVM

    cfg = parse_config(arrays["meta"]["config"])
    featurizer = build_featurizer(cfg).fit([""])
    own = {}  # a featurizer per distinct per-task setting, shared by the tasks that have it
    for sub, names in cfg.featurizer_groups([n for n in arrays["tasks"] if any(t.name == n for t in cfg.tasks)]):
        if (sub.normalize, sub.features) != (cfg.normalize, cfg.features):
            shared = build_featurizer(sub).fit([""])
            own.update({n: (sub, shared) for n in names})
    tasks = {}
    for name, t in arrays["tasks"].items():
        sub, task_featurizer = own.get(name, (cfg, None))
        tfidf = HashedTfidf.from_arrays(t["columns"], t["idf"], t["n_features_in"], **build_tfidf(sub.features).get_params())
        clf = LinearSVM.from_coef(t["coef"], t["intercept"], t["classes"], params=t["svm_params"])
        if t["calibrator"] is not None:
            c = t["calibrator"]
            cal = ScoreCalibrator.from_arrays(np.asarray(c["classes"], dtype=object), c["coef"], c["intercept"])
            clf = CalibratedLinear.from_parts(clf, cal, folds=cfg.classifier.calibration_folds, seed=cfg.seed)
        tasks[name] = TaskModel(name, t["field"], list(t["labels"]), Pipeline([("tfidf", tfidf), ("clf", clf)]), t["level"],
                                featurizer=task_featurizer)
    return Bundle(featurizer=featurizer, tasks=tasks, meta=arrays["meta"])


def load_bundle(path: str | Path) -> Bundle:
    """Load a bundle from ``model.joblib`` or from a run folder holding one (``latest`` links work).

    Raises
    ------
    BundleError
        The file is missing, truncated, not an arclf bundle, or of another bundle format.
    """
    payload = _read(path)
    return _rebuild(payload["arrays"]) if "arrays" in payload else payload["bundle"]


def load_predictor(path: str | Path):
    """What prediction needs, as fast as possible: an :class:`~arclf.bundle.arrays.ArrayPredictor`
    (no scikit-learn import) for an array bundle, else the full :class:`Bundle`.

    Both have ``predict_proba(texts, tasks=None) -> {task: (classes, proba)}`` and ``tasks``.

    Raises
    ------
    BundleError
        As :func:`load_bundle`.
    """
    payload = _read(path)
    if "arrays" in payload:
        from arclf.bundle.arrays import ArrayPredictor

        return ArrayPredictor(payload["arrays"])
    return payload["bundle"]
