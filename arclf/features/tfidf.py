"""TF-IDF over the hash columns that training kept: :class:`HashedTfidf` (and :func:`build_tfidf`).

It learns from training rows which hash columns to keep (by document frequency, then
``max_features``) and their idf, and turns counts into normalized TF-IDF rows, as
scikit-learn's ``TfidfVectorizer`` does after its vocabulary (same idf formula and smoothing:
scikit-learn user guide, "Tf-idf term weighting"). The compiled kernel is
:func:`arclf.features.kernels.tfidf_remap`.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from arclf.features.analyzers import _SMALL_NNZ
from arclf.features.hashing import check_float_dtype

__all__ = ["HashedTfidf", "build_tfidf"]

_NORMS = {None: 0, "l1": 1, "l2": 2}


def _check_counts(X):
    """Counts as a canonical CSR matrix (sorted indices, no duplicates)."""
    if not sp.issparse(X):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"expected a 2-d matrix of counts, got an array of shape {X.shape}")
        X = sp.csr_matrix(X)
    elif X.format != "csr":
        X = X.tocsr()
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


def _column_sums(indices, weights, n_features: int, chunk: int = 1 << 24) -> np.ndarray:
    """Per-column number of entries (or sum of ``weights``), like ``np.bincount`` but in
    chunks, so that int32 indices are never converted to one int64 copy of them all."""
    out = np.zeros(n_features, dtype=np.int64 if weights is None else np.float64)
    for start in range(0, len(indices), chunk):
        part = weights[start:start + chunk] if weights is not None else None
        out += np.bincount(indices[start:start + chunk], weights=part, minlength=n_features)
    return out


def _doc_count(value, n_samples: int) -> float:
    # an int is a number of documents, a float a proportion of them (as in scikit-learn)
    return value if isinstance(value, numbers.Integral) else value * n_samples


class HashedTfidf(TransformerMixin, BaseEstimator):
    """TF-IDF over the hash columns that occur often enough in the training rows.

    ``fit`` keeps the hash columns whose document frequency lies in ``[min_df, max_df]``
    (then the ``max_features`` most frequent ones) and learns their idf; ``transform``
    selects and renumbers those columns, applies ``1 + log(tf)``, multiplies by idf and
    normalizes each row, as ``TfidfVectorizer`` does after its vocabulary.

    Parameters
    ----------
    min_df : int or float, default=2
        Keep columns present in at least this many training documents (a float in
        [0, 1]: this proportion of them).
    max_df : int or float, default=1.0
        Keep columns present in at most this many (or this proportion of) documents.
    max_features : int, default=None
        Keep at most this many columns, those with the largest total count over the
        training rows (as scikit-learn's ``max_features``); ties go to the lower column.
    sublinear_tf : bool, default=True
        Use ``1 + log(tf)`` instead of ``tf``.
    norm : {"l2", "l1"} or None, default="l2"
        Per-row normalization.
    smooth_idf : bool, default=True
        ``idf = ln((1 + n) / (1 + df)) + 1``; without smoothing ``ln(n / df) + 1``.
    dtype : {np.float32, np.float64}, default=np.float32
        Dtype of the output.
    copy : bool, default=True
        False lets ``transform`` write the TF-IDF matrix into the arrays of its input
        when their dtypes match (the input is then unusable). :func:`arclf.models.pipeline.build_pipeline`
        sets it, since there the input is the vectorizer's own intermediate counts: a fit
        then holds one matrix instead of counts and TF-IDF side by side.
    block_weights : tuple of float, default=None
        The hash columns as consecutive blocks of ``block_size`` columns (the layout of
        :func:`arclf.features.hashing.build_features`: char, word, title); ``fit`` multiplies
        the idf of block ``k``'s columns by ``block_weights[k]``, so a block's share of each
        normalized row grows or shrinks with it (rows are still normalized once, over all
        blocks). None: every weight 1.
    block_size : int, default=None
        Hash columns per block; required with ``block_weights``.

    Attributes
    ----------
    columns_ : ndarray of shape (n_kept,), dtype int32 or int64
        The kept input (hash) columns, increasing; output column ``j`` is ``columns_[j]``.
    idf_ : ndarray of shape (n_kept,), dtype float32
        Idf of each kept column (times its block's weight).
    n_features_in_ : int
        Number of input columns (``n_features``; twice that for a char+word union).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> counts = sp.csr_matrix([[1, 2, 0], [0, 1, 0], [0, 3, 1]], dtype="float32")
    >>> tfidf = HashedTfidf(min_df=2).fit(counts)
    >>> tfidf.columns_
    array([1], dtype=int32)
    >>> tfidf.transform(counts).toarray()
    array([[1.],
           [1.],
           [1.]], dtype=float32)
    """

    def __init__(self, *, min_df=2, max_df=1.0, max_features=None, sublinear_tf=True, norm="l2",
                 smooth_idf=True, dtype=np.float32, copy=True, block_weights=None, block_size=None):
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.norm = norm
        self.smooth_idf = smooth_idf
        self.dtype = dtype
        self.copy = copy
        self.block_weights = block_weights
        self.block_size = block_size

    def _validate(self):
        for name in ("min_df", "max_df"):
            value = getattr(self, name)
            ok = (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0) or (
                isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral) and 0 <= value <= 1)
            if not ok:
                raise ValueError(f"{name}={value!r}: expected an int >= 0 (documents) "
                                 f"or a float in [0, 1] (proportion)")
        mf = self.max_features
        if mf is not None and (not isinstance(mf, numbers.Integral) or isinstance(mf, bool) or mf < 1):
            raise ValueError(f"max_features={mf!r}: expected None or an int >= 1")
        if self.norm not in _NORMS:
            raise ValueError(f"norm={self.norm!r}: expected 'l2', 'l1' or None")
        check_float_dtype(self.dtype, "HashedTfidf")
        bw = self.block_weights
        if bw is not None and (not len(bw) or not all(isinstance(w, numbers.Real) and w > 0 for w in bw)):
            raise ValueError(f"block_weights={bw!r}: expected None or a non-empty sequence of numbers > 0")
        bs = self.block_size
        if bw is not None and (not isinstance(bs, numbers.Integral) or isinstance(bs, bool) or bs < 1):
            raise ValueError(f"block_size={bs!r}: block_weights need the hash columns per block, an int >= 1")

    def fit(self, X, y=None, hash_columns=None):
        """Learn the kept columns and their idf from training counts.

        Parameters
        ----------
        X : sparse matrix of shape (n_samples, n_features)
            Non-negative counts, e.g. from :class:`HashingNgramVectorizer`.
        y : None
            Ignored.
        hash_columns : array-like of int, shape (n_features,), optional
            The featurizer's hash column of each column of ``X`` when ``X`` is a compacted
            matrix (:func:`arclf.models.solver.compact_columns`); ``block_weights`` are looked
            up by it. None: ``X``'s columns are the hash columns.

        Returns
        -------
        self : HashedTfidf

        Raises
        ------
        ValueError
            A parameter is invalid, ``max_df`` allows fewer documents than ``min_df``,
            or no column is left.
        """
        X = _check_counts(X)
        n_samples, n_features = X.shape
        df = _column_sums(X.indices, None, n_features)
        return self.fit_document_frequencies(df, n_samples, functools.partial(_column_sums, X.indices, X.data, n_features),
                                             hash_columns=hash_columns)

    def fit_document_frequencies(self, df, n_samples: int, total=None, hash_columns=None):
        """Fit from document frequencies instead of a count matrix.

        The training loop uses this to fit on rows of a shared matrix without copying them.

        Parameters
        ----------
        df : ndarray of shape (n_features,)
            Number of training rows in which each input column occurs.
        n_samples : int
            Number of training rows.
        total : callable () -> ndarray of shape (n_features,), optional
            Each column's total count; called only for ``max_features`` (required then).
        hash_columns : array-like of int, shape (n_features,), optional
            As in :meth:`fit`.

        Returns
        -------
        self : HashedTfidf

        Raises
        ------
        ValueError
            As :meth:`fit`.
        """
        self._validate()
        n_features = len(df)
        low, high = _doc_count(self.min_df, n_samples), _doc_count(self.max_df, n_samples)
        if high < low:
            raise ValueError(f"max_df={self.max_df!r} corresponds to fewer documents than "
                             f"min_df={self.min_df!r} (n_samples={n_samples})")
        keep = np.flatnonzero((df > 0) & (df >= low) & (df <= high))
        if self.max_features is not None and len(keep) > self.max_features:
            total = total()[keep]
            keep = np.sort(keep[np.lexsort((keep, -total))[:self.max_features]])
        if len(keep) == 0:
            raise ValueError(f"no column is left: none occurs in between min_df={self.min_df!r} and "
                             f"max_df={self.max_df!r} of the {n_samples} training documents")
        kept_df = df[keep].astype(np.float64)
        smooth = int(bool(self.smooth_idf))
        self.columns_ = keep.astype(np.int32 if n_features <= 2**31 else np.int64)
        idf = np.log((n_samples + smooth) / (kept_df + smooth)) + 1.0
        if self.block_weights is not None:
            idf *= self._block_weight(keep, n_features, hash_columns)
        self.idf_ = idf.astype(np.float32)
        self.n_features_in_ = int(n_features)
        self._index = None
        return self

    def _block_weight(self, keep, n_features: int, hash_columns) -> np.ndarray:
        """The block weight of each kept input column."""
        if hash_columns is not None:
            hash_columns = np.asarray(hash_columns)
            if hash_columns.shape != (n_features,):
                raise ValueError(f"hash_columns has shape {hash_columns.shape}, expected ({n_features},)")
        block = (keep if hash_columns is None else hash_columns[keep]) // self.block_size
        if len(block) and block.max() >= len(self.block_weights):
            raise ValueError(f"hash column {int(block.max()) * self.block_size} lies past the "
                             f"{len(self.block_weights)} blocks of {self.block_size} columns of block_weights")
        return np.asarray(self.block_weights, dtype=np.float64)[block]

    def _column_index(self):
        # bitmap index of the kept columns for the kernels; built on first use, never pickled
        index = getattr(self, "_index", None)
        if index is None:
            from arclf.features.kernels import column_bitmap

            index = self._index = column_bitmap(self.columns_, self.n_features_in_)
        return index

    def transform(self, X):
        """TF-IDF rows over the kept columns.

        Parameters
        ----------
        X : sparse matrix of shape (n_samples, n_features_in_)
            Counts.

        Returns
        -------
        csr_matrix of shape (n_samples, len(columns_))
            Sorted indices; rows with no kept column are empty.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        ValueError
            ``X`` does not have ``n_features_in_`` columns.
        """
        check_is_fitted(self, "idf_")
        X = _check_counts(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} columns, but HashedTfidf was fitted on {self.n_features_in_}")
        from arclf.features import kernels as _kernels

        norm, dtype = _NORMS[self.norm], np.dtype(self.dtype)
        if not _kernels.compiled() and X.nnz <= _SMALL_NNZ:
            indptr, indices, data = self._remap_python(X, norm, dtype)
        else:
            indptr, indices, data = _kernels.tfidf_remap(
                X.indptr, X.indices, X.data, self.columns_, self.n_features_in_, self.idf_,
                sublinear=bool(self.sublinear_tf), norm=norm, dtype=dtype, index=self._column_index(),
                inplace=not getattr(self, "copy", True))
        X_out = sp.csr_matrix((data, indices, indptr), shape=(X.shape[0], len(self.columns_)), copy=False)
        X_out.has_canonical_format = True
        return X_out

    def _remap_python(self, X, norm, dtype):
        # the arithmetic of arclf.features.kernels.tfidf_remap, operation for operation (libm log,
        # float64, sequential sums), so both give identical bits
        new = self._positions(X.indices)
        keep = new >= 0
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))[keep]
        new = new[keep]
        tf = X.data[keep].astype(np.float64)
        if self.sublinear_tf:
            tf = np.array([1.0 + math.log(v) if v > 0 else 0.0 for v in tf.tolist()], dtype=np.float64)
        values = tf * self.idf_[new].astype(np.float64)
        indptr = np.zeros(X.shape[0] + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows, minlength=X.shape[0]), out=indptr[1:])
        out = np.empty(len(values), dtype=dtype)
        for r in range(X.shape[0]):
            v = values[indptr[r]:indptr[r + 1]]
            scale = 1.0
            if norm and len(v):
                total = float(np.cumsum(v * v if norm == 2 else np.abs(v))[-1])
                if total > 0.0:
                    scale = 1.0 / (math.sqrt(total) if norm == 2 else total)
            out[indptr[r]:indptr[r + 1]] = v * scale
        return indptr, new.astype(np.int32), out

    def _positions(self, cols):
        # output column of each input column, -1 if not kept (binary search, no table)
        pos = np.searchsorted(self.columns_, cols)
        pos[pos == len(self.columns_)] = 0
        return np.where(self.columns_[pos] == cols, pos, -1)

    def fit_transform(self, X, y=None, hash_columns=None):
        """Fit on ``X`` and return its TF-IDF rows (see :meth:`fit`, :meth:`transform`)."""
        X = _check_counts(X)
        return self.fit(X, hash_columns=hash_columns).transform(X)

    @classmethod
    def from_arrays(cls, columns, idf, n_features_in: int, **params) -> "HashedTfidf":
        """A fitted HashedTfidf from saved arrays (a bundle's), without refitting.

        Parameters
        ----------
        columns : array-like of int, shape (n_kept,)
            The kept input columns, distinct, in ``[0, n_features_in)``; :meth:`transform` needs
            them increasing (the training loop passes another order only on its way to
            :meth:`renumber_columns`).
        idf : array-like of float, shape (n_kept,)
        n_features_in : int
        **params
            Constructor parameters (``sublinear_tf``, ``norm``, ...), as :meth:`get_params` gives them.

        Returns
        -------
        HashedTfidf

        Raises
        ------
        ValueError
            Shapes disagree, a column is out of range or repeated, or a parameter is invalid.
        """
        self = cls(**params)
        self._validate()
        columns, idf = np.asarray(columns), np.asarray(idf, dtype=np.float32)
        n_features_in = int(n_features_in)
        if columns.ndim != 1 or idf.shape != columns.shape or not np.issubdtype(columns.dtype, np.integer):
            raise ValueError(f"columns {columns.shape} ({columns.dtype}) and idf {idf.shape} must be 1-D of one length, columns integer")
        if columns.size and (columns.min() < 0 or columns.max() >= n_features_in or len(np.unique(columns)) != len(columns)):
            raise ValueError(f"columns must be distinct and lie in [0, {n_features_in})")
        self.columns_ = columns.astype(np.int32 if n_features_in <= 2**31 else np.int64)
        self.idf_ = idf
        self.n_features_in_ = n_features_in
        self._index = None
        return self

    def renumber_columns(self, kept, n_features_in: int) -> "HashedTfidf":
        """Map a fit made on a column subset back to the full input space.

        After fitting on ``X[:, kept]``, ``renumber_columns(kept, X.shape[1])`` makes this object
        transform ``X`` itself. ``kept`` must be increasing.
        """
        check_is_fitted(self, "idf_")
        kept = np.asarray(kept)
        dtype = np.int32 if n_features_in <= 2**31 else np.int64
        self.columns_ = kept[self.columns_].astype(dtype)
        self.n_features_in_ = int(n_features_in)
        self._index = None
        return self

    def column_index(self, hash_cols) -> np.ndarray:
        """Output column of each input (hash) column.

        Parameters
        ----------
        hash_cols : array-like of int
            Input columns, in ``[0, n_features_in_)``.

        Returns
        -------
        ndarray of the same shape, dtype int64
            The output column, or -1 for a column that was not kept.
        """
        check_is_fitted(self, "idf_")
        cols = np.asarray(hash_cols, dtype=np.int64)
        if cols.size and (cols.min() < 0 or cols.max() >= self.n_features_in_):
            raise ValueError(f"hash columns must lie in [0, {self.n_features_in_}), got "
                             f"{cols.min()}..{cols.max()}")
        return self._positions(cols).astype(np.int64)

    # Pickles stay small: the column index is rebuilt on first use, kept columns are
    # stored as a bitmap when that is smaller, and idf as codes into its distinct values
    # (one per distinct document frequency). Both decode to the identical arrays.
    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_index", None)
        if "columns_" in state:
            cols, idf = state.pop("columns_"), state.pop("idf_")
            if self.n_features_in_ // 8 < cols.nbytes:
                mask = np.zeros(self.n_features_in_, dtype=bool)
                mask[cols] = True
                packed_cols = ("bitmap", np.packbits(mask), cols.dtype.str)
            else:
                packed_cols = ("array", cols, cols.dtype.str)
            values, codes = np.unique(idf, return_inverse=True)
            packed_idf = (values, codes.astype(np.uint16 if len(values) <= 2**16 else np.uint32))
            state["_packed"] = (packed_cols, packed_idf)
        return state

    def __setstate__(self, state):
        state = dict(state)
        packed = state.pop("_packed", None)
        if packed is not None:
            (kind, cols, col_dtype), (values, codes) = packed
            if kind == "bitmap":
                cols = np.flatnonzero(np.unpackbits(cols, count=state["n_features_in_"]))
            state["columns_"] = cols.astype(col_dtype)
            state["idf_"] = values[codes]
        state["_index"] = None
        super().__setstate__(state)


def build_tfidf(spec) -> HashedTfidf:
    """The :class:`HashedTfidf` of a features config (``min_df``, ``max_df``, ``max_features``, ``sublinear_tf``,
    and the title block's weight, :func:`arclf.features.hashing.block_weights`).

    Parameters
    ----------
    spec : arclf.config.FeaturesSpec

    Returns
    -------
    HashedTfidf
        Not fitted.
    """
    from arclf.features.hashing import block_weights

    return HashedTfidf(min_df=spec.min_df, max_df=spec.max_df, max_features=spec.max_features,
                       sublinear_tf=spec.sublinear_tf, block_weights=block_weights(spec),
                       block_size=spec.n_features if spec.title_weight > 0 else None)
