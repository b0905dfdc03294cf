"""Train from a config: load → featurize once → cross-validate every task → fit → save a run.

The public entry point is :func:`train` (``arclf train`` is a thin wrapper around it). It only
orchestrates; each step is a function of its own module: :mod:`arclf.training.dataset` (load,
read, group duplicates), :mod:`arclf.training.featurize` (counts), :mod:`arclf.training.cv`
(folds, fits, calibration, metrics) and :func:`arclf.runs.writer.write_run_folder` (the record).
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arclf.config import Config, config_hash, load_config
from arclf.engine import current_engine, use_engine
from arclf.errors import DataError
from arclf.evaluation.duplicates import duplicate_report
from arclf.models.calibration import CalibratedLinear
from arclf.models.solver import compact_columns
from arclf.runs.provenance import StageMonitor, data_fingerprint, run_record
from arclf.runs.report import run_summary_markdown
from arclf.runs.writer import RunWriter, check_new_run_dir, write_run_folder
from arclf.training.cv import cross_validate_task, fit_final, to_hash_space, uses_shared_counts
from arclf.training.dataset import (Progress, duplicate_groups, load_rows, no_progress, release_free_memory, task_labels,
                                    task_rows, text_digests)
from arclf.training.featurize import featurize_counts
from arclf.training.novelty import MIN_CLASSES, fit_novelty_detector
from arclf.training.outofcore import MemoryPlan

__all__ = ["train", "TrainResult", "DEFAULT_RUNS_ROOT"]

#: Where runs go unless ``output_dir`` is given: ``experiments/runs`` under the working directory.
DEFAULT_RUNS_ROOT = Path("experiments") / "runs"


@dataclass
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    run_dir : Path or None
        The completed run folder (None with ``save=False``).
    metrics : dict
        The content of ``metrics.json`` (headline: ``metrics['tasks'][task]['cv']['macro_f1']['mean']``).
    run : dict
        The content of ``run.json`` (versions, data fingerprint, timings).
    bundle : arclf.bundle.model.Bundle
        The model fitted on all rows.
    """

    run_dir: Path | None
    metrics: dict
    run: dict
    bundle: object

    def headline(self, task: str | None = None) -> dict:
        """``{'task', 'split', 'macro_f1', 'std', 'accuracy'}`` of one task (default: the first)."""
        task = task or next(iter(self.metrics["tasks"]))
        cv = self.metrics["tasks"][task].get("cv")
        if not cv:
            return {"task": task, "split": None}
        return {"task": task, "split": cv["split"], "macro_f1": cv["macro_f1"]["mean"], "std": cv["macro_f1"]["std"],
                "accuracy": cv["accuracy"]["mean"]}


def train(config: Config | str | Path, *, overrides: list[str] | None = None, data_dir: str | Path | None = None,
          output_dir: str | Path | None = None, cv: bool = True, save: bool = True, use_cache: bool | None = None,
          progress: Progress | None = None, engine=None, runs_root: str | Path | None = None,
          memory_budget: str | int | None = None) -> TrainResult:
    """Train every task of a config, cross-validate it and record the run.

    Parameters
    ----------
    config : Config, str or Path
        A validated config or the path of a YAML config.
    overrides : list of str, optional
        ``key.path=value`` overrides (only with a path), recorded in the run.
    data_dir : path, optional
        Folder holding the corpora (default ``$ARCLF_DATA``).
    output_dir : path, optional
        Run folder to create (default ``experiments/runs/<config name>/<timestamp>-<hash>``).
    cv : bool, default=True
        False fits and saves the bundle only (the ``--no-cv`` switch).
    save : bool, default=True
        False keeps everything in memory (no run folder).
    use_cache : bool, optional
        Reuse cached features (default: the config's ``cache``).
    progress : callable(stage, done, total), optional
        Called as work advances; the CLI draws progress bars with it.
    engine : Engine, EngineSpec or str, optional
        Where the work runs (``local``, ``dask://local``, ``dask://host:8786``; see :mod:`arclf.engine`);
        default: the config's ``engine``, or the current engine when that is ``local``. The
        metrics do not depend on it.
    runs_root : path, optional
        Folder of run folders when ``output_dir`` is not given (default ``experiments/runs``).
    memory_budget : str or int, optional
        Memory the run may use (``"2GB"``, ``"512MiB"``, bytes); default ``$ARCLF_MEMORY_BUDGET``, else the
        memory available. A count matrix larger than half of it is kept in memory-mapped files
        (:mod:`arclf.training.outofcore`); ``run.json`` records the choice under ``memory``.

    Returns
    -------
    TrainResult

    Raises
    ------
    ConfigError, DataError
        Invalid config, missing or unusable data. No run folder is left behind.
    """
    cfg = config if isinstance(config, Config) else load_config(config, overrides)
    if engine is None and cfg.engine.kind != "local":
        engine = cfg.engine
    with use_engine(engine if engine is not None else current_engine()):
        return _train(cfg, data_dir=data_dir, output_dir=output_dir, cv=cv, save=save, use_cache=use_cache, progress=progress,
                      runs_root=runs_root, memory_budget=memory_budget)


