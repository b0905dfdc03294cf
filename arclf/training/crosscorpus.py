"""Evaluate a trained bundle on other data: cross-corpus scores recorded as a run folder.

:func:`evaluate_bundle` loads the corpora of a config's ``data`` section exactly as training
does, predicts every bundle task whose label field the data has, and scores the rows whose
true label the bundle knows (the others are counted per label, never silently dropped). The
result is written like a training run (``kind: evaluate``, one "fold", split
``evaluate:<corpora>``), so ``arclf report`` draws it and ``arclf compare`` lists it beside
training runs (in a group of its own: a cross-corpus score is not a cross-validated one).
"""

from __future__ import annotations

import collections
import datetime as _dt
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arclf.config import Config, TaskSpec, config_hash, load_config
from arclf.engine import current_engine, use_engine
from arclf.errors import ConfigError, DataError
from arclf.evaluation.folds import fold_fingerprint, fold_metrics, summarize_folds
from arclf.runs.provenance import StageMonitor, data_fingerprint, run_record
from arclf.runs.writer import RunWriter, check_new_run_dir, write_run_folder
from arclf.training.dataset import Progress, load_rows, no_progress, task_labels, text_chunks, text_digests
from arclf.util.files import read_yaml

__all__ = ["EvalResult", "evaluate_bundle", "predict_batch"]

@dataclass
class EvalResult:
    """What :func:`evaluate_bundle` returns.

    Attributes
    ----------
    run_dir : Path or None
        The completed run folder (None with ``save=False``).
    metrics : dict
        ``metrics.json``: per evaluated task ``n_examples`` (rows scored), ``excluded`` (true
        label unknown to the bundle -> rows), ``unlabeled`` and the ``cv`` block (scheme
        ``evaluate``, one fold).
    run : dict
        ``run.json``: the evaluation data under ``data``, the bundle's run id and training-data
        fingerprint under ``bundle``, and ``skipped_tasks`` (task -> why it was not scored).
    oof : dict of str to pandas.DataFrame
        Per task ``id``, ``fold`` (0), ``y_true``, ``y_pred`` and ``proba:<label>`` columns.
    """

    run_dir: Path | None
    metrics: dict
    run: dict
    oof: dict

    def headline(self, task: str | None = None) -> dict:
        """``{'task', 'split', 'macro_f1', 'accuracy', 'n', 'excluded'}`` of one task (default: the first)."""
        task = task or next(iter(self.metrics["tasks"]))
        entry = self.metrics["tasks"][task]
        cv = entry["cv"]
        return {"task": task, "split": cv["split"], "macro_f1": cv["macro_f1"]["mean"], "accuracy": cv["accuracy"]["mean"],
                "n": entry["n_examples"], "excluded": entry["excluded"]}


def _eval_config(config, overrides, bundle) -> Config:
    """The evaluation config with the bundle's tasks (all, or those the config names).

    A config without ``tasks`` is accepted: the bundle's tasks are filled in.
    """
    import json


    tasks = [{"name": t.name, "field": t.field, "level": t.level} for t in bundle.tasks.values()]
    if isinstance(config, Config):
        cfg = config
    else:
        try:
            raw = read_yaml(config, what="config file")
        except ConfigError:
            raw = None  # load_config reports it, with the overrides applied
        fill = [f"tasks={json.dumps(tasks)}"] if isinstance(raw, dict) and "tasks" not in raw else []
        cfg = load_config(config, [*fill, *(overrides or [])])
        cfg.set_origin(overrides=list(overrides or []))
    wanted = [t.name for t in cfg.tasks]
    unknown = [n for n in wanted if n not in bundle.tasks]
    if unknown:
        raise ConfigError(f"tasks {unknown} are not in the bundle (it has {', '.join(bundle.tasks)}); "
                          "name bundle tasks or leave 'tasks' out to evaluate them all")
    model = bundle.tasks
    return cfg.model_copy(update={"tasks": [TaskSpec(name=n, field=model[n].field, level=model[n].level) for n in wanted]})


def _score_rows(y: np.ndarray, known: set) -> tuple[np.ndarray, dict, int]:
    """Rows to score (true label known to the bundle), excluded label -> count, unlabeled count."""
    labelled = np.array([v is not None for v in y], dtype=bool)
    ok = np.array([v is not None and str(v) in known for v in y], dtype=bool)
    excluded = collections.Counter(str(v) for v in y[labelled & ~ok])
    return np.flatnonzero(ok), dict(excluded.most_common()), int((~labelled).sum())


