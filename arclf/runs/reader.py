"""Read finished run folders back: the inputs of ``arclf compare`` and ``arclf report``.

A run folder (written by :mod:`arclf.runs.writer`) is
``experiments/runs/<config-name>/<YYYYmmdd-HHMMSS>-<confighash8>/`` and holds
``config.yaml`` (resolved config), ``run.json`` (provenance), ``metrics.json`` (per-task
cross-validated metrics) and ``oof/<task>.parquet`` (out-of-fold predictions). This module
only reads them, plus two atomic writers used by the report and plot functions.
"""

from __future__ import annotations

import dataclasses
import glob
import json
from pathlib import Path

from arclf.errors import DataError
from arclf.util.files import read_yaml

__all__ = [
    "SCHEMA_VERSION", "Run", "load_run", "resolve_runs", "is_run_dir",
]

#: Newest run-folder schema this module reads.
SCHEMA_VERSION = 1
_REQUIRED = ("run.json", "metrics.json", "config.yaml")
_OOF_COLUMNS = ("id", "fold", "y_true", "y_pred")
_GLOB_CHARS = set("*?[")


@dataclasses.dataclass
class Run:
    """One finished run folder, loaded.

    Attributes
    ----------
    path : Path
        The run folder (resolved, absolute).
    run : dict
        ``run.json``: provenance (name, run_id, created, git, versions, data fingerprint...).
    config : dict
        ``config.yaml``: the fully resolved config.
    metrics : dict
        ``metrics.json``: ``{"schema_version", "tasks": {task: {...}}}``.
    """

    path: Path
    run: dict
    config: dict
    metrics: dict
    _oof: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    @property
    def run_id(self) -> str:
        """The folder name, e.g. ``20260101-120000-1a2b3c4d``."""
        return str(self.run.get("run_id") or self.path.name)

    @property
    def name(self) -> str:
        """The config (experiment) name."""
        return str(self.run.get("name") or self.config.get("name") or self.path.parent.name)

    @property
    def label(self) -> str:
        """``<name>/<run_id>``: unique across experiments, used in tables and plots."""
        return f"{self.name}/{self.run_id}"

    @property
    def tasks(self) -> list[str]:
        """Task names with metrics, in the order of ``metrics.json``."""
        return list(self.metrics.get("tasks", {}))

    @property
    def fingerprint(self) -> str | None:
        """SHA-256 of the data (id, text, labels), or None if the run does not record it."""
        return (self.run.get("data") or {}).get("fingerprint")

    def task(self, task: str | None = None) -> str:
        """Return ``task`` if the run has it, or the run's only task when ``task`` is None.

        Raises
        ------
        DataError
            If the run lacks the task, or has several and none was named.
        """
        if task is None:
            if len(self.tasks) != 1:
                raise DataError(f"{self.path}: run has tasks {self.tasks}; name one (e.g. --task {self.tasks[0] if self.tasks else 'topic'})")
            return self.tasks[0]
        if task not in self.metrics.get("tasks", {}):
            raise DataError(f"{self.path}: run has no task {task!r} (it has {', '.join(self.tasks) or 'none'})")
        return task

    def task_metrics(self, task: str | None = None) -> dict:
        """``metrics.json`` entry of one task (see :meth:`task` for ``None``)."""
        return self.metrics["tasks"][self.task(task)]

    def oof_path(self, task: str) -> Path:
        """Where the out-of-fold predictions of ``task`` are stored."""
        return self.path / "oof" / f"{task}.parquet"

    def has_oof(self, task: str) -> bool:
        """Whether ``oof/<task>.parquet`` exists."""
        return self.oof_path(task).is_file()

    def oof(self, task: str | None = None):
        """Out-of-fold predictions of one task, read on first use and cached.

        Returns
        -------
        pandas.DataFrame of shape (n_examples, 4 + n_labels)
            Columns ``id`` (str), ``fold`` (int), ``y_true`` (str), ``y_pred`` (str) and
            ``proba:<label>`` (float) per label when the classifier has probabilities.

        Raises
        ------
        DataError
            If the file is missing, unreadable or lacks a required column.
        """
        task = self.task(task)
        if task not in self._oof:
            self._oof[task] = _read_oof(self.oof_path(task))
        return self._oof[task]

    def proba_columns(self, task: str | None = None) -> list[str]:
        """The ``proba:<label>`` columns of the task's OOF frame (empty without probabilities)."""
        return [c for c in self.oof(task).columns if str(c).startswith("proba:")]