def _train(cfg: Config, *, data_dir, output_dir, cv: bool, save: bool, use_cache, progress, runs_root,
           memory_budget) -> TrainResult:
    if save and output_dir is not None:
        check_new_run_dir(Path(output_dir))
    progress = progress or no_progress
    use_cache = cfg.cache if use_cache is None else use_cache
    run_cv = cv and cfg.cv.scheme != "none"
    mon = StageMonitor()
    plan = MemoryPlan.from_budget(memory_budget)
    created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    with mon.stage("load"):
        ds, keep, cols, reports, n_short = load_rows(cfg, data_dir, progress, watch=plan.watch_corpus)
    ids = cols["id"]
    if len(ids) < 2:
        raise DataError(f"{cfg.name}: fewer than 2 usable examples after loading")
    model_tasks = [t for t in cfg.tasks if t.source == "model"]
    if not model_tasks:
        raise DataError(f"{cfg.name}: every task is answered by a rule (source: mentions); give at least one task to train")
    task_ys = {t.name: task_labels(cols, t) for t in model_tasks}
    with mon.stage("duplicates"):
        digests, dedup_keys = text_digests(ds, keep, cfg.cv.group_duplicates, progress)
        release_free_memory()
        fingerprint = data_fingerprint(ids, [d.hex() for d in digests], *task_ys.values())
        dup_groups = duplicate_groups(ds, keep, dedup_keys, cfg) if cfg.cv.group_duplicates else np.arange(len(ids))
    metrics = {"schema_version": 1, "tasks": {}}
    rules = {t.name: {"field": t.field, "level": t.level, "source": t.source} for t in cfg.tasks if t.source != "model"}
    if rules:
        metrics["rules"] = rules  # answered at prediction time, nothing trained
    heads, oofs, abstention, fold_seconds, featurizers, feats = {}, {}, {}, {}, [], []
    by_featurizer = cfg.featurizer_groups([t.name for t in model_tasks])
    for g, (gcfg, names) in enumerate(by_featurizer):  # featurize once per distinct featurizer, then fit its tasks
        with mon.stage("featurize" if len(by_featurizer) == 1 else f"featurize:{'+'.join(names)}"):
            featurizer, X, cache_hit = _counts(gcfg, ds, keep, fingerprint, progress, use_cache, plan)
            if g == len(by_featurizer) - 1:
                plan.corpus_done()
                del ds  # unmaps the corpus
            release_free_memory()
            plan.matrix_taken(X)
            X, kept, n_hash = _prune(gcfg, X, run_cv)
        featurizers.append(featurizer)
        feats.append({"tasks": names, "feature_cache_hit": cache_hit, "n_features_hashed": int(n_hash),
                      "n_features_present": int(X.shape[1]), "nnz": int(X.nnz)})
        for task in (t for t in model_tasks if t.name in names):
            rows, y, small = task_rows(task_ys[task.name], task)
            entry = {"field": task.field, "level": task.level, "labels": sorted(set(y)), "n_examples": int(len(rows)),
                     "dropped_classes": sorted(small), "duplicates": duplicate_report(dup_groups[rows], y)}
            with mon.stage(f"cv+fit:{task.name}" if run_cv else f"fit:{task.name}"):  # the final fit runs in the folds' pool
                head, evaluation = _fit_task(gcfg, X, rows, y, cols, dup_groups, kept, task.name, run_cv, progress)
            if evaluation is not None:
                entry["cv"], entry["folds"], oofs[task.name], fold_seconds[task.name], decision = evaluation
                if task.abstain:
                    detector = None
                    if task.abstain_by == "novelty" and len(entry["labels"]) >= MIN_CLASSES:
                        with mon.stage(f"novelty:{task.name}"):
                            detector = fit_novelty_detector(gcfg, X, rows, y, dup_groups[rows], kept)
                    abstention[task.name] = entry["abstention"] = _abstention(oofs[task.name], entry["labels"], task.abstain,
                                                                              decision, detector)
            heads[task.name] = to_hash_space(head, kept, n_hash)
            metrics["tasks"][task.name] = entry
        plan.release()
        del X  # the matrix is most of the memory; the next group, saving and the report figures do not need it
        release_free_memory()
    metrics["tasks"] = {t.name: metrics["tasks"][t.name] for t in model_tasks}  # the config's order
    run_id = RunWriter.new_id(config_hash(cfg))
    bundle = _bundle(cfg, {n: f for (_, names), f in zip(by_featurizer, featurizers) for n in names},
                     heads, metrics, run_id, created, fingerprint, len(ids))
    bundle.meta["abstention"] = abstention
    run = {**run_record("train", cfg, run_id, created),
           "data": {"fingerprint": fingerprint, "n_examples": len(ids), "too_short": n_short,
                    "corpora": [r if isinstance(r, dict) else r.as_dict() for r in reports],
                    "duplicates": duplicate_report(dup_groups, task_ys[model_tasks[0].name]),
                    **{k: v for k, v in feats[0].items() if k != "tasks"},
                    **({"featurizers": feats} if len(feats) > 1 else {})},
           "memory": plan.record(), "timing": mon.stages, "fold_seconds": fold_seconds, "wall_seconds": None, "peak_rss_mb": None,
           "engine": current_engine().describe()}
    run_dir = None
    if save:
        folder = Path(output_dir) if output_dir is not None else Path(runs_root or DEFAULT_RUNS_ROOT) / cfg.name / run_id
        run_dir = write_run_folder(folder, config=cfg.resolved(), metrics=metrics, run=run, monitor=mon, oofs=oofs,
                                   save_model=lambda path, final_id: _save_bundle(bundle, path, final_id),
                                   summary=lambda record: run_summary_markdown(cfg.name, metrics, record),
                                   link_latest=output_dir is None)
    run["wall_seconds"], run["peak_rss_mb"] = mon.wall_seconds, mon.peak_rss_mb
    return TrainResult(run_dir, metrics, run, bundle)


