"""Train from a config: load → featurize once → cross-validate every task → fit → save a run.

The public entry point is :func:`train`; ``arclf train`` is a thin wrapper around it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from arclf.config import Config, config_hash, load_config
from arclf.errors import ConfigError, DataError
from arclf.evaluation.folds import Fold, fold_fingerprint, fold_metrics, make_folds, summarize_folds
from arclf.models.pipeline import CalibratedLinear
from arclf.evaluation.duplicates import first_seen_ids, duplicate_report
from arclf.models.solver import MAX_COUNT, compact_columns, softmax_decision, tf_table
from arclf.runs.writer import RunWriter, StageMonitor, check_new_run_dir, command_line, data_fingerprint, git_info, versions
from arclf.util.files import write_json

__all__ = ["train", "TrainResult", "task_labels", "DEFAULT_RUNS_ROOT"]

#: Where runs go unless ``output_dir`` is given: ``experiments/runs`` under the working directory.
DEFAULT_RUNS_ROOT = Path("experiments") / "runs"

Progress = Callable[[str, int, int], None]


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


def _noop(stage: str, done: int, total: int) -> None:
    pass


def task_labels(dataset_columns: dict, task) -> np.ndarray:
    """The label of every row for one task (object array, None where unknown)."""
    values = dataset_columns[task.field]
    if task.field == "region" and task.level:
        from arclf.corpus.labels import region_at

        values = [region_at(v, task.level) for v in values]
    return np.asarray(values, dtype=object)


def _stratified_sample(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    from sklearn.model_selection import train_test_split

    if size >= len(labels):
        return np.arange(len(labels))
    keys = np.array(["\x00none" if v is None else str(v) for v in labels], dtype=object)
    values, counts = np.unique(keys, return_counts=True)
    rare = set(values[counts < 2])
    keys = np.array(["\x00rare" if k in rare else k for k in keys], dtype=object)
    if size < len(set(keys)):
        raise ConfigError(f"data.sample={size} is smaller than the number of classes to stratify by ({len(set(keys))}); "
                          "sample more articles")
    idx, _ = train_test_split(np.arange(len(labels)), train_size=size, stratify=keys, random_state=seed)
    return np.sort(idx)


def _load(cfg: Config, data_dir, progress: Progress):
    """Load the corpora; return the dataset, the rows kept, their non-text columns and reports.

    Texts stay in the memory-mapped Arrow dataset and are read chunk by chunk later, so the
    whole corpus is never held as Python strings beside its feature matrix.
    """
    import pyarrow.compute as pc

    from arclf.corpus import load_corpora

    progress("load", 0, 1)
    ds, reports = load_corpora(cfg.data.corpora, data_dir=data_dir, cache=cfg.cache)
    ds = ds.flatten_indices() if ds._indices is not None else ds
    needed = {"id", "source", "split", *(t.field for t in cfg.tasks)}
    cols = ds.select_columns([c for c in ds.column_names if c in needed]).to_dict()  # plain lists, not lazy columns
    text = ds.data.column("text")
    lengths = pc.utf8_length(pc.utf8_trim_whitespace(text)).to_numpy(zero_copy_only=False)
    keep = np.flatnonzero(lengths >= max(cfg.data.min_chars, 1))
    short = len(lengths) - len(keep)
    if cfg.data.sample:
        first = task_labels(cols, cfg.tasks[0])[keep]
        keep = keep[_stratified_sample(first, cfg.data.sample, cfg.seed)]
    cols = {k: [v[i] for i in keep] for k, v in cols.items()}
    progress("load", 1, 1)
    return ds, keep, cols, reports, short


_CHUNK = 250  # articles read, normalized and featurized at a time


def _text_chunks(ds, keep: np.ndarray):
    """Yield lists of the kept texts, ``_CHUNK`` at a time; ``keep`` holds ascending row numbers."""
    import pyarrow as pa

    if len(keep) > 1 and np.any(np.diff(keep) <= 0):
        raise ValueError("_text_chunks: keep must hold ascending, distinct row numbers")

    text = ds.data.column("text")
    for start in range(0, len(keep), _CHUNK):
        rows = keep[start:start + _CHUNK]
        # take() on a whole chunked column concatenates all of it first (a copy of the corpus);
        # a zero-copy slice spanning this chunk's rows keeps the copy to the span
        span = text.slice(int(rows[0]), int(rows[-1] - rows[0]) + 1)
        chunk = span.take(pa.array(rows - rows[0]))
        yield chunk.to_pylist()
        del chunk, span
        pa.default_memory_pool().release_unused()


def _digests(ds, keep: np.ndarray, group_duplicates: bool, progress: Progress):
    """One pass over the texts: a 128-bit digest per text (for the data fingerprint) and, with
    ``group_duplicates``, one of its :func:`arclf.text.normalize.normalize_for_dedup` form (exact duplicates)."""
    import hashlib

    from arclf.text.normalize import normalize_for_dedup

    def digest(t: str) -> bytes:
        return hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    texts, dedup = [], []
    for chunk in _text_chunks(ds, keep):
        texts.extend(map(digest, chunk))
        if group_duplicates:
            dedup.extend(digest(normalize_for_dedup(t)) for t in chunk)
        progress("read", len(texts), len(keep))
    return texts, dedup


def _release_free_memory() -> None:
    """Hand freed memory back to the system: Arrow's pool and glibc's heap keep it otherwise."""
    import ctypes
    import ctypes.util

    import pyarrow as pa

    pa.default_memory_pool().release_unused()  # Arrow's allocator keeps freed blocks otherwise
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _duplicate_groups(ds, keep, dedup_keys, cfg: Config):
    """Exact duplicate groups from the normalized-text digests, merged with near-duplicate groups if asked."""
    groups = first_seen_ids(dedup_keys)
    if cfg.cv.near_duplicates:
        from arclf.evaluation.duplicates import near_duplicate_groups

        texts = [t for chunk in _text_chunks(ds, keep) for t in chunk]
        groups = _merge_groups(groups, near_duplicate_groups(texts, threshold=cfg.cv.near_duplicates, seed=cfg.seed))
    return groups


def _merge_groups(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of 'same group in a' ∪ 'same group in b' (group ids 0..k-1)."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    n = len(a)
    rows = np.concatenate([np.arange(n), np.arange(n)])
    cols = np.concatenate([n + a, n + a.max() + 1 + b])
    graph = sp.coo_matrix((np.ones(2 * n), (rows, cols)), shape=(n + a.max() + b.max() + 2,) * 2)
    _, labels = connected_components(graph, directed=False)
    _, out = np.unique(labels[:n], return_inverse=True)
    return out


def _to_hash_space(head, kept: np.ndarray, n_hash: int):
    """Renumber a fitted head's TF-IDF columns from the compact space back to the featurizer's hash columns."""
    head.named_steps["tfidf"].renumber_columns(kept, n_hash)
    return head


def _ngram_bound(length: int, cfg: Config) -> int:
    """An upper bound on the distinct hashed n-grams of a text of ``length`` characters."""
    f = cfg.features
    bound = 0
    if f.kind in ("char", "union"):
        bound += (f.char.ngram_range[1] - f.char.ngram_range[0] + 1) * (3 * length + 2)
    if f.kind in ("word", "union"):
        bound += (f.word.ngram_range[1] - f.word.ngram_range[0] + 1) * (length + 1)
    return bound


def _featurize(cfg: Config, ds, keep, fingerprint: str, progress: Progress, use_cache: bool):
    """Raw hashed n-gram counts of the kept texts, from the feature cache or chunk by chunk.

    Chunks are copied into arrays sized by an upper bound on the n-grams; untouched pages of
    those arrays are never resident, and the arrays are shrunk in place at the end, so the peak
    is the matrix plus one chunk. Counts are stored as ``uint16`` (clipped at 65,535), 2 bytes a
    non-zero instead of float32's 4: on ANT, 136 MB less.
    """
    import pyarrow.compute as pc
    import scipy.sparse as sp

    from arclf.features.cache import FeatureCache
    from arclf.models.pipeline import build_featurizer

    featurizer = build_featurizer(cfg).fit([""])
    cache = FeatureCache()
    key = cache.key(fingerprint, featurizer)
    X = cache.get(key) if use_cache else None
    if X is not None:
        return featurizer, X, True
    lengths = pc.utf8_length(ds.data.column("text")).to_numpy(zero_copy_only=False)[keep]
    bound = int(sum(_ngram_bound(int(n), cfg) for n in lengths)) + 1
    data = np.empty(bound, dtype=np.uint16)  # virtual until written
    indices = np.empty(bound, dtype=np.int32)
    indptr = np.zeros(len(keep) + 1, dtype=np.int64)
    pos = row = 0
    for texts in _text_chunks(ds, keep):
        chunk = featurizer.transform(texts)
        data[pos:pos + chunk.nnz] = np.minimum(chunk.data, MAX_COUNT)
        indices[pos:pos + chunk.nnz] = chunk.indices
        indptr[row + 1:row + 1 + chunk.shape[0]] = chunk.indptr[1:] + pos
        pos += chunk.nnz
        row += chunk.shape[0]
        del chunk
        progress("featurize", row, len(keep))
    data.resize(pos, refcheck=False)
    indices.resize(pos, refcheck=False)
    if pos <= np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    X = sp.csr_matrix((data, indices, indptr), shape=(len(keep), featurizer.transform([""]).shape[1]), copy=False)
    if use_cache:
        cache.put(key, X)
    return featurizer, X, False


def _scaled_path(cfg: Config) -> bool:
    """True when folds train on shared sublinear-tf counts scaled on the fly (no per-fold copies)."""
    return cfg.classifier.kind == "linear_svm" and cfg.classifier.class_weight is None


def _fit_svm_scaled(cfg: Config, X, train_rows, y_train, score_rows, column_ids=None):
    """Fit TF-IDF and the linear SVM on ``train_rows`` of the shared ``uint16`` count matrix; score ``score_rows``.

    Returns ``(head, classes, scores)``: a fitted ``Pipeline([('tfidf', ...), ('clf', LinearSVM)])``
    equal to fitting on the materialized TF-IDF rows, and decision values of ``score_rows``.
    ``column_ids`` (the hash column of each column of ``X``, from :func:`compact_columns`) orders
    the head's output columns by hash column, as :meth:`HashedTfidf.renumber_columns` needs.
    """
    from sklearn.pipeline import Pipeline

    from arclf.features.hashing import build_tfidf
    from arclf.models.solver import LinearSVM, decision_scaled, fit_ovr_scaled, ovr_targets, scaled_tfidf

    spec = cfg.classifier
    tfidf = build_tfidf(cfg.features)
    table = tf_table(cfg.features.sublinear_tf)
    col_scale, row_scale = scaled_tfidf(X, train_rows, score_rows, tfidf, sublinear=cfg.features.sublinear_tf, tf_table=table)
    classes, y_index = np.unique(y_train, return_inverse=True)
    targets, n_problems = ovr_targets(y_index, len(classes))
    W, b, _ = fit_ovr_scaled(X, targets, train_rows, n_problems, col_scale=col_scale, row_scale=row_scale, tf_table=table,
                             C=spec.C, tol=spec.tol, max_iter=spec.max_iter, seed=cfg.seed)
    scores = decision_scaled(X, score_rows, W, b, row_scale=row_scale, tf_table=table) if len(score_rows) else None
    if scores is not None and n_problems == 1:
        scores = scores[:, 0]
    if column_ids is not None:
        order = np.argsort(np.asarray(column_ids)[tfidf.columns_], kind="stable")
        tfidf.columns_, tfidf.idf_ = tfidf.columns_[order], tfidf.idf_[order]
        tfidf._index = None
    svm = LinearSVM.from_weights(W[tfidf.columns_], b, classes,
                                 params={"C": spec.C, "tol": spec.tol, "max_iter": spec.max_iter, "random_state": cfg.seed})
    return Pipeline([("tfidf", tfidf), ("clf", svm)]), classes, scores


def _fit_fold(cfg: Config, X, rows, y, fold: Fold, calibrate: bool, column_ids=None):
    """Fit one fold's head on its training rows; return test scores (decision or probabilities)."""
    import time

    from arclf.models.pipeline import CLASSIFIERS, build_head

    start = time.perf_counter()
    train_rows, test_rows = rows[fold.train], rows[fold.test]
    if _scaled_path(cfg):
        head, classes, scores = _fit_svm_scaled(cfg, X, train_rows, y[fold.train], test_rows, column_ids)
        if not calibrate and scores is not None:  # what LinearSVM.predict_proba gives
            scores = softmax_decision(scores)
        _release_free_memory()  # this thread's malloc arena would keep the fit's freed arrays
        return head, classes, scores, time.perf_counter() - start
    head = build_head(cfg)
    if calibrate:  # fit the raw margin classifier; probabilities come from cross-fitted calibration
        head.steps[-1] = ("clf", CLASSIFIERS[cfg.classifier.kind](cfg.classifier, cfg.seed))
    head.fit(X[train_rows], y[fold.train])
    clf = head.named_steps["clf"]
    scores = None
    if len(test_rows):
        Xt = head.named_steps["tfidf"].transform(X[test_rows])
        scores = clf.decision_function(Xt) if calibrate else clf.predict_proba(Xt)
    return head, clf.classes_, scores, time.perf_counter() - start


