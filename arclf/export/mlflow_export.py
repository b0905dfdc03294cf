"""Log finished arclf runs to MLflow: config as params, scores as metrics, the folder's files as artifacts.

Each run folder becomes one MLflow run in an experiment (by default named as the run's config):

- **params**: the resolved config, flattened to dotted keys (``classifier.C``, ``features.char.ngram_range``,
  ``tasks.0.name``), as :func:`arclf.runs.compare.flatten_config` flattens it for ``arclf compare``;
- **metrics**: per task ``<task>/accuracy``, ``<task>/macro_f1`` (mean over folds) and its ``_std``,
  ``<task>/weighted_f1``, per class ``<task>/f1/<label>`` (also precision, recall), and per fold
  ``<task>/fold/macro_f1`` (accuracy, weighted_f1) with the fold number as the step; every
  task's split (``cv-oof``, held-out corpus...) is the tag ``arclf.split.<task>``;
- **tags**: ``arclf.run_id``, ``arclf.data_fingerprint``, ``arclf.config_hash``, ``arclf.variant``,
  the git commit as MLflow's own ``mlflow.source.git.commit`` and ``arclf.git_dirty``;
- **artifacts**: ``report.md``, the figures (``*.png``), ``config.yaml``, ``metrics.json``,
  ``run.json`` and the bundle (``model.arclf``) when the folder holds them.

Without a tracking URI the runs go to the local folder ``mlruns/`` (an SQLite database and an
artifacts folder, :func:`local_store`): no server needed. An arclf run is found again by its ``arclf.run_id`` tag, so exporting it twice adds nothing; a
run whose earlier export was interrupted (no ``arclf.exported`` tag) is deleted and logged anew.
MLflow docs: https://mlflow.org/docs/latest/api_reference/python_api/mlflow.client.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from arclf.errors import ArclfError, ConfigError

__all__ = ["ExportError", "ExportResult", "ExportedRun", "export_mlflow", "DEFAULT_TRACKING_DIR", "local_store", "run_metrics"]

#: Where runs are logged without ``--tracking-uri`` or ``MLFLOW_TRACKING_URI``: a local folder, no server.
DEFAULT_TRACKING_DIR = "mlruns"
_ARTIFACTS = ("report.md", "config.yaml", "metrics.json", "run.json", "model.arclf")
_BAD_KEY = re.compile(r"[^\w\-. /]")
_MAX_PARAM = 6000  # MLflow's limit on a param value


@dataclass
class ExportedRun:
    """One arclf run and the MLflow run that holds it.

    Attributes
    ----------
    path : Path
        The arclf run folder.
    arclf_run_id : str
    mlflow_run_id : str
    status : str
        ``logged`` (new), ``already exported`` (found by its tag, nothing written) or
        ``replaced`` (an interrupted earlier export was deleted and logged anew).
    n_params, n_metrics : int
        How many params and metric values were logged (0 when already exported).
    artifacts : list of str
        Files logged as artifacts.
    """

    path: Path
    arclf_run_id: str
    mlflow_run_id: str
    status: str
    n_params: int = 0
    n_metrics: int = 0
    artifacts: list = field(default_factory=list)


@dataclass
class ExportResult:
    """What :func:`export_mlflow` returns: the tracking URI and one :class:`ExportedRun` per run."""

    tracking_uri: str
    experiments: dict
    runs: list


def _key(*parts) -> str:
    """An MLflow key from parts joined by ``/`` (characters MLflow refuses become ``_``)."""
    return "/".join(_BAD_KEY.sub("_", str(p)) for p in parts)


def run_metrics(metrics: dict) -> tuple[list[tuple[str, float, int]], dict[str, str]]:
    """``([(key, value, step), ...], {task: split})`` of a run's ``metrics.json``.

    Headline and per-class metrics have step 0; per-fold metrics have the fold number as step.
    Values that are missing or not finite numbers are left out.
    """
    import math

    out, splits = [], {}

    def add(key, value, step=0):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            out.append((key, float(value), int(step)))

    for task, entry in (metrics.get("tasks") or {}).items():
        cv = entry.get("cv") or {}
        splits[task] = str(cv.get("split", "unknown"))
        for name in ("accuracy", "macro_f1", "weighted_f1"):
            stat = cv.get(name) or {}
            add(_key(task, name), stat.get("mean"))
            add(_key(task, f"{name}_std"), stat.get("std"))
        for label, scores in (cv.get("per_class") or {}).items():
            for name in ("precision", "recall", "f1"):
                add(_key(task, name, label), (scores.get(name) or {}).get("mean"))
            add(_key(task, "support", label), scores.get("support"))
        for i, fold in enumerate(entry.get("folds") or []):
            for name in ("accuracy", "macro_f1", "weighted_f1"):
                add(_key(task, "fold", name), fold.get(name), fold.get("fold", i))
    return out, splits


def _params(config: dict) -> dict[str, str]:
    import json

    from arclf.runs.compare import flatten_config

    out = {}
    for key, value in flatten_config(config).items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        out[_key(key)] = text[:_MAX_PARAM]
    return out


def _tags(run) -> dict[str, str]:
    git = run.run.get("git") or {}
    tags = {"arclf.run_id": run.run_id, "arclf.name": run.name, "arclf.kind": run.run.get("kind"),
            "arclf.data_fingerprint": run.fingerprint, "arclf.config_hash": run.run.get("config_hash"),
            "arclf.variant": run.run.get("variant"), "arclf.created": run.run.get("created"),
            "mlflow.source.git.commit": git.get("commit"), "arclf.git_dirty": git.get("dirty"),
            "arclf.versions": ", ".join(f"{k} {v}" for k, v in (run.run.get("versions") or {}).items()) or None}
    return {k: str(v) for k, v in tags.items() if v is not None}


def _millis(created: str | None) -> int | None:
    import datetime as dt

    try:
        stamp = dt.datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return int(stamp.timestamp() * 1000)


def _chunks(items: list, n: int):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def local_store(folder: str | Path) -> tuple[str, str]:
    """``(tracking URI, artifact root)`` of a tracking store kept in a local folder, no server needed.

    The runs go to an SQLite database ``<folder>/mlflow.db`` (MLflow's default backend since 3.7;
    its plain-file backend is in maintenance mode) and the artifacts to ``<folder>/artifacts``.
    """
    folder = Path(folder).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mlflow.db'}", (folder / "artifacts").as_uri()


def _store(tracking_uri: str | None) -> tuple[str, str | None]:
    """The tracking URI to use and, for a local folder, where its experiments keep artifacts."""
    import os

    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        return local_store(DEFAULT_TRACKING_DIR)
    if "://" not in uri and ":" not in uri.split("/")[0]:  # a plain folder path
        return local_store(uri)
    return uri, None


def _experiment_id(client, name: str, artifact_root: str | None) -> str:
    exp = client.get_experiment_by_name(name)
    if exp is None:
        location = f"{artifact_root}/{_key(name).replace('/', '_')}" if artifact_root else None
        return client.create_experiment(name, artifact_location=location)
    if exp.lifecycle_stage != "active":
        raise ConfigError(f"MLflow experiment {name!r} is deleted; restore it or export to another --experiment")
    return exp.experiment_id


def _find(client, experiment_id: str, arclf_run_id: str):
    runs = client.search_runs([experiment_id], filter_string=f"tags.`arclf.run_id` = '{arclf_run_id}'", max_results=10)
    return runs


def _log_one(client, experiment_id: str, run) -> ExportedRun:
    from mlflow.entities import Metric, Param, RunTag

    found = _find(client, experiment_id, run.run_id)
    status = "logged"
    for old in found:
        if old.data.tags.get("arclf.exported") == "1":
            return ExportedRun(run.path, run.run_id, old.info.run_id, "already exported")
        client.delete_run(old.info.run_id)  # an interrupted export: replace it
        status = "replaced"
    start = _millis(run.run.get("created"))
    tags = _tags(run)
    mlrun = client.create_run(experiment_id, start_time=start, tags=tags,
                              run_name=run.run.get("variant") or run.run_id)
    rid = mlrun.info.run_id
    try:
        params = _params(run.config)
        values, splits = run_metrics(run.metrics)
        stamp = start or 0
        for batch in _chunks([Param(k, v) for k, v in params.items()], 100):
            client.log_batch(rid, params=batch)
        for batch in _chunks([Metric(k, v, stamp, s) for k, v, s in values], 1000):
            client.log_batch(rid, metrics=batch)
        client.log_batch(rid, tags=[RunTag(f"arclf.split.{_key(t)}", s) for t, s in splits.items()][:100])
        artifacts = [p for p in (run.path / a for a in _ARTIFACTS) if p.is_file()] + sorted(run.path.glob("*.png"))
        for path in artifacts:
            client.log_artifact(rid, str(path), artifact_path="figures" if path.suffix == ".png" else None)
        client.set_tag(rid, "arclf.exported", "1")
        end = start + int(float(run.run.get("wall_seconds") or 0) * 1000) if start else None
        client.set_terminated(rid, "FINISHED", end_time=end)
    except BaseException:
        client.set_terminated(rid, "FAILED")
        raise
    return ExportedRun(run.path, run.run_id, rid, status, len(params), len(values), [p.name for p in artifacts])


class ExportError(ArclfError):
    """The tracking server could not be reached or refused a request (exit code 2: check the URI)."""

    exit_code = 2


def _check_reachable(uri: str, timeout: float = 5.0) -> None:
    """Fail fast when an ``http(s)://`` tracking server does not answer at all (any HTTP answer will do)."""
    import urllib.error
    import urllib.request

    if not uri.startswith(("http://", "https://")):
        return
    try:
        urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=timeout).close()  # noqa: S310 (http(s) only)
    except urllib.error.HTTPError:
        return  # it answered: a server is there (auth or paths are MLflow's to report)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ExportError(f"MLflow at {uri}: no tracking server answers ({reason}); start one "
                          f"(mlflow server) or give another --tracking-uri, or none for a local folder") from None


