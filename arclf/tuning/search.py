"""``arclf tune``: a budgeted, duplicate-grouped successive-halving search with an honest estimate.

:func:`tune` splits the task's rows once into *selection rows* and a *held-out slice* (whole
duplicate groups, stratified; ``search.holdout`` of the rows). The search sees only the selection
rows: successive halving (Jamieson & Talwalkar, AISTATS 2016; see :mod:`arclf.tuning.halving`)
scores candidates by inner duplicate-grouped k-fold CV on growing stratified samples of them.
The winner is then refitted on all selection rows and scored once on the held-out slice, which
no choice has seen: that score is the estimate. The leaderboard's scores picked the winner, so
they are optimistic and are never reported as its accuracy.

Why not scikit-learn's ``HalvingRandomSearchCV``: its resource grows by drawing fresh random
subsamples of rows that ignore duplicate groups (``_SubsampleMetaSplitter`` subsamples rows, not
groups), it refits the whole pipeline per candidate (no featurization shared between candidates
with equal feature settings), and it has no wall-clock budget or way to stop with the best so
far. So the schedule is implemented here over arclf's own featurizer and fold fitting
(:func:`arclf.training.cv.fit_fold`), with scikit-learn's successive-halving arithmetic.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from arclf.config import Config, apply_overrides, parse_config
from arclf.errors import ConfigError, DataError
from arclf.evaluation.folds import Fold, fold_metrics, grouped_stratified_folds
from arclf.training.dataset import Progress, no_progress
from arclf.tuning.halving import plan_rungs, slice_rows
from arclf.tuning.space import SearchSpec, load_search, sample_candidates
from arclf.tuning.store import FeatureStore, feature_key, rung_matrices

__all__ = ["Candidate", "TuneStatus", "SearchData", "CostModel", "read_config_and_search", "load_search_data", "run_search",
           "holdout_score", "estimate_model_mb", "draw_candidates"]


@dataclass
class Candidate:
    """One configuration of the search.

    Attributes
    ----------
    id : str
        ``c00``, ``c01``, ... (``c00`` is the config as given when ``include_base``).
    params : dict
        The searched keys and their values (``{}`` for the config as given).
    cfg : Config
    scores : dict of int to dict
        Rung index (0-based) -> ``{'rows', 'mean', 'std', 'values', 'est_mb', 'seconds'}``.
    status : str
        ``winner``, ``finalist``, ``eliminated at rung k``, ``stopped at rung k (budget)``, ``over size limit``,
        ``not run``, ... (rungs counted from 1 in statuses and leaderboards, from 0 in ``scores`` and ``tune.json``)
    """

    id: str
    params: dict
    cfg: Config
    scores: dict = field(default_factory=dict)
    status: str = "not run"
    predictions: dict = field(default_factory=dict, repr=False)  # rung -> (fold of row, pred, scores, labels)

    @property
    def last_rung(self) -> int:
        return max(self.scores) if self.scores else -1


@dataclass
class TuneStatus:
    """What the progress display shows: ``phase``, rung, candidates left, best so far, time left."""

    phase: str
    rung: int = 0
    n_rungs: int = 0
    rows: int = 0
    candidates: int = 0
    done: int = 0
    total: int = 0
    best: float | None = None
    best_id: str | None = None
    seconds_left: float = 0.0


@dataclass
class SearchData:
    """The rows of the tuned task, read once: texts, labels, duplicate groups, the holdout split."""

    texts: list
    ids: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    selection: np.ndarray
    holdout: np.ndarray
    fingerprint: str
    task: str
    n_loaded: int


def read_config_and_search(config: str | Path, overrides: list[str] | None = None,
                           space: str | Path | None = None) -> tuple[Config, dict, SearchSpec, str]:
    """Read a config that may hold a ``search:`` section; return ``(Config, raw config, SearchSpec, origin)``.

    Raises
    ------
    ConfigError
        Invalid config or search space (one line, dotted paths).
    """
    from arclf.util.files import read_yaml

    path = Path(config)
    raw = read_yaml(path, what="config file")
    section = raw.pop("search", None)
    raw.setdefault("name", path.stem)
    raw = apply_overrides(raw, overrides or [])
    origin = f"{path} (with --set {', '.join(overrides)})" if overrides else str(path)
    cfg = parse_config(raw, origin=origin, base=path.resolve().parent)
    cfg.set_origin(source=path.resolve(), overrides=list(overrides or []))
    raw = cfg.resolved()  # absolute paths: candidates and best.yaml work from any folder
    spec, where = load_search(path, raw, section, space)
    return cfg, raw, spec, where


def load_search_data(cfg: Config, spec: SearchSpec, *, task: str | None = None, data_dir=None,
                     progress: Progress = no_progress) -> SearchData:
    """Load the config's data, group duplicates and cut the held-out slice.

    Raises
    ------
    ConfigError
        ``task`` names no trained task of the config.
    DataError
        Too few rows for the holdout and the first rung.
    """
    from arclf.runs.provenance import data_fingerprint
    from arclf.training.dataset import duplicate_groups, load_rows, task_labels, task_rows, text_chunks, text_digests

    model_tasks = [t for t in cfg.tasks if t.source == "model"]
    chosen = next((t for t in model_tasks if t.name == task), None) if task else model_tasks[0]
    if chosen is None:
        raise ConfigError(f"--task {task!r}: the config trains {', '.join(t.name for t in model_tasks)}")
    ds, keep, cols, _, _ = load_rows(cfg, data_dir, progress)
    digests, dedup = text_digests(ds, keep, cfg.cv.group_duplicates, progress)
    groups = duplicate_groups(ds, keep, dedup, cfg) if cfg.cv.group_duplicates else np.arange(len(keep))
    rows, y, _ = task_rows(task_labels(cols, chosen), chosen)
    texts_all = [t for chunk in text_chunks(ds, keep) for t in chunk]
    texts = [texts_all[i] for i in rows]
    del texts_all, ds
    ids = np.asarray(cols["id"], dtype=object)[rows]
    groups = np.unique(groups[rows], return_inverse=True)[1].ravel()
    fingerprint = data_fingerprint(ids, [digests[i].hex() for i in rows], y)
    n_parts = max(2, round(1 / spec.holdout))
    if len(rows) < n_parts * 2 or len(set(y)) < 2:
        raise DataError(f"{cfg.name}: {len(rows)} labelled rows are too few to hold out 1/{n_parts} of them and search")
    selection, holdout = grouped_stratified_folds(y, groups, n_parts, cfg.seed)[0]
    return SearchData(texts, ids, y, groups, selection, holdout, fingerprint, chosen.name, len(keep))


def estimate_model_mb(cfg: Config, n_columns: int, n_classes: int, rows_fitted: int, rows_all: int) -> float:
    """An upper estimate of the saved bundle's size, MB, from the columns a fit kept.

    The bundle stores, per kept column, its hash column (8 bytes), its IDF (4) and one weight per
    class (4 bytes for the array bundle of the linear SVM, 8 for scikit-learn heads), before
    compression. Columns grow with the rows roughly as the square root of their number (Heaps'
    law for n-grams), so a fit on fewer rows than the final model is scaled up, capped at the
    hash space.
    """
    array_bundle = cfg.classifier.kind == "linear_svm" and cfg.classifier.class_weight is None
    weights = n_classes if n_classes > 2 else 1
    blocks = (2 if cfg.features.kind == "union" else 1) + (cfg.features.title_weight > 0)
    columns = min(n_columns * math.sqrt(max(rows_all, 1) / max(rows_fitted, 1)), cfg.features.n_features * blocks)
    return columns * (12 + weights * (4 if array_bundle else 8)) / 1e6


def _predict(classes, scores) -> np.ndarray:
    scores = np.asarray(scores)
    classes = np.asarray(classes, dtype=object)
    if scores.ndim == 1:
        return classes[(scores > 0).astype(int)]
    return classes[scores.argmax(axis=1)]


def _fit_and_score(cfg: Config, X, y, fold: Fold, metric: str, column_ids=None):
    """Fit one candidate on a fold's training rows; ``(metric, predictions, scores, classes, kept columns, seconds)``."""
    from arclf.models.pipeline import needs_calibration
    from arclf.training.cv import fit_fold

    head, classes, scores, seconds = fit_fold(cfg, X, np.arange(X.shape[0]), y, fold, needs_calibration(cfg.classifier),
                                              column_ids)
    pred = _predict(classes, scores)
    labels = sorted(set(y))
    value = fold_metrics(list(y[fold.test]), list(pred), labels)[metric]
    kept = len(head.named_steps["tfidf"].columns_)
    return value, pred, scores, list(classes), kept, seconds


