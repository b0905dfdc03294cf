"""Cross-validate one task on the shared count matrix, and fit the model on all rows beside the folds.

:func:`cross_validate_task` makes the folds (duplicate groups kept together), fits every fold
and the final model in one thread pool, and turns the out-of-fold scores into probabilities
(cross-fitted calibration for margin classifiers) and metrics.
"""

from __future__ import annotations

import numpy as np

from arclf.config import Config
from arclf.evaluation.folds import Fold, fold_fingerprint, fold_metrics, make_folds, summarize_folds
from arclf.models.solver import softmax_decision, tf_table
from arclf.training.dataset import Progress, release_free_memory

__all__ = ["uses_shared_counts", "fit_svm_scaled", "fit_fold", "fit_fold_task", "cross_validate_task", "fit_final", "hash_columns_param",
           "to_hash_space"]


def uses_shared_counts(cfg: Config) -> bool:
    """True when folds train on shared sublinear-tf counts scaled on the fly (no per-fold copies)."""
    return cfg.classifier.kind == "linear_svm" and cfg.classifier.class_weight is None


def fit_svm_scaled(cfg: Config, X, train_rows, y_train, score_rows, column_ids=None):
    """Fit TF-IDF and the linear SVM on ``train_rows`` of the shared ``uint16`` count matrix; score ``score_rows``.

    Returns ``(head, classes, scores)``: a fitted ``Pipeline([('tfidf', ...), ('clf', LinearSVM)])``
    equal to fitting on the materialized TF-IDF rows, and decision values of ``score_rows``.
    ``column_ids`` (the hash column of each column of ``X``, from :func:`compact_columns`) orders
    the head's output columns by hash column, as :meth:`HashedTfidf.renumber_columns` needs.
    """
    from sklearn.pipeline import Pipeline

    from arclf.features.tfidf import HashedTfidf, build_tfidf
    from arclf.models.solver import LinearSVM, decision_scaled, fit_ovr_nb_scaled, fit_ovr_scaled, ovr_targets, scaled_tfidf
    from arclf.training.featurize import is_on_disk
    from arclf.training.outofcore import SOLVER_BLOCK_BYTES

    spec = cfg.classifier
    tfidf = build_tfidf(cfg.features)
    table = tf_table(cfg.features.sublinear_tf)
    col_scale, row_scale = scaled_tfidf(X, train_rows, score_rows, tfidf, sublinear=cfg.features.sublinear_tf, tf_table=table,
                                        hash_columns=column_ids)
    classes, y_index = np.unique(y_train, return_inverse=True)
    targets, n_problems = ovr_targets(y_index, len(classes))
    fit = fit_ovr_nb_scaled if spec.nb_scale else fit_ovr_scaled
    W, b, _ = fit(X, targets, train_rows, n_problems, col_scale=col_scale, row_scale=row_scale, tf_table=table,
                  C=spec.C, tol=spec.tol, max_iter=spec.max_iter, seed=cfg.seed,
                  block_bytes=SOLVER_BLOCK_BYTES if is_on_disk(X) else None)
    scores = decision_scaled(X, score_rows, W, b, row_scale=row_scale, tf_table=table) if len(score_rows) else None
    if scores is not None and n_problems == 1:
        scores = scores[:, 0]
    if column_ids is not None:
        order = np.argsort(np.asarray(column_ids)[tfidf.columns_], kind="stable")
        tfidf = HashedTfidf.from_arrays(tfidf.columns_[order], tfidf.idf_[order], tfidf.n_features_in_, **tfidf.get_params())
    svm = LinearSVM.from_weights(W[tfidf.columns_], b, classes,
                                 params={"C": spec.C, "tol": spec.tol, "max_iter": spec.max_iter, "random_state": cfg.seed,
                                         "nb_scale": spec.nb_scale})
    return Pipeline([("tfidf", tfidf), ("clf", svm)]), classes, scores


def fit_fold(cfg: Config, X, rows, y, fold: Fold, calibrate: bool, column_ids=None):
    """Fit one fold's head on its training rows; return test scores (decision or probabilities)."""
    import time

    from arclf.models.pipeline import CLASSIFIERS, build_head

    start = time.perf_counter()
    train_rows, test_rows = rows[fold.train], rows[fold.test]
    if uses_shared_counts(cfg):
        head, classes, scores = fit_svm_scaled(cfg, X, train_rows, y[fold.train], test_rows, column_ids)
        if not calibrate and scores is not None:  # what LinearSVM.predict_proba gives
            scores = softmax_decision(scores)
        release_free_memory()  # this thread's malloc arena would keep the fit's freed arrays
        return head, classes, scores, time.perf_counter() - start
    head = build_head(cfg)
    if calibrate:  # fit the raw margin classifier; probabilities come from cross-fitted calibration
        head.steps[-1] = ("clf", CLASSIFIERS[cfg.classifier.kind](cfg.classifier, cfg.seed))
    head.fit(X[train_rows], y[fold.train], **hash_columns_param(column_ids))
    clf = head.named_steps["clf"]
    scores = None
    if len(test_rows):
        Xt = head.named_steps["tfidf"].transform(X[test_rows])
        scores = clf.decision_function(Xt) if calibrate else clf.predict_proba(Xt)
    return head, clf.classes_, scores, time.perf_counter() - start