def export_mlflow(runs, *, tracking_uri: str | None = None, experiment: str | None = None,
                  root: str | Path = "experiments/runs") -> ExportResult:
    """Log arclf run folders to an MLflow tracking store, each once.

    Parameters
    ----------
    runs : list of str, Path or arclf.runs.Run
        Run folders, globs or experiment names, as ``arclf compare`` takes them
        (:func:`arclf.runs.reader.resolve_runs`).
    tracking_uri : str, optional
        Where to log: a local folder (see :func:`local_store`), or an MLflow URI
        (``sqlite:///mlflow.db``, ``http://host:5000``...). Default: ``$MLFLOW_TRACKING_URI``, else
        the local folder :data:`DEFAULT_TRACKING_DIR` (no server needed).
    experiment : str, optional
        MLflow experiment name for every run; default each run's config name.
    root : str or Path, default="experiments/runs"
        Where experiment folders live (for names and globs).

    Returns
    -------
    ExportResult

    Raises
    ------
    ConfigError
        MLflow is not installed (``pip install 'arclf[mlflow]'``), or the experiment is deleted.
    DataError
        A run spec matches no finished run.
    ExportError
        The tracking server cannot be reached (checked once, 5 s at most, before anything is
        logged: MLflow's own client retries for minutes), or MLflow refused a request (its
        message is kept).
    """
    from arclf.runs.reader import Run, resolve_runs

    try:
        import mlflow  # noqa: F401
        from mlflow.exceptions import MlflowException
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise ConfigError("MLflow export needs mlflow: pip install 'arclf[mlflow]'") from None
    loaded = [r for r in runs if isinstance(r, Run)]
    specs = [str(r) for r in runs if not isinstance(r, Run)]
    loaded += resolve_runs(specs, root) if specs else []
    uri, artifact_root = _store(tracking_uri)
    _check_reachable(uri)
    out, experiments = [], {}
    try:
        client = MlflowClient(tracking_uri=uri)
        for run in loaded:
            name = experiment or run.name
            if name not in experiments:
                experiments[name] = _experiment_id(client, name, artifact_root)
            out.append(_log_one(client, experiments[name], run))
    except MlflowException as exc:
        first = str(getattr(exc, "message", exc)).strip().splitlines()[0]
        raise ExportError(f"MLflow at {uri}: {first}") from None
    return ExportResult(uri, experiments, out)