def _read_oof(path: Path):
    import pandas as pd

    if not path.is_file():
        raise DataError(f"{path}: out-of-fold predictions missing; re-run training to write them")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types for a bad file
        raise DataError(f"{path}: cannot read parquet ({exc.__class__.__name__}); the run is incomplete or corrupt") from None
    missing = [c for c in _OOF_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {missing}; expected id, fold, y_true, y_pred")
    for col in ("id", "y_true", "y_pred"):
        frame[col] = frame[col].astype(str)
    frame["fold"] = frame["fold"].astype(int)
    return frame


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON (line {exc.lineno}); the run is incomplete or corrupt") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a JSON object at the top level")
    version = data.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise DataError(f"{path}: schema_version {version!r} is newer than this arclf reads ({SCHEMA_VERSION}); upgrade arclf")
    return data


def _read_yaml(path: Path) -> dict:
    return read_yaml(path, what="run config (the run is incomplete or corrupt)", error=DataError)


def is_run_dir(path: str | Path) -> bool:
    """Whether ``path`` is a folder holding ``metrics.json`` (a finished run)."""
    return (Path(path) / "metrics.json").is_file()


def load_run(path: str | Path) -> Run:
    """Load one run folder.

    Parameters
    ----------
    path : str or Path
        The run folder, or one of its files (``metrics.json``, ``run.json``...).

    Returns
    -------
    Run
        With ``run``, ``config`` and ``metrics`` read; OOF predictions are read lazily.

    Raises
    ------
    DataError
        If the folder does not exist, lacks ``run.json``, ``metrics.json`` or
        ``config.yaml`` (an unfinished or foreign folder), or a file is corrupt.
    """
    path = Path(path).expanduser()
    if path.is_file() and path.name in _REQUIRED:
        path = path.parent
    if not path.is_dir():
        raise DataError(f"{path}: no such run folder")
    missing = [name for name in _REQUIRED if not (path / name).is_file()]
    if missing:
        raise DataError(f"{path}: not a finished run folder (missing {', '.join(missing)}); pass experiments/runs/<name>/<run-id>")
    metrics = _read_json(path / "metrics.json")
    if not isinstance(metrics.get("tasks"), dict):
        raise DataError(f"{path / 'metrics.json'}: no 'tasks' mapping; the run is incomplete or corrupt")
    return Run(path=path.resolve(), run=_read_json(path / "run.json"),
               config=_read_yaml(path / "config.yaml"), metrics=metrics)


def _runs_under(folder: Path) -> list[Path]:
    """Finished runs directly under an experiment folder, oldest first (names start with a timestamp)."""
    out = []
    for child in sorted(folder.iterdir()):
        if child.name == "latest" or child.name.startswith(".") or not child.is_dir():
            continue
        if is_run_dir(child):
            out.append(child)
    return out


def _expand(spec: str, root: Path) -> list[Path]:
    path = Path(spec).expanduser()
    bases = [path] if path.is_absolute() else [path, root / spec]
    if _GLOB_CHARS & set(spec):
        for base in bases:
            dirs = [Path(h) for h in sorted(glob.glob(str(base))) if Path(h).is_dir()]
            # a glob over experiment folders (e.g. "ant-*") means all their runs
            runs = [r for d in dirs for r in ([d] if is_run_dir(d) else _runs_under(d))]
            if runs:
                return runs
        raise DataError(f"{spec!r}: the pattern matches no finished run folder (looked in . and {root})")
    unfinished = None
    for candidate in bases:
        if candidate.is_dir():
            if is_run_dir(candidate):
                return [candidate]
            runs = _runs_under(candidate)
            if runs:
                return runs
            unfinished = unfinished or candidate
    if unfinished is not None:
        if not any(child.is_dir() for child in unfinished.iterdir()):
            load_run(unfinished)  # a leaf folder: raises naming the files a run needs
        raise DataError(f"{unfinished}: no finished run inside (no metrics.json); train it first or pass a run folder")
    raise DataError(f"{spec!r}: not a run folder, a glob, or an experiment name under {root}")


def resolve_runs(specs: list[str], root: str | Path = "experiments/runs") -> list[Run]:
    """Turn command-line run specs into loaded runs.

    Parameters
    ----------
    specs : list of str
        Each one is a run folder, a glob (``experiments/runs/ant-*/*``; tried as given, then
        under ``root``), or an experiment name meaning all its finished runs
        (``root/<name>/*``, oldest first, skipping the ``latest`` symlink and folders without
        ``metrics.json`` such as an unfinished ``.tmp-*`` one). ``<name>/<run-id>`` and
        ``<name>/latest`` under ``root`` also work.
    root : str or Path, default="experiments/runs"
        Where experiment folders live.

    Returns
    -------
    list of Run
        In the order given, each folder once.

    Raises
    ------
    DataError
        If no spec was given or a spec matches no finished run.
    """
    if not specs:
        raise DataError("no runs given; pass run folders, globs or experiment names")
    root = Path(root).expanduser()
    seen: set[Path] = set()
    runs = []
    for spec in specs:
        for path in _expand(str(spec), root):
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                runs.append(load_run(path))
    return runs
