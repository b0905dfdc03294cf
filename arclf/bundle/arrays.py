"""Prediction from a bundle's arrays, without importing scikit-learn.

A bundle (hashed n-grams → TF-IDF → a linear classifier, probabilities calibrated or the
classifier's own) is stored as plain arrays (see :mod:`arclf.bundle.model`). :class:`ArrayPredictor`
scores texts from those arrays with numpy and scipy only, so ``arclf predict`` on one article
starts in well under a second instead of spending a second importing scikit-learn. It computes
exactly what the scikit-learn pipeline computes: the same normalization tables, the same
n-gram hashing (:mod:`arclf.features.analyzers`), TF-IDF as :class:`arclf.features.tfidf.HashedTfidf`, the
linear decision function, and the multinomial (or, for two classes, binary) logistic
calibration map of :func:`arclf.models.pipeline.fit_score_calibrator`.
"""

from __future__ import annotations

import numpy as np

from arclf.models.scores import linear_proba, sigmoid, softmax, two_columns

__all__ = ["ArrayPredictor", "feature_blocks", "check_widths"]


def feature_blocks(features: dict) -> list[tuple[str, tuple[int, int], int, int, bool]]:
    """``[(analyzer, (min_n, max_n), n_features, column offset, first line only), ...]`` of a resolved ``features`` config.

    Blocks of ``n`` columns as :func:`arclf.features.hashing.build_features` lays them out: char
    n-grams (kinds char and union), word n-grams (word and union), then the first line's char
    n-grams when ``title_weight`` is above 0 (absent from bundles older than it: no title block).
    """
    n = int(features["n_features"])
    char = (features["char"]["analyzer"], tuple(features["char"]["ngram_range"]), n)
    word = ("word", tuple(features["word"]["ngram_range"]), n)
    kind = features["kind"]
    blocks = [char] if kind == "char" else [word] if kind == "word" else [char, word]
    out = [(*block, k * n, False) for k, block in enumerate(blocks)]
    if features.get("title_weight", 0) > 0:
        out.append((*char, len(blocks) * n, True))
    return out


def check_widths(arrays: dict, settings: dict) -> None:
    """Raise ValueError unless every task's TF-IDF was fitted on as many hash columns as its config's
    feature blocks give (``settings``: task -> (steps, blocks, sublinear)).

    A manifest whose features were edited after training (a title block taken away, another hash
    size) would otherwise score with some blocks silently dropped, or fail deep inside scikit-learn.
    The loaders turn the error into a one-line :class:`arclf.errors.BundleError`.
    """
    for name, task in arrays["tasks"].items():
        width = sum(block[2] for block in settings[name][1])
        if int(task["n_features_in"]) != width:
            raise ValueError(f"task {name} was fitted on {task['n_features_in']} hash columns, but the features "
                             f"of its config give {width}")


#: Non-zeros scored at a time by :meth:`ArrayPredictor._decision` (memory: about 100 bytes each).
CHUNK_NNZ = 1_000_000