class CostModel:
    """Predicts how long fits take, from the fits timed so far, so that no fit starts that the budget cannot finish.

    A candidate's fold at a larger rung is predicted from its own last timed fold, scaled by the
    rows (cost grows slightly faster than the rows: exponent 1.1); a candidate not timed yet from
    the median fold of the candidates of its classifier kind timed on the same rung (or of all of
    them). Featurizing is predicted from the seconds per text measured so far.
    """

    def __init__(self):
        self.folds: dict[str, tuple[int, float]] = {}  # candidate id -> (training rows, seconds) of its last fold timed
        self.by_rung: dict[tuple[int, str], list] = {}  # (rung, classifier kind) -> fold seconds
        self.featurize_rate = 0.0  # seconds per text

    def record(self, cand: "Candidate", rung: int, n_train: int, seconds: float) -> None:
        self.folds[cand.id] = (n_train, seconds)
        self.by_rung.setdefault((rung, cand.cfg.classifier.kind), []).append(seconds)

    def fold_seconds(self, cand: "Candidate", rung: int, n_train: int) -> float:
        if cand.id in self.folds:
            rows, secs = self.folds[cand.id]
            return secs * (n_train / max(rows, 1)) ** 1.1
        same = self.by_rung.get((rung, cand.cfg.classifier.kind))
        every = [t for (r, _), ts in self.by_rung.items() if r == rung for t in ts]
        pool = same or every
        return float(np.median(pool)) if pool else 0.0

    def record_featurize(self, n_texts: int, seconds: float) -> None:
        if n_texts:
            rate = seconds / n_texts
            self.featurize_rate = rate if not self.featurize_rate else 0.5 * (self.featurize_rate + rate)


