"""What ``arclf bundle info|verify|convert`` do: read a bundle's manifest, check it whole, convert an old one.

:func:`convert_bundle` is the only function in arclf that unpickles, and only when asked with
``trust_pickle=True``: bundles of the earlier format (2) were joblib pickles, and loading a pickle
runs whatever code it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from arclf.errors import BundleError

__all__ = ["BundleInfo", "VerifyReport", "bundle_info", "verify_bundle", "convert_bundle", "headline_scores"]


def headline_scores(metrics: dict) -> dict:
    """Per task, the scores of a run that a bundle's manifest carries, from the run's ``metrics.json``.

    Returns
    -------
    dict
        Task -> ``split`` (which split made the scores), ``scheme``, ``folds``, ``n_examples``,
        ``accuracy``, ``macro_f1``, ``macro_f1_std`` (means over folds) and ``per_class_f1``.
    """
    out = {}
    for name, entry in (metrics.get("tasks") or {}).items():
        cv = entry.get("cv")
        if not cv:
            continue
        out[name] = {"split": cv.get("split"), "scheme": cv.get("scheme"), "folds": cv.get("folds"),
                     "n_examples": entry.get("n_examples"), "accuracy": (cv.get("accuracy") or {}).get("mean"),
                     "macro_f1": (cv.get("macro_f1") or {}).get("mean"), "macro_f1_std": (cv.get("macro_f1") or {}).get("std"),
                     "per_class_f1": {k: (v.get("f1") or {}).get("mean") for k, v in (cv.get("per_class") or {}).items()}}
    return out


@dataclass
class BundleInfo:
    """What :func:`bundle_info` returns.

    Attributes
    ----------
    path : Path
        The bundle file.
    size : int
        Its size in bytes.
    manifest : dict
        The whole manifest (format, versions, created, run_id, data_fingerprint, n_examples,
        config, metrics, abstention, tasks, arrays).
    """

    path: Path
    size: int
    manifest: dict

    def summary(self) -> dict:
        """A readable digest: format, versions, run, data fingerprint, config summary, and per task
        its field, labels, classifier, calibration and the run's scores (with the split that made them)."""
        m = self.manifest
        cfg = m.get("config") or {}
        feats, clf = cfg.get("features") or {}, cfg.get("classifier") or {}
        corpora = [c.get("name") for c in (cfg.get("data") or {}).get("corpora", [])]
        metrics = m.get("metrics") or {}
        tasks = {}
        for name, t in m.get("tasks", {}).items():
            n_cols = m["arrays"].get(t["members"]["columns"], {}).get("shape", [None])[0]
            tasks[name] = {"field": t.get("field"), "level": t.get("level"), "labels": t.get("labels"),
                           "classifier": (t.get("classifier") or {}).get("type"),
                           "probabilities": "calibrated" if t.get("calibrator") else t.get("proba"),
                           "n_columns": n_cols, "scores": metrics.get(name)}
        return {"path": str(self.path), "bytes": self.size, "format_version": m.get("format_version"),
                "arclf_version": m.get("arclf_version"), "created": m.get("created"), "run_id": m.get("run_id"),
                "data_fingerprint": m.get("data_fingerprint"), "n_examples": m.get("n_examples"),
                "config": {"name": cfg.get("name"), "seed": cfg.get("seed"), "corpora": corpora,
                           "sample": (cfg.get("data") or {}).get("sample"),
                           "features": f"{feats.get('kind')} n-grams, {feats.get('n_features')} hashed columns per block, "
                                       f"min_df {feats.get('min_df')}, sublinear_tf {feats.get('sublinear_tf')}"
                                       + (f", title block weight {feats['title_weight']}" if feats.get("title_weight") else ""),
                           "classifier": f"{clf.get('kind')} (C {clf.get('C')}, alpha {clf.get('alpha')}, "
                                         f"calibration {clf.get('calibration')})",
                           "cv": (cfg.get("cv") or {}).get("scheme")},
                "tasks": tasks}


def bundle_info(path: str | Path) -> BundleInfo:
    """The manifest of a bundle (file or run folder), after the checks of :func:`verify_bundle`.

    A damaged bundle is refused rather than described: ``info`` must not call a bundle healthy
    that ``predict`` would refuse.

    Raises
    ------
    BundleError
        As :func:`verify_bundle`.
    """
    from arclf.bundle.archive import read_manifest
    from arclf.bundle.model import bundle_file

    file = bundle_file(path)
    verify_bundle(file)
    return BundleInfo(file, file.stat().st_size if file.exists() else 0, read_manifest(file))