def _predict_rows(bundle, chunks, ids, wanted: np.ndarray, tasks: list[str], progress: Progress) -> dict:
    """Predictions for ``tasks`` of the rows where ``wanted`` is True: row -> Prediction.

    ``chunks`` yields the texts of every row in order, a batch at a time (so a large corpus is
    never held as Python strings at once). The batches are scored on the current engine
    (:func:`arclf.engine.current_engine`: on a Dask cluster, over its workers, the bundle sent once).
    """
    from arclf.engine import current_engine

    def batches():
        start = 0
        for texts in chunks:
            rows = start + np.flatnonzero(wanted[start:start + len(texts)])
            if len(rows):
                yield rows, [texts[i - start] for i in rows], [str(ids[i]) for i in rows]
            start += len(texts)

    out, total = {}, int(wanted.sum())
    for rows, preds in current_engine().map(predict_batch, batches(), bundle, tasks):
        out.update(zip(rows.tolist(), preds))
        progress("predict", len(out), total)
    return out


def predict_batch(batch: tuple, bundle, tasks: list[str]) -> tuple:
    """``(rows, predictions)`` of one ``(rows, texts, ids)`` batch (an engine task: the bundle is shared)."""
    from arclf.prediction.predictor import predict

    rows, texts, ids = batch
    return rows, predict(bundle, texts, ids=ids, tasks=tasks)


def _task_result(name: str, labels: list[str], rows, y, ids, preds: dict, split: str, n_train):
    """metrics.json entry and OOF frame of one task."""
    import pandas as pd

    y_true = y[rows].astype(str).astype(object)
    answers = [preds[i].tasks[name] for i in rows.tolist()]
    y_pred = np.asarray([a.label for a in answers], dtype=object)  # the most probable label (no min_proba)
    m = fold_metrics(list(y_true), list(y_pred), labels)
    fold = {"fold": 0, "held_out": None, "n_train": n_train, "n_test": int(len(rows)), **m}
    block = summarize_folds([fold], labels, y_true, y_pred, scheme="evaluate", split=split)
    row_ids = np.asarray([str(ids[i]) for i in rows.tolist()], dtype=object)
    block["fold_fingerprint"] = fold_fingerprint(row_ids, np.zeros(len(rows), dtype=int))
    oof = pd.DataFrame({"id": row_ids, "fold": np.zeros(len(rows), dtype=int), "y_true": y_true, "y_pred": y_pred})
    for lab in labels:
        oof[f"proba:{lab}"] = [float(a.scores.get(lab, 0.0)) for a in answers]
    return block, {k: v for k, v in fold.items() if k != "per_class"}, oof