def fit_fold_task(fold: Fold, cfg: Config, X, rows, y, calibrate: bool, column_ids=None):
    """:func:`fit_fold` as an engine task (the fold first; the matrix and labels shared by every fold)."""
    return fit_fold(cfg, X, rows, y, fold, calibrate, column_ids)


def cross_validate_task(cfg: Config, X, rows, y, ids, groups, sources, splits, progress: Progress, name: str, column_ids=None,
                        published=None):
    """Cross-validate one task and fit its model on all rows in the same thread pool.

    On a Dask engine (:func:`arclf.engine.current_engine`) every fold and the model on all rows
    is a task of the cluster, and ``X`` reaches each worker once.

    Parameters
    ----------
    X : sparse matrix of shape (n_rows, n_columns)
        Counts of every loaded row (the task uses ``rows`` of it).
    rows : ndarray of int, shape (n,)
        The task's rows; ``y``, ``ids``, ``groups`` (duplicate groups), ``sources`` and ``splits`` align with it.
    column_ids : ndarray, optional
        Hash column of each column of ``X`` (see :func:`fit_svm_scaled`).
    published : list of datetime, optional
        Publication time per row (``cv.scheme: temporal``).

    Returns
    -------
    tuple
        ``(cv block, per-fold metrics, out-of-fold DataFrame, (out-of-fold scores, calibrator or None),
        model fitted on all rows, per-fold seconds)``. The out-of-fold scores (decision values of a
        calibrated margin classifier, else probabilities; shape (n_oof, n_labels), labels sorted)
        align with the DataFrame's rows. With ``repeated_stratified_kfold`` the
        per-fold metrics cover every fold of every repeat (the block's mean, std and ``interval``
        too), while the out-of-fold frame, the pooled scores and the calibrator come from repeat 0,
        so that each row is predicted once. With ``temporal``, the test rows' labels come from the
        raw decision values (no held-out rows are left to calibrate on) and the block names both
        periods (``periods``); the final model's calibrator is fitted on the test period's scores.

    Warns
    -----
    UserWarning
        A fold tests a label its training rows lack.
    """
    from joblib import Parallel, delayed

    from arclf.engine import current_engine
    from arclf.models.pipeline import needs_calibration

    labels = sorted(set(y))
    folds = make_folds(y, scheme=cfg.cv.scheme, n_folds=cfg.cv.folds, groups=groups, sources=sources,
                       splits=splits, test_split=cfg.cv.test_split, seed=cfg.seed, repeats=cfg.cv.repeats,
                       published=published, cutoff=cfg.cv.cutoff)
    for fold in folds:  # a class a fold tests but never trains on can only score 0
        unseen = sorted(set(y[fold.test]) - set(y[fold.train]))
        if unseen:
            import warnings

            warnings.warn(f"task {name!r}, fold {fold.index}: test labels absent from its training rows: "
                          f"{', '.join(map(str, unseen[:5]))}; their F1 is 0 in that fold (more data, fewer folds, "
                          f"or a larger min_count)")
    calibrate = needs_calibration(cfg.classifier)
    progress(f"cv {name}", 0, len(folds))
    # threads: liblinear and the n-gram kernels release the GIL, and threads share X without copies
    # the model on all rows is one more job in the same pool, first since it is the longest,
    # so it runs beside the folds instead of after them
    final = Fold(-1, np.arange(len(y)), np.arange(0))
    engine = current_engine()
    if engine.distributed:  # one task per fold, all submitted at once; X scattered once
        fits = engine.map(fit_fold_task, [final, *folds], cfg, X, rows, y, calibrate, column_ids, window=len(folds) + 1)
    else:
        parallel = Parallel(n_jobs=cfg.cv.n_jobs, backend="threading", return_as="generator")
        fits = parallel(delayed(fit_fold)(cfg, X, rows, y, f, calibrate, column_ids) for f in [final, *folds])
    results = []
    for i, res in enumerate(fits):
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
    repeats = sorted({f.repeat for f in folds})
    pred_of_fold, first = {}, None
    for r in repeats:
        mine = [(f, sc) for f, sc in zip(folds, fold_scores) if f.repeat == r]
        out = _oof_predictions(cfg, y, labels, [f for f, _ in mine], [sc for _, sc in mine], calibrate)
        for f, _ in mine:
            pred_of_fold[f.index] = out[2][f.test]
        if first is None:
            first = out
    oof_scores, proba, pred, fold_of_row, calibrator = first
    tested = fold_of_row >= 0
    per_fold = []
    for fold, (_, _, _, secs) in zip(folds, results):
        m = fold_metrics(list(y[fold.test]), list(pred_of_fold[fold.index]), labels)
        row = {"fold": fold.index, "held_out": fold.held_out, "n_train": int(len(fold.train)), "n_test": int(len(fold.test))}
        if cfg.cv.scheme == "repeated_stratified_kfold":
            row["repeat"] = fold.repeat
        per_fold.append({**row, **m})  # timings go to run.json: metrics.json is reproducible
    split = {"stratified_kfold": "cv-oof", "repeated_stratified_kfold": "cv-oof",
             "leave_one_source_out": "cv-oof-by-source"}.get(cfg.cv.scheme, f"test:{cfg.cv.test_split}")
    if cfg.cv.scheme == "temporal":
        split = f"temporal:{folds[0].periods['test']['from']}..{folds[0].periods['test']['to']}"
    block = summarize_folds(per_fold, labels, y[tested], pred[tested], scheme=cfg.cv.scheme, split=split)
    if cfg.cv.scheme == "temporal":
        block["periods"] = folds[0].periods
        block["probabilities"] = "softmax of decision values: no held-out rows left to calibrate on"
    if len(repeats) > 1:
        block["oof"]["from_repeat"] = 0
    block["group_duplicates"] = cfg.cv.group_duplicates
    block["fold_fingerprint"] = fold_fingerprint(np.asarray(ids)[tested], fold_of_row[tested])
    import pandas as pd

    oof = pd.DataFrame({"id": np.asarray(ids, dtype=object)[tested], "fold": fold_of_row[tested],
                        "y_true": y[tested], "y_pred": pred[tested]})
    for j, lab in enumerate(labels):
        oof[f"proba:{lab}"] = proba[tested, j]
    per_fold_light = [{k: v for k, v in f.items() if k not in ("per_class",)} for f in per_fold]
    fold_seconds = [round(secs, 3) for (_, _, _, secs) in results]
    return block, per_fold_light, oof, (oof_scores[tested], calibrator), final_head, fold_seconds