def _counts(cfg: Config, ds, keep, fingerprint: str, progress: Progress, use_cache: bool, plan: "MemoryPlan"):
    """``(featurizer, counts of the kept texts, cache hit)``, the kernels compiled first if needed."""
    from arclf.training.warmup import compile_kernels

    # first run after an install: compile in a child, keep LLVM's memory out of this process
    compile_kernels(cfg, notify=lambda done: progress("compile kernels (first run only)", int(done), 1))
    if current_engine().distributed:  # each worker compiles (or loads numba's cache) once, before its first chunk
        current_engine().each_worker(compile_kernels, cfg)
    return featurize_counts(cfg, ds, keep, fingerprint, progress, use_cache, limit_bytes=plan.matrix_limit,
                            spill_dir=plan.spill_dir)


def _prune(cfg: Config, X, run_cv: bool):
    """Drop columns below ``min_df``: ``(X, kept hash columns, n_hash)``; float counts unless folds share ``X``."""
    n_hash = X.shape[1]
    shared = run_cv and uses_shared_counts(cfg)  # folds read one shared uint16 matrix
    X, kept = compact_columns(X, cfg.features.min_df, by_frequency=shared)
    if not shared:  # scikit-learn heads take float counts
        import scipy.sparse as sp

        X = sp.csr_matrix((X.data.astype(np.float32), X.indices, X.indptr), shape=X.shape, copy=False)
    return X, kept, n_hash


def _fit_task(cfg: Config, X, rows, y, cols, groups, kept, name: str, run_cv: bool, progress: Progress):
    """The task's model on all its rows and, with ``run_cv``, its ``(cv block, folds, out-of-fold frame)``."""
    if not run_cv:
        progress(f"fit {name}", 0, 1)
        head = fit_final(cfg, X, rows, y, kept)
        progress(f"fit {name}", 1, 1)
        return head, None
    sources = [cols["source"][i] for i in rows]
    splits = [cols["split"][i] for i in rows]
    ids = [cols["id"][i] for i in rows]
    published = [cols["published"][i] for i in rows] if "published" in cols else None
    block, per_fold, oof, (decision, calibrator), head, seconds = cross_validate_task(cfg, X, rows, y, ids, groups[rows], sources,
                                                                              splits, progress, name, kept, published)
    if calibrator is not None:
        head.steps[-1] = ("clf", CalibratedLinear.from_parts(head.named_steps["clf"], calibrator,
                                                             folds=cfg.classifier.calibration_folds, seed=cfg.seed))
    return head, (block, per_fold, oof, seconds, decision)