def _cv_task(cfg: Config, X, rows, y, ids, groups, sources, splits, progress: Progress, name: str, column_ids=None):
    from joblib import Parallel, delayed

    from arclf.models.pipeline import fit_score_calibrator, needs_calibration

    labels = sorted(set(y))
    folds = make_folds(y, scheme=cfg.cv.scheme, n_folds=cfg.cv.folds, groups=groups, sources=sources,
                       splits=splits, test_split=cfg.cv.test_split, seed=cfg.seed)
    calibrate = needs_calibration(cfg.classifier)
    progress(f"cv {name}", 0, len(folds))
    # threads: liblinear and the n-gram kernels release the GIL, and threads share X without copies
    # the model on all rows is one more job in the same pool, first since it is the longest,
    # so it runs beside the folds instead of after them
    final = Fold(-1, np.arange(len(y)), np.arange(0))
    parallel = Parallel(n_jobs=cfg.cv.n_jobs, backend="threading", return_as="generator")
    results = []
    for i, res in enumerate(parallel(delayed(_fit_fold)(cfg, X, rows, y, f, calibrate, column_ids) for f in [final, *folds])):
        results.append(res if i == 0 else (None, *res[1:]))  # a fold's model is only needed for its scores (~13 MB each on ANT)
        progress(f"cv {name}", i + 1, len(folds) + 1)
    final_head = results.pop(0)[0]
    # scores as (n_test, n_labels) in the order of `labels`
    fold_scores = []
    for (_, classes, scores, _), fold in zip(results, folds):
        scores = scores.reshape(-1, 1) if scores.ndim == 1 else scores
        full = np.full((len(fold.test), len(labels)), -np.inf if calibrate else 0.0)
        if scores.shape[1] == 1:  # binary decision function: positive class = classes[1]
            full = np.full((len(fold.test), len(labels)), 0.0)
            full[:, labels.index(classes[1])] = scores[:, 0]
            full[:, labels.index(classes[0])] = -scores[:, 0]
        else:
            for j, c in enumerate(classes):
                full[:, labels.index(c)] = scores[:, j]
        fold_scores.append(full)
    oof_scores = np.zeros((len(y), len(labels)))
    fold_of_row = np.full(len(y), -1)
    for fold, s in zip(folds, fold_scores):
        oof_scores[fold.test] = s
        fold_of_row[fold.test] = fold.index
    tested = fold_of_row >= 0
    if calibrate:
        finite = np.where(np.isfinite(oof_scores), oof_scores, -1e3)
        proba = np.zeros_like(oof_scores)
        for fold in folds:  # cross-fitted: fold k's calibrator never sees fold k's labels
            other = tested & (fold_of_row != fold.index)
            if len(set(y[other])) < 2:
                other = tested
            cal = fit_score_calibrator(finite[other], y[other], seed=cfg.seed)
            p = cal.predict_proba(finite[fold.test])
            for j, c in enumerate(cal.classes_):
                proba[fold.test, labels.index(c)] = p[:, j]
        calibrator = fit_score_calibrator(finite[tested], y[tested], seed=cfg.seed)
    else:
        proba, calibrator = oof_scores, None
    pred = np.asarray(labels, dtype=object)[proba.argmax(axis=1)]
    per_fold = []
    for fold, (_, _, _, secs) in zip(folds, results):
        m = fold_metrics(list(y[fold.test]), list(pred[fold.test]), labels)
        per_fold.append({"fold": fold.index, "held_out": fold.held_out, "n_train": int(len(fold.train)),
                         "n_test": int(len(fold.test)), **m, "seconds": round(secs, 3)})
    split = {"stratified_kfold": "cv-oof", "leave_one_source_out": "cv-oof-by-source"}.get(cfg.cv.scheme, f"test:{cfg.cv.test_split}")
    block = summarize_folds(per_fold, labels, y[tested], pred[tested], scheme=cfg.cv.scheme, split=split)
    block["group_duplicates"] = cfg.cv.group_duplicates
    block["fold_fingerprint"] = fold_fingerprint(np.asarray(ids)[tested], fold_of_row[tested])
    import pandas as pd

    oof = pd.DataFrame({"id": np.asarray(ids, dtype=object)[tested], "fold": fold_of_row[tested],
                        "y_true": y[tested], "y_pred": pred[tested]})
    for j, lab in enumerate(labels):
        oof[f"proba:{lab}"] = proba[tested, j]
    per_fold_light = [{k: v for k, v in f.items() if k not in ("per_class",)} for f in per_fold]
    return block, per_fold_light, oof, (oof_scores, calibrator), final_head


