"""Model bundles: every task's fitted pipeline in one joblib file, with labels and metadata.

A bundle holds one shared, stateless *featurizer* (normalization + hashed n-grams) and, per task,
a fitted *head* (TF-IDF + classifier). It is written atomically (temporary file, then rename).
"""

from __future__ import annotations

import os
import pickle
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BundleError

__all__ = ["Bundle", "TaskModel", "load_bundle", "BUNDLE_FORMAT"]

BUNDLE_FORMAT = 1


@dataclass
class TaskModel:
    """One task of a bundle: its name, the schema field it predicts, its labels and its fitted head."""

    name: str
    field: str
    labels: list
    head: object  # sklearn Pipeline([('tfidf', ...), ('clf', ...)])
    level: str | None = None


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

        return Pipeline(self.featurizer.steps + self.tasks[task].head.steps)

    def save(self, path: str | Path, *, compress: int = 3) -> Path:
        """Write the bundle with joblib (zlib level ``compress``) to ``path`` atomically; return the path."""
        import joblib

        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp")
        joblib.dump(self, tmp, compress=compress)
        os.replace(tmp, path)
        return path


def _bundle_file(path: Path) -> Path:
    if path.is_dir():
        return path / "model.joblib"
    return path


def load_bundle(path: str | Path) -> Bundle:
    """Load a bundle from ``model.joblib`` or from a run folder holding one (``latest`` links work).

    Raises
    ------
    BundleError
        The file is missing, truncated, not an arclf bundle, or of another bundle format.
    """
    import joblib

    file = _bundle_file(Path(path))
    if not file.exists():
        raise BundleError(f"{file}: no model bundle here; train one with `arclf train CONFIG` (without --no-save)")
    try:
        bundle = joblib.load(file)
    except (EOFError, pickle.UnpicklingError, zlib.error, ValueError, KeyError, IndexError, AttributeError, ImportError, OSError) as exc:
        raise BundleError(f"{file}: cannot read the bundle ({exc.__class__.__name__}): it is truncated or not an arclf bundle; retrain it with `arclf train`") from None
    if not isinstance(bundle, Bundle):
        raise BundleError(f"{file}: not an arclf bundle (found {type(bundle).__name__})")
    if bundle.format != BUNDLE_FORMAT:
        raise BundleError(f"{file}: bundle format {bundle.format}, this arclf reads format {BUNDLE_FORMAT}; retrain it")
    return bundle