def _abstention(oof, labels: list, max_loss: float, decision=None, detector: dict | None = None) -> dict:
    """The task's abstention rule fitted on all out-of-fold rows, and its in-domain cost measured cross-fitted.

    Per-class probability thresholds always (``thresholds``); with a novelty ``detector`` (and the
    out-of-fold ``decision`` values aligned with ``oof``), per-class thresholds on its novelty
    score too (``novelty``), and the cost is that of the novelty rule.
    """
    from arclf.evaluation.abstention import abstains, fit_thresholds
    from arclf.evaluation.novelty import fit_novelty_thresholds, novel

    proba = oof[[f"proba:{lab}" for lab in labels]].to_numpy()
    y, folds = oof["y_true"].to_numpy(dtype=object), oof["fold"].to_numpy()
    right = np.asarray(labels, dtype=object)[proba.argmax(axis=1)] == y
    lost = {"probability": np.zeros(len(y), dtype=bool)}
    if detector is not None:
        lost["novelty"] = np.zeros(len(y), dtype=bool)
    for k in np.unique(folds):  # fold k's rows judged by thresholds fitted on the other folds
        other, mine = folds != k, folds == k
        limits = fit_thresholds(y[other], proba[other], labels, max_loss=max_loss)
        lost["probability"][mine] = abstains(labels, proba[mine], limits)
        if detector is not None:
            limits = fit_novelty_thresholds(y[other], decision[other], labels, detector, max_loss=max_loss)
            lost["novelty"][mine] = novel(labels, decision[mine], detector, limits)

    def cost(gone):
        return {"abstained": round(float(gone.mean()), 6),
                "right_answers_lost": round(float((gone & right).sum() / max(right.sum(), 1)), 6),
                "accuracy_when_answered": round(float(right[~gone].mean()) if (~gone).any() else 0.0, 6)}

    rule = "probability" if detector is None else "novelty"
    out = {"max_loss": max_loss, "rule": rule, "thresholds": fit_thresholds(y, proba, labels, max_loss=max_loss)}
    if detector is not None:
        out["novelty"] = {"detector": detector,
                          "thresholds": fit_novelty_thresholds(y, decision, labels, detector, max_loss=max_loss)}
        out["probability_rule"] = cost(lost["probability"])  # what the per-class probability thresholds would cost
    return {**out, "split": "cv-oof (cross-fitted thresholds)", **cost(lost[rule])}


def _bundle(cfg: Config, featurizers: dict, heads: dict, metrics: dict, run_id: str, created: str, fingerprint: str,
            n_examples: int):
    """The bundle: ``featurizers`` maps each trained task to its featurizer (shared objects for shared settings)."""
    from arclf import __version__
    from arclf.bundle.manage import headline_scores
    from arclf.bundle.model import Bundle, TaskModel
    from arclf.models.pipeline import build_featurizer

    default = build_featurizer(cfg).fit([""])
    same = json.dumps([cfg.normalize.model_dump(), cfg.features.model_dump(mode="json")], sort_keys=True)
    tasks = {}
    for t in cfg.tasks:
        if t.name in heads:
            sub = cfg.for_task(t.name)
            own = json.dumps([sub.normalize.model_dump(), sub.features.model_dump(mode="json")], sort_keys=True) != same
            tasks[t.name] = TaskModel(t.name, t.field, metrics["tasks"][t.name]["labels"], heads[t.name], t.level,
                                      featurizer=featurizers[t.name] if own else None)
    return Bundle(featurizer=default, tasks=tasks,
                  meta={"arclf_version": __version__, "created": created, "config": cfg.resolved(), "run_id": run_id,
                        "data_fingerprint": fingerprint, "n_examples": n_examples, "metrics": headline_scores(metrics)})


def _save_bundle(bundle, path: Path, run_id: str) -> None:
    bundle.meta["run_id"] = run_id
    bundle.save(path)