class ArrayPredictor:
    """Scores texts with every task of an array bundle (the dict :func:`arclf.bundle.model.load_arrays` returns).

    Every classifier kind is a linear map of TF-IDF followed by its probability map
    (:func:`arclf.models.scores.linear_proba`) or a calibrator.

    Parameters
    ----------
    arrays : dict
        ``{"meta": {..., "config": resolved config}, "tasks": {name: {...arrays...}}}``.

    Attributes
    ----------
    tasks : dict
        Task name -> its arrays and labels (``labels``, ``classes``, ``columns``, ``idf``, ``coef``,
        ``intercept``, ``proba``, ``calibrator``).
    meta : dict
    """

    def __init__(self, arrays: dict):
        from arclf.text.normalize import STEPS

        self.meta = arrays["meta"]
        self.tasks = arrays["tasks"]
        cfg = self.meta["config"]
        own = {t["name"]: t for t in cfg.get("tasks", [])}

        def settings(name):  # (normalization steps, feature blocks, sublinear tf): the task's or the top level's
            normalize = own.get(name, {}).get("normalize") or cfg["normalize"]
            features = own.get(name, {}).get("features") or cfg["features"]
            return (tuple(s for s in STEPS if normalize.get(s)), tuple(feature_blocks(features)),
                    bool(features["sublinear_tf"]))

        self._settings = {name: settings(name) for name in self.tasks}
        check_widths(arrays, self._settings)

    def _counts(self, texts: list[str], steps: tuple, blocks: tuple):
        from arclf.features.analyzers import count_ngrams, first_line as title_line
        from arclf.text.normalize import normalize_text

        docs = [normalize_text(t, steps) for t in texts]
        parts = []
        for analyzer, (lo, hi), n_features, offset, first_line in blocks:
            block_docs = [title_line(d) for d in docs] if first_line else docs
            indptr, indices, data = count_ngrams(block_docs, analyzer, lo, hi, n_features, np.float32)
            parts.append((np.asarray(indptr, np.int64), np.asarray(indices, np.int64) + offset, np.asarray(data)))
        if len(parts) == 1:
            return parts[0]
        # interleave the blocks row by row (each block's columns are above the previous one's)
        counts = sum(np.diff(p[0]) for p in parts)
        indptr = np.concatenate([[0], np.cumsum(counts)])
        order = np.argsort(np.concatenate([np.repeat(np.arange(len(texts)), np.diff(p[0])) for p in parts]), kind="stable")
        indices = np.concatenate([p[1] for p in parts])[order]
        data = np.concatenate([p[2] for p in parts])[order]
        return indptr, indices, data

    def _decision(self, task: dict, indptr, indices, data, sublinear: bool) -> np.ndarray:
        """Decision values, shape (n_texts, n_classes): TF-IDF over the kept columns, then the linear map.

        One arithmetic for every batch size: each row's value depends on that row alone (per-row
        sums in index order, float64, TF-IDF rounded to float32 as the pipeline's), so an article
        gets the same scores alone, in a folder or in a stream. Rows are taken in chunks of at
        most :data:`CHUNK_NNZ` non-zeros to bound memory.
        """
        n = len(indptr) - 1
        out = np.empty((n, task["coef"].shape[0]))
        start = 0
        while start < n:
            stop = int(np.searchsorted(indptr, indptr[start] + CHUNK_NNZ, side="right")) - 1
            stop = min(max(stop, start + 1), n)
            lo, hi = indptr[start], indptr[stop]
            out[start:stop] = self._decision_rows(task, indptr[start:stop + 1] - lo, indices[lo:hi], data[lo:hi], sublinear)
            start = stop
        return out + task["intercept"]

    def _decision_rows(self, task: dict, indptr, indices, data, sublinear: bool) -> np.ndarray:
        n = len(indptr) - 1
        cols = task["columns"]
        pos = np.minimum(np.searchsorted(cols, indices), len(cols) - 1)
        keep = cols[pos] == indices
        rows = np.repeat(np.arange(n), np.diff(indptr))[keep]
        j = pos[keep]
        tf = data[keep].astype(np.float64)
        if sublinear:
            tf = 1.0 + np.log(tf)
        values = tf * task["idf"][j]
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n))
        values /= np.where(norms > 0, norms, 1.0)[rows]
        values = values.astype(np.float32).astype(np.float64)  # the pipeline's TF-IDF is float32
        coef = task["coef"]
        out = np.empty((n, coef.shape[0]))
        for k in range(coef.shape[0]):  # one bincount per class: no scipy.sparse import (0.2 s)
            out[:, k] = np.bincount(rows, weights=values * coef[k, j], minlength=n)
        return out

    @staticmethod
    def _proba(task: dict, decision: np.ndarray) -> np.ndarray:
        cal = task.get("calibrator")
        if cal is None:  # the classifier's own map (a softmax of margins for an uncalibrated LinearSVM)
            return linear_proba(decision, task.get("proba", "softmax"))
        z = two_columns(decision) @ cal["coef"].T + cal["intercept"]
        if z.shape[1] == 1:  # binary logistic regression (NumPy's exp: SciPy is not imported here)
            p1 = sigmoid(z[:, 0])
            return np.column_stack([1.0 - p1, p1])
        return softmax(z, copy=False)

    def predict_proba(self, texts: list[str], tasks=None) -> dict:
        """``{task: (classes, proba of shape (n_texts, n_classes))}`` for every task (or ``tasks``)."""
        return {name: (classes, proba) for name, (classes, proba, _) in self.predict_scores(texts, tasks).items()}

    def predict_scores(self, texts: list[str], tasks=None) -> dict:
        """``{task: (classes, proba, decision values)}``, both of shape (n_texts, n_classes) (decision
        values: (n_texts, 1) for two classes), for every task (or ``tasks``)."""
        texts, out, counts = list(texts), {}, {}
        for name in tasks or list(self.tasks):  # one featurization per distinct featurizer
            steps, blocks, sublinear = self._settings[name]
            if (steps, blocks) not in counts:
                counts[steps, blocks] = self._counts(texts, steps, blocks)
            task = self.tasks[name]
            decision = self._decision(task, *counts[steps, blocks], sublinear)
            out[name] = (list(task["classes"]), self._proba(task, decision), decision)
        return out