def run_search(data: SearchData, candidates: list, spec: SearchSpec, *, end: float, n_jobs: int = 2,
               max_model_mb: float | None = None, on_status: Callable[[TuneStatus], None] | None = None,
               stop: threading.Event | None = None, margin: float = 10.0) -> dict:
    """Successive halving over ``candidates`` on the selection rows until done, out of time, or ``stop``.

    No fit starts that is predicted (:class:`CostModel`) to end after ``end`` minus the predicted
    cost of refitting the best candidate so far on all rows (the held-out estimate) and ``margin``
    seconds for the outputs.

    Parameters
    ----------
    data : SearchData
    candidates : list of Candidate
        Scores and statuses are filled in place.
    spec : SearchSpec
    end : float
        ``time.monotonic()`` value at which the whole budget ends.
    n_jobs : int
        Fits run at once (threads: the solvers release the GIL and share the count matrices).
    max_model_mb : float, optional
        Candidates whose estimated bundle is larger are not promoted.
    on_status : callable(TuneStatus), optional
    stop : threading.Event, optional
        Set (e.g. on Ctrl-C) to stop starting fits.
    margin : float
        Seconds kept for writing the outputs.

    Returns
    -------
    dict
        ``{'rungs': [{'index', 'rows', 'candidates', 'completed', 'folds'}], 'n_rungs', 'stopped' ('complete' |
        'budget' | 'interrupted'), 'stores' (feature key -> FeatureStore of the last rung), 'costs' (CostModel)}``.
    """
    from joblib import Parallel, delayed

    from arclf.training.cv import uses_shared_counts
    from arclf.training.dataset import release_free_memory

    stop = stop or threading.Event()
    status = on_status or (lambda s: None)
    sel = data.selection
    if len(sel) < spec.min_rows * spec.eta:
        import warnings

        warnings.warn(f"tune: {len(sel):,} selection rows are fewer than search.min_rows × eta "
                      f"({spec.min_rows:,} × {spec.eta}): one rung, {spec.finalists} candidates, no halving; "
                      f"for a search, give a space with min_rows near {max(20, len(sel) // (spec.eta * 2))} "
                      f"(--space FILE, or a search: section in the config)")
    plan = plan_rungs(len(sel), eta=spec.eta, min_rows=spec.min_rows, finalists=spec.finalists,
                      candidates=spec.candidates)
    seed = candidates[0].cfg.seed if candidates else 0
    slice_of = slice_rows(data.y[sel], data.groups[sel], plan[-1].slices, seed + 1)
    alive = list(candidates)
    stores: dict[str, FeatureStore] = {}
    costs = CostModel()
    rungs, stopped, skipped = [], "complete", False
    best: tuple[float, str, int] | None = None  # (score, candidate, rung) of the best at the highest rung scored
    n_all = len(data.y)

    base = next((c for c in candidates if not c.params), None)  # the config as given, scored on the holdout too

    def refit_cost(cand) -> float:
        store = stores.get(feature_key(cand.cfg))
        unseen = n_all - (store.n_featurized_ if store else 0)
        return costs.fold_seconds(cand, max(cand.last_rung, 0), len(sel)) + unseen * costs.featurize_rate

    def final_cost() -> float:
        """Predicted seconds of the held-out refits of the best so far and of the config as given."""
        if best is None:
            return 0.0
        cand = next(c for c in candidates if c.id == best[1])
        extra = refit_cost(base) if base is not None and base is not cand and base.id in costs.folds else 0.0
        return refit_cost(cand) + extra

    def limit() -> float:
        """When the last fit of the whole search must end."""
        return end - margin - final_cost()

    rung_limit = end

    def out_of_time(seconds: float = 0.0) -> bool:
        nonlocal skipped
        if stop.is_set():
            return True
        finish = time.monotonic() + seconds
        if finish > limit():
            skipped = True
            return True
        return finish > rung_limit

    for rung in plan:
        # each rung gets an equal share of the time left, as successive halving gives each rung an equal
        # share of the resource: a slow machine then halves fewer candidates instead of never reaching the last rung
        now = time.monotonic()
        rung_limit = now + max(0.0, limit() - now) / (len(plan) - rung.index)
        rows = np.sort(sel[slice_of < rung.slices])
        y = data.y[rows]
        folds = [Fold(i, tr, te) for i, (tr, te) in
                 enumerate(grouped_stratified_folds(y, data.groups[rows], spec.inner_folds, seed + 2 + rung.index))]
        n_train = max(len(f.train) for f in folds)
        info = {"index": rung.index, "rows": int(len(rows)), "candidates": len(alive), "completed": 0,
                "folds": spec.inner_folds}
        rungs.append(info)
        by_key: dict[str, list] = {}
        for cand in alive:
            by_key.setdefault(feature_key(cand.cfg), []).append(cand)
        for key in list(stores):  # settings no candidate uses any more: free their counts
            if key not in by_key:
                del stores[key]
        release_free_memory()
        total, done = len(alive) * len(folds), 0
        results: dict = {}

        def show(phase="search"):
            status(TuneStatus(phase, rung.index, len(plan), len(rows), len(alive), done, total,
                              best[0] if best else None, best[1] if best else None, max(0.0, end - time.monotonic())))

        show()
        try:
            for key, group in by_key.items():
                store = stores.get(key) or FeatureStore(group[0].cfg, data.texts)
                unseen = len(rows) - int((store.where_[rows] >= 0).sum())
                if out_of_time(unseen * costs.featurize_rate):
                    done += len(group) * len(folds)
                    continue
                stores[key] = store
                t0 = time.perf_counter()
                need_float = any(not uses_shared_counts(c.cfg) for c in group)
                X, Xf, column_ids = rung_matrices(store, rows, need_float)
                costs.record_featurize(unseen, time.perf_counter() - t0)

                def job(cand, fold):
                    if out_of_time(costs.fold_seconds(cand, rung.index, len(fold.train))):
                        return cand, fold, None
                    return cand, fold, _fit_and_score(cand.cfg, X if uses_shared_counts(cand.cfg) else Xf, y, fold,
                                                      spec.metric, column_ids)

                parallel = Parallel(n_jobs=n_jobs, backend="threading", return_as="generator_unordered")
                for cand, fold, res in parallel(delayed(job)(c, f) for c in group for f in folds):
                    done += 1
                    if res is not None:
                        results[(cand.id, fold.index)] = res
                        costs.record(cand, rung.index, len(fold.train), res[5])
                    show()
                del X, Xf
        except KeyboardInterrupt:
            stop.set()
        labels = sorted(set(y))
        for cand in alive:
            fold_res = [results.get((cand.id, f.index)) for f in folds]
            if any(r is None for r in fold_res):
                continue
            values = [r[0] for r in fold_res]
            est = estimate_model_mb(cand.cfg, max(r[4] for r in fold_res), len(labels), n_train, n_all)
            cand.scores[rung.index] = {"rows": int(len(rows)), "mean": float(np.mean(values)),
                                       "std": float(np.std(values, ddof=1)), "values": [float(v) for v in values],
                                       "est_mb": round(est, 2), "seconds": round(sum(r[5] for r in fold_res), 2)}
            fold_of_row = np.full(len(rows), -1)
            pred = np.empty(len(rows), dtype=object)
            for f, r in zip(folds, fold_res):  # out-of-fold predictions, for the finalists' run folders
                fold_of_row[f.test] = f.index
                pred[f.test] = r[1]
            cand.predictions = {rung.index: (data.ids[rows], y, fold_of_row, pred)}
            if max_model_mb is not None and est > max_model_mb:
                cand.status = f"over size limit ({est:.1f} MB estimated)"
            else:
                cand.status = f"scored at rung {rung.index + 1}"
                mean = cand.scores[rung.index]["mean"]
                if best is None or rung.index > best[2] or mean > best[0]:
                    best = (mean, cand.id, rung.index)
        info["completed"] = sum(rung.index in c.scores for c in alive)
        if stop.is_set():
            stopped = "interrupted"
        elif skipped:
            stopped = "budget"
        show("rung done")
        if stopped != "complete" or rung.index == len(plan) - 1:
            break
        ranked = sorted((c for c in alive if rung.index in c.scores and not c.status.startswith("over size")),
                        key=lambda c: (-c.scores[rung.index]["mean"], c.id))
        if not ranked:
            stopped = "budget"
            break
        for cand in alive:
            if rung.index not in cand.scores and cand.status in ("not run", f"scored at rung {rung.index}"):
                cand.status = f"not run at rung {rung.index + 1} (its share of the budget was spent)"
        # the plan's count, or 1/eta of the candidates scored when the rung's time share ran out first
        keep = min(plan[rung.index + 1].candidates, max(spec.finalists, math.ceil(len(ranked) / spec.eta)))
        for cand in ranked[keep:]:
            cand.status = f"eliminated at rung {rung.index + 1}"
        alive = ranked[:keep]
    for cand in candidates:
        if cand.status.startswith("scored at rung"):
            cand.status = "finalist" if cand.last_rung == len(plan) - 1 else f"stopped at rung {cand.last_rung + 1} ({stopped})"
        elif cand.status == "not run" and stopped != "complete":
            cand.status = f"not run ({stopped})"
    return {"rungs": rungs, "n_rungs": len(plan), "stopped": stopped, "stores": stores, "costs": costs}