def _oof_predictions(cfg: Config, y, labels, folds, fold_scores, calibrate: bool):
    """Out-of-fold scores, probabilities and labels of one set of disjoint folds (one repeat).

    Returns ``(scores, proba, pred, fold_of_row, calibrator)``; rows no fold tests have fold -1.
    Margin scores are calibrated cross-fitted: fold k's calibrator never sees fold k's labels.
    A single fold (temporal, predefined) has no other folds: its labels are the argmax of the
    raw scores (temporal) and the returned calibrator, for the final model only, is fitted on them.
    """
    from arclf.models.calibration import fit_score_calibrator

    oof_scores = np.zeros((len(y), len(labels)))
    fold_of_row = np.full(len(y), -1)
    for fold, s in zip(folds, fold_scores):
        oof_scores[fold.test] = s
        fold_of_row[fold.test] = fold.index
    tested = fold_of_row >= 0
    if not calibrate:
        return oof_scores, oof_scores, np.asarray(labels, dtype=object)[oof_scores.argmax(axis=1)], fold_of_row, None
    finite = np.where(np.isfinite(oof_scores), oof_scores, -1e3)
    calibrator = fit_score_calibrator(finite[tested], y[tested], seed=cfg.seed)
    if cfg.cv.scheme == "temporal":
        proba = softmax_decision(finite)
        return oof_scores, proba, np.asarray(labels, dtype=object)[proba.argmax(axis=1)], fold_of_row, calibrator
    proba = np.zeros_like(oof_scores)
    for fold in folds:
        other = tested & (fold_of_row != fold.index)
        if len(set(y[other])) < 2:
            other = tested
        cal = fit_score_calibrator(finite[other], y[other], seed=cfg.seed)
        p = cal.predict_proba(finite[fold.test])
        for j, c in enumerate(cal.classes_):
            proba[fold.test, labels.index(c)] = p[:, j]
    return oof_scores, proba, np.asarray(labels, dtype=object)[proba.argmax(axis=1)], fold_of_row, calibrator


def fit_final(cfg: Config, X, rows, y, column_ids=None):
    """Fit a head on all rows without cross-validation (``--no-cv``).

    A margin classifier is wrapped in :class:`CalibratedLinear`, which calibrates on its own
    inner folds. ``column_ids``: the hash column of each column of a compacted ``X``.
    """
    from arclf.models.pipeline import build_head

    return build_head(cfg).fit(X[rows], y, **hash_columns_param(column_ids))


def hash_columns_param(column_ids) -> dict:
    """The fit parameter that tells a head's TF-IDF step the hash column of each compacted column."""
    return {} if column_ids is None else {"tfidf__hash_columns": np.asarray(column_ids)}


def to_hash_space(head, kept: np.ndarray, n_hash: int):
    """Renumber a fitted head's TF-IDF columns from the compact space back to the featurizer's hash columns."""
    head.named_steps["tfidf"].renumber_columns(kept, n_hash)
    return head
