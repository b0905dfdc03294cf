"""Model bundles: every task's fitted pipeline in one file of plain arrays, with labels and metadata.

A bundle holds one shared, stateless *featurizer* (normalization + hashed n-grams) and, per task,
a fitted *head* (TF-IDF + linear classifier); a task whose config gives it its own ``normalize`` /
``features`` has its own featurizer, rebuilt like the shared one from the resolved config. On disk (``model.arclf``, written atomically) every
head is plain arrays (kept columns, idf, weights, intercepts and the calibration map) beside a JSON
manifest holding the resolved config that rebuilds the featurizer (:mod:`arclf.bundle.archive`):
loading a bundle executes nothing from the file. :func:`load_predictor` scores texts without
importing scikit-learn (:class:`arclf.bundle.arrays.ArrayPredictor`); :func:`load_bundle` rebuilds
the scikit-learn objects (explanations, cross-corpus evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from arclf.errors import BundleError

__all__ = ["Bundle", "TaskModel", "load_bundle", "load_predictor", "load_arrays", "bundle_file", "to_manifest",
           "from_manifest", "BUNDLE_FILE", "OLD_BUNDLE_FILE", "BUNDLE_FORMAT"]

#: Version of the on-disk format (:data:`arclf.bundle.archive.FORMAT_VERSION`; 2 was a joblib pickle).
BUNDLE_FORMAT = 3


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

        The scores come from the array form (:meth:`to_arrays`) through the same
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

            self._arrays = ArrayPredictor(self.to_arrays())
        return self._arrays.predict_scores(texts, tasks)

    def to_arrays(self) -> dict:
        """The plain-array form of this bundle: ``{"meta": meta, "tasks": {name: {...}}}``.

        Per task: ``field``, ``level``, ``labels``, ``classes``, ``columns`` (int64, shape (n_kept,)),
        ``idf`` (float32, (n_kept,)), ``n_features_in``, ``coef`` ((n_classes or 1, n_kept)),
        ``intercept``, ``proba`` (how decisions become probabilities, see
        :mod:`arclf.models.linear`), ``classifier`` (type and parameters, for the record) and
        ``calibrator`` (``{"coef", "intercept", "classes"}`` or None).

        Raises
        ------
        BundleError
            A head is not TF-IDF (l2) followed by a linear classifier arclf offers.
        """
        from arclf.features.tfidf import HashedTfidf
        from arclf.models.calibration import CalibratedLinear
        from arclf.models.linear import linear_parts

        tasks = {}
        for name, tm in self.tasks.items():
            tfidf, clf = tm.head.named_steps.get("tfidf"), tm.head.named_steps.get("clf")
            calibrator = None
            if isinstance(clf, CalibratedLinear):
                clf, cal = clf.estimator_, clf.calibrator_
                calibrator = {"coef": cal.coef_.astype(np.float64), "intercept": cal.intercept_.astype(np.float64),
                              "classes": _plain(cal.classes_)}
            if not isinstance(tfidf, HashedTfidf) or tfidf.norm != "l2":
                raise BundleError(f"task {name}: its head is not l2 TF-IDF + a linear classifier; it cannot be saved")
            try:
                parts = linear_parts(clf)
            except TypeError as exc:
                raise BundleError(f"task {name}: {exc}") from None
            if calibrator is None and parts["proba"] == "none":
                raise BundleError(f"task {name}: {parts['type']} gives no probabilities without calibration")
            tasks[name] = {"field": tm.field, "level": tm.level, "labels": _plain(tm.labels), "classes": parts["classes"],
                           "columns": np.asarray(tfidf.columns_, dtype=np.int64), "idf": np.asarray(tfidf.idf_, dtype=np.float32),
                           "n_features_in": int(tfidf.n_features_in_), "coef": parts["coef"], "intercept": parts["intercept"],
                           "proba": parts["proba"], "classifier": {"type": parts["type"], "params": _params(clf)},
                           "calibrator": calibrator}
        return {"meta": self.meta, "tasks": tasks}

    def save(self, path: str | Path) -> Path:
        """Write the bundle to ``path`` (one zip of a JSON manifest and ``.npy`` arrays), atomically.

        See :mod:`arclf.bundle.archive` for the layout. Returns the path.
        """
        from arclf.bundle.archive import write_archive

        manifest, arrays = to_manifest(self.to_arrays())
        return write_archive(path, manifest, arrays)


def _plain(values) -> list:
    """A list of plain Python values (JSON-serializable) from labels or classes."""
    return [v.item() if hasattr(v, "item") else v for v in np.asarray(values, dtype=object)]


def _params(clf) -> dict:
    """The classifier's scalar parameters, for the record (nested estimators' too, as ``est__name``)."""
    try:
        params = clf.get_params()
    except AttributeError:
        return {}
    return {k: v for k, v in params.items() if v is None or isinstance(v, (bool, int, float, str))}


#: Arrays of a task (member ``tasks/<i>/<name>.npy``); the calibrator's are added when it has one.
TASK_ARRAYS = ("columns", "idf", "coef", "intercept")
_RESERVED = ("format", "format_version", "tasks", "arrays")


def to_manifest(arrays: dict) -> tuple[dict, dict]:
    """Split the array form (:meth:`Bundle.to_arrays`) into a JSON manifest and ``{member: ndarray}``.

    Each task's manifest entry names its members (``tasks/<i>/<array>.npy``); equal arrays are
    stored once and named by every task that uses them.
    """
    import hashlib

    members, tasks, seen = {}, {}, {}

    def member(name: str, array) -> str:  # an array equal to one already stored (tasks on the same rows
        array = np.ascontiguousarray(array)  # share columns and idf) is stored once
        key = (array.dtype.str, array.shape, hashlib.sha256(array.tobytes()).hexdigest())
        if key not in seen:
            seen[key], members[name] = name, array
        return seen[key]

    for i, (name, t) in enumerate(arrays["tasks"].items()):
        own = {key: member(f"tasks/{i}/{key}.npy", t[key]) for key in TASK_ARRAYS}
        cal = t["calibrator"]
        if cal is not None:
            own.update(calibrator_coef=member(f"tasks/{i}/calibrator_coef.npy", cal["coef"]),
                       calibrator_intercept=member(f"tasks/{i}/calibrator_intercept.npy", cal["intercept"]))
        tasks[name] = {"field": t["field"], "level": t["level"], "labels": t["labels"], "classes": t["classes"],
                       "n_features_in": t["n_features_in"], "proba": t["proba"], "classifier": t["classifier"],
                       "calibrator": None if cal is None else {"classes": cal["classes"]}, "members": own}
    meta = {k: v for k, v in arrays["meta"].items() if k not in _RESERVED}
    return {**meta, "tasks": tasks}, members


def from_manifest(manifest: dict, members: dict, file) -> dict:
    """The array form of a checked bundle file (inverse of :func:`to_manifest`).

    Raises
    ------
    BundleError
        The manifest's tasks are malformed or their arrays' shapes do not fit together.
    """
    from arclf.models.scores import PROBA_MAPS

    meta = {k: v for k, v in manifest.items() if k not in _RESERVED}
    tasks = {}
    try:
        for name, t in manifest["tasks"].items():
            own = {key: members[member] for key, member in t["members"].items()}
            cal = t["calibrator"]
            k, m = len(t["classes"]), len(own["columns"])
            rows = 1 if k == 2 and own["coef"].shape[0] == 1 else k
            ok = (own["idf"].shape == (m,) and own["coef"].shape == (rows, m) and own["intercept"].shape == (rows,)
                  and t["proba"] in PROBA_MAPS and (cal is not None or t["proba"] != "none"))
            if cal is not None:
                crow = 1 if len(cal["classes"]) == 2 else len(cal["classes"])
                ok = ok and own["calibrator_coef"].ndim == 2 and own["calibrator_coef"].shape[0] == crow \
                    and own["calibrator_intercept"].shape == (crow,)
                cal = {"coef": own["calibrator_coef"], "intercept": own["calibrator_intercept"], "classes": list(cal["classes"])}
            if not ok:
                raise BundleError(f"{file}: bundle corrupted or modified: the arrays of task {name} do not fit together")
            tasks[name] = {"field": t["field"], "level": t["level"], "labels": list(t["labels"]), "classes": list(t["classes"]),
                           "columns": own["columns"], "idf": own["idf"], "n_features_in": int(t["n_features_in"]),
                           "coef": own["coef"], "intercept": own["intercept"], "proba": t["proba"],
                           "classifier": t["classifier"], "calibrator": cal}
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise BundleError(f"{file}: bundle corrupted or modified: manifest tasks ({exc.__class__.__name__}: {exc})") from None
    return {"meta": meta, "tasks": tasks}


#: File name of a bundle inside a run folder; ``model.joblib`` is the earlier, pickled format.
BUNDLE_FILE = "model.arclf"
OLD_BUNDLE_FILE = "model.joblib"
MANIFEST_NAME = "manifest.json"


def bundle_file(path: str | Path) -> Path:
    """The bundle file of ``path``: itself, or the bundle inside a run folder (``latest`` links work)."""
    path = Path(path)
    if path.is_dir():
        old = path / OLD_BUNDLE_FILE
        return old if old.exists() and not (path / BUNDLE_FILE).exists() else path / BUNDLE_FILE
    return path


def load_arrays(path: str | Path) -> dict:
    """The checked array form of a bundle file or run folder (see :meth:`Bundle.to_arrays`).

    Raises
    ------
    BundleError
        As :func:`arclf.bundle.archive.read_archive`, or tasks whose arrays do not fit together.
    """
    from arclf.bundle.archive import read_archive

    file = bundle_file(path)
    manifest, members = read_archive(file)
    return from_manifest(manifest, members, file)


def _rebuild(arrays: dict) -> Bundle:
    """The scikit-learn objects of an array bundle."""
    from sklearn.pipeline import Pipeline

    from arclf.config import parse_config
    from arclf.features.tfidf import HashedTfidf, build_tfidf
    from arclf.models.calibration import CalibratedLinear, ScoreCalibrator
    from arclf.models.linear import LinearScores
    from arclf.models.pipeline import build_featurizer
    from arclf.models.solver import LinearSVM

    from arclf.bundle.arrays import ArrayPredictor

    cfg = parse_config(arrays["meta"]["config"])
    ArrayPredictor(arrays)  # the checks of the array path: each task's width against its config's feature blocks
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
        kind = t["classifier"]["type"]
        if kind == "LinearSVM":
            params = {k: v for k, v in t["classifier"]["params"].items() if k in LinearSVM().get_params()}
            clf = LinearSVM.from_coef(t["coef"], t["intercept"], t["classes"], params=params)
        else:
            clf = LinearScores.from_arrays(t["coef"], t["intercept"], t["classes"], proba=t["proba"], source=kind)
        if t["calibrator"] is not None:
            c = t["calibrator"]
            cal = ScoreCalibrator.from_arrays(np.asarray(c["classes"], dtype=object), c["coef"], c["intercept"])
            clf = CalibratedLinear.from_parts(clf, cal, folds=cfg.classifier.calibration_folds, seed=cfg.seed)
        tasks[name] = TaskModel(name, t["field"], list(t["labels"]), Pipeline([("tfidf", tfidf), ("clf", clf)]), t["level"],
                                featurizer=task_featurizer)
    return Bundle(featurizer=featurizer, tasks=tasks, meta=arrays["meta"])


def load_bundle(path: str | Path) -> Bundle:
    """Load a bundle from its file (``model.arclf``) or a run folder holding one (``latest`` links work).

    The file is checked first (:func:`arclf.bundle.archive.read_archive`) and never unpickled.

    Raises
    ------
    BundleError
        The file is missing, truncated, not an arclf bundle, a pickled bundle of the earlier format
        (with how to convert it), of another format version, or corrupted or modified.
    """
    try:
        return _rebuild(load_arrays(path))
    except ValueError as exc:  # a config or arrays the model classes refuse
        if isinstance(exc, BundleError):
            raise
        raise BundleError(f"{bundle_file(path)}: bundle corrupted or modified: {exc}") from None


def load_predictor(path: str | Path):
    """What prediction needs, as fast as possible: an :class:`~arclf.bundle.arrays.ArrayPredictor`
    (no scikit-learn import).

    It has, as :class:`Bundle`, ``predict_proba(texts, tasks=None) -> {task: (classes, proba)}`` and ``tasks``.

    Raises
    ------
    BundleError
        As :func:`load_bundle`.
    """
    from arclf.bundle.arrays import ArrayPredictor

    arrays = load_arrays(path)
    try:  # the manifest has no checksum of its own: a config edited into nonsense is refused here
        return ArrayPredictor(arrays)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BundleError(f"{bundle_file(path)}: bundle corrupted or modified: {MANIFEST_NAME} config "
                          f"({exc.__class__.__name__}: {exc})") from None