def holdout_score(cfg: Config, data: SearchData, metric: str, store: FeatureStore | None = None, release: bool = True):
    """Refit ``cfg`` on all selection rows and score it on the held-out slice.

    ``store`` (counts featurized during the search) saves featurizing those rows again; with
    ``release`` it forgets its counts once the matrix of all rows is made.

    Returns
    -------
    dict
        ``{'value', 'metric', 'metrics' (accuracy, macro_f1, weighted_f1), 'n_train', 'n_test',
        'pred' (ndarray of the held-out predictions), 'est_mb', 'seconds'}``.
    """
    from arclf.training.cv import uses_shared_counts

    store = store or FeatureStore(cfg, data.texts)
    rows = np.concatenate([data.selection, data.holdout])
    shared = uses_shared_counts(cfg)
    X, Xf, column_ids = rung_matrices(store, rows, not shared, need_counts=shared, release=release)
    y = data.y[rows]
    n_sel = len(data.selection)
    fold = Fold(0, np.arange(n_sel), np.arange(n_sel, len(rows)))
    start = time.perf_counter()
    value, pred, _, classes, kept, seconds = _fit_and_score(cfg, X if Xf is None else Xf, y, fold, metric, column_ids)
    labels = sorted(set(y))
    m = fold_metrics(list(y[fold.test]), list(pred), labels)
    return {"value": float(value), "metric": metric, "metrics": {k: m[k] for k in ("accuracy", "macro_f1", "weighted_f1")},
            "n_train": int(n_sel), "n_test": int(len(fold.test)), "pred": pred,
            "est_mb": round(estimate_model_mb(cfg, kept, len(labels), n_sel, len(data.y)), 2),
            "seconds": round(time.perf_counter() - start, 2)}


def draw_candidates(spec: SearchSpec, raw: dict, n_rows: int, seed: int, origin: str) -> list[Candidate]:
    """The first rung's candidates for ``n_rows`` selection rows (see :func:`arclf.tuning.space.sample_candidates`)."""
    plan = plan_rungs(n_rows, eta=spec.eta, min_rows=spec.min_rows, finalists=spec.finalists, candidates=spec.candidates)
    drawn = sample_candidates(spec.space, raw, plan[0].candidates, seed, include_base=spec.include_base,
                              per_feature_setting=spec.per_feature_setting, origin=origin)
    return [Candidate(f"c{i:02d}", params, cfg) for i, (params, cfg) in enumerate(drawn)]