def evaluate_bundle(bundle, config, *, overrides: list[str] | None = None, data_dir=None, output_dir=None,
                    save: bool = True, progress: Progress | None = None, engine=None) -> EvalResult:
    """Score a trained bundle on the corpora of a config and record the result as a run.

    Parameters
    ----------
    bundle : Bundle or path
        A bundle, a ``model.arclf`` or a run folder holding one.
    config : Config, str or Path
        Names the evaluation data: its ``data`` section (corpora, label maps, ``sample``,
        ``min_chars``), ``seed`` and ``cache`` are used. ``tasks`` may be left out (every
        bundle task is evaluated) or name a subset of the bundle's tasks; the label field
        and region level always come from the bundle.
    overrides : list of str, optional
        ``key.path=value`` overrides of ``config`` (only with a path), recorded in the run.
    data_dir : path, optional
        Folder holding the corpora (default ``$ARCLF_DATA``).
    output_dir : path, optional
        Run folder to create (default ``experiments/runs/<config name>/<timestamp>-eval-<hash>``).
    save : bool, default=True
        False keeps everything in memory (no run folder).
    progress : callable(stage, done, total), optional
    engine : Engine, EngineSpec or str, optional
        Where the articles are scored (``local``, ``dask://local``, ``dask://host:8786``; see
        :mod:`arclf.engine`); default: the current engine. The scores do not depend on it.

    Returns
    -------
    EvalResult
        A task is scored when the data has labels for its field and at least one of them is
        a label of the bundle; rows with another label are counted in ``excluded``, rows
        without one in ``unlabeled``. Tasks not scored are listed in ``run['skipped_tasks']``.

    Raises
    ------
    BundleError
        No readable bundle at ``bundle``.
    ConfigError
        Invalid config, or ``tasks`` naming a task the bundle lacks.
    DataError
        Missing data, or no task can be scored on it. No run folder is left behind.

    Notes
    -----
    The scores are optimistic when the evaluation data overlaps the training data (the
    bundle does not record its training ids); a note in ``run['notes']`` says so when a
    training corpus is evaluated again.
    """
    from arclf.bundle.model import Bundle, load_bundle
    from arclf.training.trainer import DEFAULT_RUNS_ROOT

    if save and output_dir is not None:
        check_new_run_dir(Path(output_dir))
    bundle_path = None if isinstance(bundle, Bundle) else Path(bundle)
    bundle = bundle if isinstance(bundle, Bundle) else load_bundle(bundle)
    cfg = _eval_config(config, overrides, bundle)
    progress = progress or no_progress
    mon = StageMonitor()
    created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    with mon.stage("load"):
        ds, keep, cols, reports, n_short = load_rows(cfg, data_dir, progress)
    reports = [r if isinstance(r, dict) else r.as_dict() for r in reports]
    ids = cols["id"]
    if not len(ids):
        raise DataError(f"{cfg.name}: no usable rows after loading (check data.min_chars and the corpora)")
    ys = {t.name: task_labels(cols, t) for t in cfg.tasks}
    with mon.stage("read"):  # the data fingerprint exactly as training computes it
        digests, _ = text_digests(ds, keep, False, progress)
        fingerprint = data_fingerprint(ids, [d.hex() for d in digests], *ys.values())
    names = [str(r["corpus"]) for r in reports]
    split = "evaluate:" + "+".join(names)
    plan, skipped = {}, {}
    for t in cfg.tasks:
        model = bundle.tasks[t.name]
        rows, excluded, unlabeled = _score_rows(ys[t.name], set(map(str, model.labels)))
        if len(rows):
            plan[t.name] = (rows, excluded, unlabeled)
        elif unlabeled == len(ids):
            skipped[t.name] = f"the data has no {t.field} labels"
        else:
            skipped[t.name] = f"none of the data's {t.field} labels ({', '.join(excluded)}) is a label of the bundle"
    if not plan:
        raise DataError(f"nothing to evaluate on {', '.join(names)}: " + "; ".join(f"{k}: {v}" for k, v in skipped.items()))
    metrics = {"schema_version": 1, "tasks": {}}
    oofs = {}
    with mon.stage("predict"):
        start = time.perf_counter()
        wanted = np.zeros(len(ids), dtype=bool)
        for rows, _, _ in plan.values():
            wanted[rows] = True
        with use_engine(engine if engine is not None else current_engine()):
            preds = _predict_rows(bundle, text_chunks(ds, keep), ids, wanted, list(plan), progress)
        seconds = time.perf_counter() - start
    del ds  # unmaps the corpus
    n_train = bundle.meta.get("n_examples")
    for name, (rows, excluded, unlabeled) in plan.items():
        model = bundle.tasks[name]
        labels = sorted(map(str, model.labels))
        block, fold, oofs[name] = _task_result(name, labels, rows, ys[name], ids, preds, split, n_train)
        metrics["tasks"][name] = {"field": model.field, "level": model.level, "labels": labels, "n_examples": int(len(rows)),
                                  "excluded": excluded, "unlabeled": unlabeled, "dropped_classes": [], "cv": block, "folds": [fold]}
    # a corpus is named by `corpus` when given (a folder read with the ANT reader is not ANT)
    trained_on = {c.get("corpus") or c.get("name") for c in ((bundle.meta.get("config") or {}).get("data") or {}).get("corpora", [])}
    notes = [f"{c.corpus or c.name} was also a training corpus of the bundle: rows seen in training make the scores optimistic"
             for c in cfg.data.corpora if (c.corpus or c.name) in trained_on]
    h = hashlib.sha256(f"{config_hash(cfg)}:{bundle.meta.get('run_id')}".encode()).hexdigest()[:8]
    run_id = RunWriter.new_id(f"eval-{h}")
    run = {**run_record("evaluate", cfg, run_id, created),
           "bundle": {"path": str(bundle_path.resolve()) if bundle_path else None, "run_id": bundle.meta.get("run_id"),
                      "data_fingerprint": bundle.meta.get("data_fingerprint"), "n_examples": n_train,
                      "config_name": (bundle.meta.get("config") or {}).get("name"), "created": bundle.meta.get("created")},
           "data": {"fingerprint": fingerprint, "n_examples": len(ids), "too_short": n_short, "corpora": reports},
           "skipped_tasks": skipped, "notes": notes, "timing": mon.stages,
           "fold_seconds": {name: [round(seconds, 3)] for name in plan}, "wall_seconds": None, "peak_rss_mb": None}
    run_dir = None
    if save:  # no `latest` link: it must keep naming a run with a model
        folder = Path(output_dir) if output_dir is not None else DEFAULT_RUNS_ROOT / (cfg.name or "evaluate") / run_id
        run_dir = write_run_folder(folder, config=cfg.resolved(), metrics=metrics, run=run, monitor=mon, oofs=oofs)
    run["wall_seconds"], run["peak_rss_mb"] = mon.wall_seconds, mon.peak_rss_mb
    return EvalResult(run_dir, metrics, run, oofs)