@dataclass
class VerifyReport:
    """What :func:`verify_bundle` returns for a bundle that passed every check.

    Attributes
    ----------
    path : Path
    format_version : int
    members : dict
        Member name -> ``{"dtype", "shape", "bytes", "sha256"}``, each checked.
    tasks : list of str
    """

    path: Path
    format_version: int
    members: dict
    tasks: list


def verify_bundle(path: str | Path) -> VerifyReport:
    """Check a bundle whole, as loading does: format, sizes, every SHA-256, shapes, and that it rebuilds.

    Raises
    ------
    BundleError
        The first check that fails, in one line (see :func:`arclf.bundle.archive.read_archive`).
    """
    from arclf.bundle.archive import read_archive
    from arclf.bundle.arrays import ArrayPredictor
    from arclf.bundle.model import bundle_file, from_manifest

    file = bundle_file(path)
    manifest, members = read_archive(file)
    arrays = from_manifest(manifest, members, file)
    try:
        ArrayPredictor(arrays)
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleError(f"{file}: bundle corrupted or modified: its config ({exc.__class__.__name__}: {exc})") from None
    return VerifyReport(file, manifest["format_version"], manifest["arrays"], list(arrays["tasks"]))


def convert_bundle(old: str | Path, new: str | Path, *, trust_pickle: bool = False) -> Path:
    """Rewrite a pickled bundle of arclf's earlier format (2, ``model.joblib``) in the safe format.

    This unpickles ``old``, which runs any code the file holds: do it only for a file whose
    origin you trust. It is the only place arclf unpickles.

    Parameters
    ----------
    old : str or Path
        The ``model.joblib`` file, or a run folder holding one.
    new : str or Path
        The bundle file to write (``.arclf``); must not exist.
    trust_pickle : bool, default=False
        Must be True: the caller vouches for the file.

    Returns
    -------
    Path
        ``new``, checked by :func:`verify_bundle`.

    Raises
    ------
    BundleError
        ``trust_pickle`` is False, ``new`` exists, or ``old`` is not a readable format-2 bundle.
    """
    from arclf.bundle.model import OLD_BUNDLE_FILE, Bundle, from_manifest, to_manifest

    old, new = Path(old), Path(new)
    if old.is_dir():
        old = old / OLD_BUNDLE_FILE
    if not trust_pickle:
        raise BundleError(f"{old}: converting unpickles the file, which runs any code it holds; "
                          "pass --trust-pickle (trust_pickle=True) only if you trust where it came from")
    if new.exists():
        raise BundleError(f"{new} exists; name a new file")
    if not old.is_file():
        raise BundleError(f"{old}: no such file")
    payload = _unpickle(old)
    if not isinstance(payload, dict) or payload.get("arclf_bundle") != 2:
        found = payload.get("arclf_bundle") if isinstance(payload, dict) else type(payload).__name__
        raise BundleError(f"{old}: not an arclf bundle of format 2 (found {found!r})")
    metrics_file = old.parent / "metrics.json"  # the run folder's scores, which format 2 did not carry
    if "arrays" in payload:
        from arclf.bundle.archive import write_archive

        arrays = payload["arrays"]
        if "metrics" not in arrays["meta"] and metrics_file.is_file():
            arrays["meta"]["metrics"] = _scores(metrics_file)
        for t in arrays["tasks"].values():  # format 2 stored only LinearSVM heads this way
            t.setdefault("proba", "softmax")
            t.setdefault("classifier", {"type": "LinearSVM", "params": t.pop("svm_params", {})})
        manifest, members = to_manifest(arrays)
        from_manifest(manifest, members, old)  # the shapes fit together before anything is written
        write_archive(new, manifest, members)
    elif isinstance(payload.get("bundle"), Bundle):
        bundle = payload["bundle"]
        if "metrics" not in bundle.meta and metrics_file.is_file():
            bundle.meta["metrics"] = _scores(metrics_file)
        bundle.save(new)
    else:
        raise BundleError(f"{old}: format-2 bundle without arrays or a Bundle (found {sorted(payload)})")
    verify_bundle(new)
    return new


def _scores(metrics_file: Path) -> dict:
    import json

    try:
        return headline_scores(json.loads(metrics_file.read_text(encoding="utf-8")))
    except (OSError, ValueError, AttributeError):
        return {}


def _unpickle(file: Path):
    """joblib.load: the one unpickling call in arclf (see :func:`convert_bundle`)."""
    import pickle
    import struct
    import zlib

    import joblib

    try:
        return joblib.load(file)
    except (EOFError, pickle.UnpicklingError, zlib.error, struct.error, ValueError, TypeError, KeyError, IndexError,
            AttributeError, ImportError, OSError) as exc:
        raise BundleError(f"{file}: cannot unpickle it ({exc.__class__.__name__}); it is truncated or not an arclf bundle") from None