def _fit_final(cfg: Config, X, rows, y):
    """Fit a head on all rows without cross-validation (``--no-cv``).

    A margin classifier is wrapped in :class:`CalibratedLinear`, which calibrates on its own
    inner folds.
    """
    from arclf.models.pipeline import build_head

    return build_head(cfg).fit(X[rows], y)


def _report_md(cfg: Config, metrics: dict, run: dict) -> str:
    lines = [f"# Run {run['run_id']} — {cfg.name}", "", f"Created {run['created']}; {run['data']['n_examples']} examples; "
             f"git {str(run['git']['commit'])[:10]}{' (dirty)' if run['git']['dirty'] else ''}.", ""]
    dup = run["data"]["duplicates"]
    lines += [f"Duplicates (exact, after normalization): {dup['groups']} groups, {dup['examples']} articles, "
              f"{dup['conflicting_groups']} groups with conflicting labels; each group kept in one fold.", ""]
    for task, t in metrics["tasks"].items():
        cv = t.get("cv")
        lines += [f"## Task `{task}` ({len(t['labels'])} classes, {t['n_examples']} examples)", ""]
        if not cv:
            lines += ["Not evaluated (--no-cv).", ""]
            continue
        lines += [f"Split: **{cv['split']}** ({cv['scheme']}, {cv['folds']} folds)", "",
                  "| metric | mean | std |", "|---|---|---|"]
        for m in ("macro_f1", "accuracy", "weighted_f1"):
            lines.append(f"| {m} | {cv[m]['mean']:.4f} | {cv[m]['std']:.4f} |")
        lines += ["", "| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        for lab, pc in cv["per_class"].items():
            lines.append(f"| {lab} | {pc['precision']['mean']:.3f} | {pc['recall']['mean']:.3f} | {pc['f1']['mean']:.3f} | {pc['support']} |")
        if "by_group" in cv:
            lines += ["", "| held-out source | macro-F1 | accuracy | n |", "|---|---|---|---|"]
            for g, v in cv["by_group"].items():
                lines.append(f"| {g} | {v['macro_f1']:.4f} | {v['accuracy']:.4f} | {v['n']} |")
        lines.append("")
    return "\n".join(lines)


def train(config: Config | str | Path, *, overrides: list[str] | None = None, data_dir: str | Path | None = None,
          output_dir: str | Path | None = None, cv: bool = True, save: bool = True, use_cache: bool | None = None,
          progress: Progress | None = None) -> TrainResult:
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

    Returns
    -------
    TrainResult

    Raises
    ------
    ConfigError, DataError
        Invalid config, missing or unusable data. No run folder is left behind.
    """
    cfg = config if isinstance(config, Config) else load_config(config, overrides)
    if save and output_dir is not None:
        check_new_run_dir(Path(output_dir))
    progress = progress or _noop
    use_cache = cfg.cache if use_cache is None else use_cache
    mon = StageMonitor()
    created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    with mon.stage("load"):
        ds, keep, cols, reports, n_short = _load(cfg, data_dir, progress)
    ids = cols["id"]
    if len(ids) < 2:
        raise DataError(f"{cfg.name}: fewer than 2 usable examples after loading")
    task_ys = {t.name: task_labels(cols, t) for t in cfg.tasks}
    with mon.stage("duplicates"):
        text_digests, dedup_keys = _digests(ds, keep, cfg.cv.group_duplicates, progress)
        _release_free_memory()
        fingerprint = data_fingerprint(ids, [d.hex() for d in text_digests], *task_ys.values())
        groups = _duplicate_groups(ds, keep, dedup_keys, cfg) if cfg.cv.group_duplicates else np.arange(len(ids))
    with mon.stage("featurize"):
        from arclf.training.warmup import compile_kernels

        # first run after an install: compile in a child, keep LLVM's memory out of this process
        compile_kernels(cfg, notify=lambda done: progress("compile kernels (first run only)", int(done), 1))
        featurizer, X, cache_hit = _featurize(cfg, ds, keep, fingerprint, progress, use_cache)
        del ds  # unmaps the corpus
        _release_free_memory()
        n_hash = X.shape[1]
        run_cv = cv and cfg.cv.scheme != "none"
        shared = run_cv and _scaled_path(cfg)  # folds read one shared uint16 matrix
        X, kept = compact_columns(X, cfg.features.min_df, by_frequency=shared)
        if not shared:  # scikit-learn heads take float counts
            import scipy.sparse as sp

            X = sp.csr_matrix((X.data.astype(np.float32), X.indices, X.indptr), shape=X.shape, copy=False)
    n_examples = len(ids)
    metrics = {"schema_version": 1, "tasks": {}}
    heads, oofs, dups = {}, {}, {}
    for task in cfg.tasks:
        y_all = task_ys[task.name]
        rows = np.flatnonzero([v is not None for v in y_all])
        values, counts = np.unique(y_all[rows].astype(str), return_counts=True)
        small = set(values[counts < task.min_count])
        rows = rows[[str(y_all[i]) not in small for i in rows]]
        y = y_all[rows].astype(str).astype(object)
        if len(set(y)) < 2:
            raise DataError(f"task {task.name!r}: fewer than 2 classes with labels in the data (field {task.field!r}); check the label map")
        dups[task.name] = duplicate_report(groups[rows], y)
        entry = {"field": task.field, "level": task.level, "labels": sorted(set(y)), "n_examples": int(len(rows)),
                 "dropped_classes": sorted(small), "duplicates": dups[task.name]}
        if run_cv:
            with mon.stage(f"cv+fit:{task.name}"):  # the final fit runs in the folds' pool
                sources = [cols["source"][i] for i in rows]
                splits = [cols["split"][i] for i in rows]
                block, per_fold, oof, calibration, head = _cv_task(cfg, X, rows, y, [ids[i] for i in rows], groups[rows],
                                                                   sources, splits, progress, task.name, kept)
                if calibration[1] is not None:
                    head.steps[-1] = ("clf", CalibratedLinear.from_parts(head.named_steps["clf"], calibration[1],
                                                                         folds=cfg.classifier.calibration_folds, seed=cfg.seed))
            entry["cv"], entry["folds"] = block, per_fold
            oofs[task.name] = oof
        else:
            with mon.stage(f"fit:{task.name}"):
                progress(f"fit {task.name}", 0, 1)
                head = _fit_final(cfg, X, rows, y)
                progress(f"fit {task.name}", 1, 1)
        heads[task.name] = _to_hash_space(head, kept, n_hash)
        metrics["tasks"][task.name] = entry
    n_present, nnz = int(X.shape[1]), int(X.nnz)
    del X  # the matrix is most of the memory; saving and the report figures do not need it
    _release_free_memory()
    from arclf import __version__
    from arclf.bundle.model import Bundle, TaskModel

    run_id = RunWriter.new_id(config_hash(cfg))
    bundle = Bundle(featurizer=featurizer,
                    tasks={t.name: TaskModel(t.name, t.field, metrics["tasks"][t.name]["labels"], heads[t.name], t.level) for t in cfg.tasks},
                    meta={"arclf_version": __version__, "created": created, "config": cfg.resolved(), "run_id": run_id,
                          "data_fingerprint": fingerprint, "n_examples": n_examples})
    all_dups = duplicate_report(groups, task_ys[cfg.tasks[0].name])
    run = {"schema_version": 1, "kind": "train", "name": cfg.name, "run_id": run_id, "created": created,
           "config_hash": config_hash(cfg), "config_file": str(cfg._source) if cfg._source else None,
           "overrides": list(cfg._overrides), "variant": cfg._variant, "command": command_line(), "seed": cfg.seed, "git": git_info(),
           "versions": versions(),
           "data": {"fingerprint": fingerprint, "n_examples": n_examples, "too_short": n_short,
                    "corpora": [r if isinstance(r, dict) else r.as_dict() for r in reports], "duplicates": all_dups, "feature_cache_hit": cache_hit,
                    "n_features_hashed": int(n_hash), "n_features_present": n_present, "nnz": nnz},
           "timing": mon.stages, "wall_seconds": None, "peak_rss_mb": None}
    run_dir = None
    if save:
        run_dir = _write_run(cfg, output_dir, run_id, run, metrics, oofs, bundle, mon)
    run["wall_seconds"], run["peak_rss_mb"] = mon.wall_seconds, mon.peak_rss_mb
    return TrainResult(run_dir, metrics, run, bundle)


def _write_run(cfg: Config, output_dir, run_id: str, run: dict, metrics: dict, oofs: dict, bundle, mon: StageMonitor) -> Path:
    import yaml

    if output_dir is not None:
        output_dir = Path(output_dir)
        writer = RunWriter(output_dir.parent, output_dir.name)
    else:
        writer = RunWriter(DEFAULT_RUNS_ROOT / cfg.name, run_id)
    try:
        with mon.stage("save"):
            path = writer.path
            (path / "config.yaml").write_text(yaml.safe_dump(cfg.resolved(), sort_keys=False, allow_unicode=True), encoding="utf-8")
            if oofs:
                (path / "oof").mkdir()
                for name, oof in oofs.items():
                    oof.to_parquet(path / "oof" / f"{name}.parquet", index=False)
            bundle.meta["run_id"] = writer.final.name
            bundle.save(path / "model.joblib")
            run["run_id"] = writer.final.name
            write_json(path / "metrics.json", metrics)
        run["timing"], run["wall_seconds"], run["peak_rss_mb"] = mon.stages, mon.wall_seconds, mon.peak_rss_mb
        run["bundle_bytes"] = (path / "model.joblib").stat().st_size
        write_json(path / "run.json", run)
        (path / "report.md").write_text(_report_md(cfg, metrics, run), encoding="utf-8")
        try:
            from arclf.runs.report import write_report

            write_report(path)
        except Exception as exc:  # the run is complete without its figures; `arclf report` redoes them
            import warnings

            warnings.warn(f"report figures not written ({exc.__class__.__name__}: {exc}); run `arclf report {writer.final}`")
        return writer.commit(link_latest=output_dir is None)  # an --output-dir's parent is the user's folder
    except BaseException:
        writer.abort()
        raise
