"""Counts shared between candidates: one growing count matrix per feature setting.

Candidates that differ only in what is learned (classifier, C, class weights, TF-IDF settings,
``min_df``) read the same hashed n-gram counts. A :class:`FeatureStore` featurizes each text of
a feature setting once, when a rung first needs it, and keeps the counts for the larger rungs
that follow; document frequencies, IDF, pruning and the classifier are then fitted per fold on
the fold's training rows only, as in ``arclf train``.
"""

from __future__ import annotations

import json

import numpy as np

from arclf.config import Config

__all__ = ["feature_key", "FeatureStore", "rung_matrices"]


def feature_key(cfg: Config) -> str:
    """What the featurizer of ``cfg`` computes: its parameters as JSON (as the feature cache keys them).

    Two configs with the same key give the same counts, whatever keys later versions add to
    ``normalize`` or ``features``: the key is read from the built featurizer, not from a list here.
    """
    from arclf.models.pipeline import build_featurizer

    return json.dumps(build_featurizer(cfg).get_params(deep=True), sort_keys=True, default=repr)


class FeatureStore:
    """Hashed ``uint16`` n-gram counts of the texts one feature setting has needed so far.

    Parameters
    ----------
    cfg : Config
        Any config with the feature setting (:func:`feature_key`).
    texts : sequence of str
        Every text the search may use; rows are positions in it.
    """

    def __init__(self, cfg: Config, texts):
        from arclf.models.pipeline import build_featurizer

        self.featurizer = build_featurizer(cfg).fit([""])
        self.texts = texts
        self.where_ = np.full(len(texts), -1, dtype=np.int64)  # row -> line of X_
        self.X_ = None
        self.n_featurized_ = 0

    def counts(self, rows: np.ndarray, chunk: int = 250):
        """Counts of ``rows`` (positions in ``texts``), in that order: csr of shape (len(rows), hash columns).

        Rows not featurized yet are featurized now (``chunk`` texts at a time) and kept.
        """
        import scipy.sparse as sp

        from arclf.models.solver import MAX_COUNT

        rows = np.asarray(rows, dtype=np.int64)
        missing = np.unique(rows[self.where_[rows] < 0])
        if len(missing):
            parts = []
            for start in range(0, len(missing), chunk):
                part = self.featurizer.transform([self.texts[i] for i in missing[start:start + chunk]]).tocsr()
                part = sp.csr_matrix((np.minimum(part.data, MAX_COUNT).astype(np.uint16), part.indices, part.indptr),
                                     shape=part.shape)
                parts.append(part)
            new = sp.vstack(parts, format="csr")
            start = 0 if self.X_ is None else self.X_.shape[0]
            self.X_ = new if self.X_ is None else sp.vstack([self.X_, new], format="csr")
            self.where_[missing] = np.arange(start, start + len(missing))
            self.n_featurized_ += len(missing)
        return self.X_[self.where_[rows]]


def rung_matrices(store: FeatureStore, rows: np.ndarray, need_float: bool, *, need_counts: bool = True,
                  release: bool = False):
    """The matrices a rung's fits read: ``(uint16 counts or None, float32 counts or None, hash column of each column)``.

    Columns are the hashed columns present in ``rows``, numbered by decreasing document
    frequency (:func:`arclf.models.solver.compact_columns`); the shared-count linear SVM reads
    the ``uint16`` matrix (``need_counts``), scikit-learn heads the ``float32`` one
    (``need_float``). The hash columns let TF-IDF weigh each feature block (``title_weight``). With
    ``release``, the store forgets its counts once these are made (the last use of a setting).
    """
    import scipy.sparse as sp

    from arclf.models.solver import compact_columns

    counts = store.counts(rows)
    if release:
        store.X_, store.n_featurized_ = None, 0
        store.where_.fill(-1)
    X, kept = compact_columns(counts, 1, by_frequency=True)
    del counts
    Xf = None
    if need_float:
        Xf = sp.csr_matrix((X.data.astype(np.float32), X.indices if not need_counts else X.indices.copy(),
                            X.indptr if not need_counts else X.indptr.copy()), shape=X.shape)
        Xf.sort_indices()
    return (X if need_counts else None), Xf, kept
