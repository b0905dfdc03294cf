"""A linear SVM for sparse text features, trained by dual coordinate descent in compiled code.

:class:`LinearSVM` solves the same problem as scikit-learn's ``LinearSVC`` (L2-regularized
squared-hinge loss, one-vs-rest, the bias as a regularized feature of value 1) with the dual
coordinate-descent method of liblinear (Hsieh, Chang, Lin, Keerthi & Sundararajan, "A Dual
Coordinate Descent Method for Large-scale Linear SVM", ICML 2008, Algorithm 1), with two
changes that matter for text:

* all one-vs-rest problems advance together, visiting each row once per epoch for every class,
  so a row's features are read once and the weights of one feature for all classes sit in one
  cache line (``coef`` is stored feature-major);
* it reads float32 CSR matrices as they are, and can take per-column and per-row scales, so
  cross-validation trains on TF-IDF values computed on the fly from shared sublinear-tf
  counts instead of materializing a TF-IDF copy per fold (:func:`fit_ovr_scaled`).

The stopping rule is liblinear's: the spread of projected gradients over an epoch falls below
``tol`` for every class (liblinear's command-line default ``eps=0.1``).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from arclf.models.scores import softmax, two_columns
from arclf.util.jit import KernelSet

__all__ = ["LinearSVM", "fit_ovr_scaled", "fit_ovr_nb_scaled", "nb_log_ratios", "decision_scaled", "ovr_targets", "scaled_tfidf", "softmax_decision", "tf_table", "MAX_COUNT"]

#: The solver's kernels (``@KERNELS.kernel``), compiled on first use.
KERNELS = KernelSet(globals())
_BIG = 1e30  # stands for infinity in the projected-gradient bounds
#: Bytes of the matrix in one stretch of rows visited together by :func:`_ovr_dcd_stretches`.
STRETCH_BYTES = 256 * 2**10


@KERNELS.kernel()
def _dcd_diagonal(indptr, indices, data, lut, use_lut, rows, row_scale, W, K, diag):
    """``Q_ii + 1 / (2C)`` of each row of ``rows`` (x_i . x_i, with the bias feature's 1)."""
    n = rows.shape[0]
    qd = np.empty(n)
    for i in range(n):
        r = rows[i]
        s = 1.0  # the bias feature
        rs = row_scale[r]
        for p in range(indptr[r], indptr[r + 1]):
            v = (lut[np.int64(data[p])] if use_lut else np.float32(data[p])) * W[indices[p], K] * rs
            s += v * v
        qd[i] = s + diag
    return qd


@KERNELS.kernel()
def _dcd_visit(i, r, indptr, indices, data, lut, use_lut, ycls, K, row_scale, diag, qd, alpha, done,
               pg_max_old, pg_max, pg_min, dot, delta, W, b):
    """One coordinate step on row ``r`` (entry ``i`` of the rows) for every class that needs it.

    Returns True when no class needs the row now (liblinear's shrinking: it leaves the active set).
    """
    rs = row_scale[r]
    for k in range(K):
        dot[k] = b[k]
    for p in range(indptr[r], indptr[r + 1]):
        j = indices[p]
        v = (lut[np.int64(data[p])] if use_lut else np.float32(data[p])) * W[j, K] * rs
        if v != 0.0:
            for k in range(K):
                dot[k] += W[j, k] * v
    any_update = False
    shrinkable = True
    for k in range(K):
        delta[k] = 0.0
        if done[k]:
            continue
        yk = 1.0 if ycls[i] == k else -1.0
        g = yk * dot[k] - 1.0 + diag * alpha[i, k]
        pg = g
        if alpha[i, k] == 0.0:
            if g > pg_max_old[k]:
                continue  # shrunk for this class (liblinear's rule)
            if g > 0.0:
                pg = 0.0
        shrinkable = False
        if pg > pg_max[k]:
            pg_max[k] = pg
        if pg < pg_min[k]:
            pg_min[k] = pg
        if pg > 1e-12 or pg < -1e-12:
            old = alpha[i, k]
            new = old - g / qd[i]
            if new < 0.0:
                new = 0.0
            alpha[i, k] = new
            delta[k] = (new - old) * yk
            if delta[k] != 0.0:
                any_update = True
    if shrinkable:
        return True
    if any_update:
        for k in range(K):
            b[k] += delta[k]
        for p in range(indptr[r], indptr[r + 1]):
            j = indices[p]
            v = (lut[np.int64(data[p])] if use_lut else np.float32(data[p])) * W[j, K] * rs
            if v != 0.0:
                for k in range(K):
                    W[j, k] += delta[k] * v
    return False


@KERNELS.kernel()
def _shuffle(a, m, state):
    """Fisher-Yates shuffle of ``a[:m]`` in place with xorshift64 (the same order on any thread count); returns the state."""
    for i in range(m - 1, 0, -1):
        state ^= state << np.uint64(13)
        state ^= state >> np.uint64(7)
        state ^= state << np.uint64(17)
        j = int(state % np.uint64(i + 1))
        a[i], a[j] = a[j], a[i]
    return state


@KERNELS.kernel()
def _dcd_buffers(K, seed):
    """Per-class work arrays of the solver, and the random state from ``seed``."""
    return (np.zeros(K, dtype=np.bool_), np.empty(K), np.empty(K), np.empty(K), np.empty(K), np.full(K, _BIG),
            np.full(K, -_BIG), np.uint64(seed * 2654435761 + 88172645463325252))


@KERNELS.kernel()
def _dcd_epoch_end(converged, all_active, K, done, pg_max, pg_min, pg_max_old, pg_min_old, tol):
    """liblinear's end of an epoch: 0 go on, 1 stop (converged on all rows), 2 check all rows once more."""
    for k in range(K):
        if not done[k] and pg_max[k] - pg_min[k] > tol:
            converged = False
    if converged:
        if all_active:
            return 1
        pg_max_old[:] = _BIG
        pg_min_old[:] = -_BIG
        return 2
    for k in range(K):
        pg_max_old[k] = pg_max[k] if pg_max[k] > 0 else _BIG
        pg_min_old[k] = pg_min[k] if pg_min[k] < 0 else -_BIG
    return 0


@KERNELS.kernel()
def _ovr_dcd(indptr, indices, data, lut, use_lut, rows, ycls, n_classes, row_scale, C, tol, max_iter, seed, W, b):
    """Joint one-vs-rest dual CD with shrinking. Updates ``W`` and ``b`` in place; returns epochs run.

    ``W`` is float32 of shape (n_features, n_classes + 1): its last column holds the per-column
    scale (idf, or 0 for a pruned column), so one cache line serves a feature's scale and all its
    class weights. ``ycls[i]`` is the class index of row ``rows[i]``;
    x_rj = tf * W[j, -1] * row_scale[r], where tf is ``lut[data]`` with ``use_lut`` (integer counts)
    and ``data`` otherwise. Each epoch visits the active rows in one random permutation (liblinear).
    """
    n = rows.shape[0]
    K = n_classes
    alpha = np.zeros((n, K))
    diag = 0.5 / C
    qd = _dcd_diagonal(indptr, indices, data, lut, use_lut, rows, row_scale, W, K, diag)
    order = np.arange(n)
    active = n
    done, dot, delta, pg_max, pg_min, pg_max_old, pg_min_old, state = _dcd_buffers(K, seed)
    epochs = 0
    for epoch in range(max_iter):
        epochs = epoch + 1
        state = _shuffle(order, active, state)
        pg_max[:] = -_BIG
        pg_min[:] = _BIG
        s = 0
        while s < active:
            i = order[s]
            if _dcd_visit(i, rows[i], indptr, indices, data, lut, use_lut, ycls, K, row_scale, diag, qd, alpha, done,
                          pg_max_old, pg_max, pg_min, dot, delta, W, b):
                active -= 1  # no class needs this row now: move it out of the active set
                order[s], order[active] = order[active], order[s]
                continue
            s += 1
        verdict = _dcd_epoch_end(True, active == n, K, done, pg_max, pg_min, pg_max_old, pg_min_old, tol)
        if verdict == 1:
            break
        if verdict == 2:
            active = n  # check once more on all rows, as liblinear does
    return epochs


@KERNELS.kernel()
def _ovr_dcd_stretches(indptr, indices, data, lut, use_lut, rows, ycls, n_classes, row_scale, C, tol, max_iter, seed,
                       stretch, per_block, W, b):
    """:func:`_ovr_dcd` visiting the rows by stretches of the file, for memory-mapped matrices.

    ``rows`` (sorted) is cut into stretches of ``stretch`` consecutive entries. Each epoch shuffles
    the stretches and takes them ``per_block`` at a time; the active rows of a block are visited in
    a random order. The pages in use at any time are one block's, yet every block mixes rows from
    all over the file (a corpus stored class by class would otherwise hand the solver one class
    at a time, and dual coordinate descent then crawls: measured, 50 epochs instead of 11).
    """
    n = rows.shape[0]
    K = n_classes
    alpha = np.zeros((n, K))
    diag = 0.5 / C
    qd = _dcd_diagonal(indptr, indices, data, lut, use_lut, rows, row_scale, W, K, diag)
    n_stretches = (n + stretch - 1) // stretch
    sorder = np.arange(n_stretches)
    active = np.ones(n, dtype=np.bool_)
    n_active = n
    buf = np.empty(min(n, stretch * per_block), np.int64)
    done, dot, delta, pg_max, pg_min, pg_max_old, pg_min_old, state = _dcd_buffers(K, seed)
    epochs = 0
    for epoch in range(max_iter):
        epochs = epoch + 1
        state = _shuffle(sorder, n_stretches, state)
        pg_max[:] = -_BIG
        pg_min[:] = _BIG
        for q0 in range(0, n_stretches, per_block):
            m = 0
            for q in range(q0, min(q0 + per_block, n_stretches)):
                for i in range(sorder[q] * stretch, min(n, (sorder[q] + 1) * stretch)):
                    if active[i]:
                        buf[m] = i
                        m += 1
            state = _shuffle(buf, m, state)
            for t in range(m):
                i = buf[t]
                if _dcd_visit(i, rows[i], indptr, indices, data, lut, use_lut, ycls, K, row_scale, diag, qd, alpha,
                              done, pg_max_old, pg_max, pg_min, dot, delta, W, b):
                    active[i] = False
                    n_active -= 1
        verdict = _dcd_epoch_end(True, n_active == n, K, done, pg_max, pg_min, pg_max_old, pg_min_old, tol)
        if verdict == 1:
            break
        if verdict == 2:
            active[:] = True
            n_active = n
    return epochs


@KERNELS.kernel()
def _decision(indptr, indices, data, lut, use_lut, rows, row_scale, W, b, out):
    n_classes = W.shape[1] - 1
    for i in range(rows.shape[0]):
        r = rows[i]
        rs = row_scale[r]
        for k in range(n_classes):
            out[i, k] = b[k]
        for p in range(indptr[r], indptr[r + 1]):
            j = indices[p]
            v = (lut[np.int64(data[p])] if use_lut else np.float32(data[p])) * W[j, n_classes] * rs
            if v != 0.0:
                for k in range(n_classes):
                    out[i, k] += W[j, k] * v


def ovr_targets(y_index, n_classes):
    """``(targets, n_problems)`` for :func:`fit_ovr_scaled`: a binary task is one problem for ``classes_[1]``."""
    y_index = np.asarray(y_index)
    if n_classes == 2:
        return np.where(y_index == 1, 0, 1), 1
    return y_index, n_classes


#: Largest count an integer count matrix holds (``uint16``); the training matrix clips there.
MAX_COUNT = np.iinfo(np.uint16).max


def tf_table(sublinear: bool) -> np.ndarray:
    """Term-frequency value of every count 0..65535, float32: ``1 + log(k)`` (0 for 0) or ``k``.

    With it, the functions of this module read a matrix of ``uint16`` counts (2 bytes a
    non-zero instead of 4) and weight each count on the fly.
    """
    k = np.arange(MAX_COUNT + 1, dtype=np.float64)
    if not sublinear:
        return k.astype(np.float32)
    out = np.zeros_like(k)
    out[1:] = 1.0 + np.log(k[1:])
    return out.astype(np.float32)


def _csr_parts(X, table):
    """``(indptr, indices, data, lut, use_lut)`` for the kernels: integer counts go through ``table``."""
    import scipy.sparse as sp

    X = sp.csr_matrix(X) if not sp.isspmatrix_csr(X) else X
    if np.issubdtype(X.data.dtype, np.integer):
        if table is None:
            raise ValueError("X holds integer counts: pass tf_table (see arclf.models.solver.tf_table)")
        if X.data.dtype != np.uint16:
            raise ValueError(f"integer counts must be uint16, got {X.data.dtype}")
        return X.indptr, X.indices, X.data, np.asarray(table, np.float32), True
    data = X.data if X.data.dtype == np.float32 else X.data.astype(np.float32)
    return X.indptr, X.indices, data, np.zeros(1, np.float32), False


def fit_ovr_scaled(X, y_index, rows, n_classes, *, col_scale=None, row_scale=None, tf_table=None, C=0.5, tol=0.1,
                   max_iter=50, seed=0, block_bytes=None):
    """Train one-vs-rest linear SVMs on ``rows`` of ``X`` scaled on the fly.

    Parameters
    ----------
    X : csr_matrix of shape (n_samples, n_features)
        Feature values (float32 read as is), or ``uint16`` counts weighted by ``tf_table``.
    y_index : ndarray of int of shape (len(rows),)
        Class index of each training row.
    rows : ndarray of int
        Training rows of ``X``.
    col_scale : ndarray of shape (n_features,), optional
        Per-column factor (e.g. idf, 0 for pruned columns); default 1.
    row_scale : ndarray of shape (n_samples,), optional
        Per-row factor (e.g. 1 / L2 norm); default 1.
    tf_table : ndarray of shape (65536,), optional
        Value of each count when ``X`` holds integer counts (:func:`tf_table`).
    block_bytes : int, optional
        For a matrix read from memory-mapped files: visit the rows, sorted, by stretches of
        :data:`STRETCH_BYTES` of ``indices`` and ``data``, in blocks of about ``block_bytes``
        (:func:`_ovr_dcd_stretches`), so the file pages in use at any time are one block's.
        Default (or when all rows fit one block): one random permutation of the rows per epoch,
        liblinear's order. The two orders reach the same optimum within ``tol``, not the same bits.

    Returns
    -------
    W : ndarray of shape (n_features, n_classes + 1), float32
        Class weights; the last column is ``col_scale``.
    b : ndarray of shape (n_classes,)
    epochs : int
    """
    indptr, indices, data, lut, use_lut = _csr_parts(X, tf_table)
    rows, y_index = np.asarray(rows, np.int64), np.asarray(y_index, np.int64)
    n_samples, n_features = X.shape
    col_scale = np.ones(n_features, np.float32) if col_scale is None else np.asarray(col_scale, np.float32)
    row_scale = np.ones(n_samples, np.float32) if row_scale is None else np.asarray(row_scale, np.float32)
    W = np.zeros((n_features, n_classes + 1), dtype=np.float32)
    W[:, n_classes] = col_scale
    b = np.zeros(n_classes)
    KERNELS.compile()
    args = (indptr, indices, data, lut, use_lut)
    row_bytes = (indices.itemsize + data.itemsize) * (indptr[rows + 1] - indptr[rows]).sum() if len(rows) else 0
    if block_bytes and row_bytes > block_bytes:
        sort = np.argsort(rows, kind="stable")
        rows, y_index = rows[sort], y_index[sort]
        per_row = max(1.0, row_bytes / len(rows))
        stretch = max(1, int(STRETCH_BYTES // per_row))
        per_block = max(1, int(block_bytes // (stretch * per_row)))
        epochs = _ovr_dcd_stretches(*args, rows, y_index, n_classes, row_scale, float(C), float(tol), int(max_iter),
                                    int(seed), stretch, per_block, W, b)
    else:
        epochs = _ovr_dcd(*args, rows, y_index, n_classes, row_scale, float(C), float(tol), int(max_iter), int(seed), W, b)
    return W, b, epochs


def nb_log_ratios(X, targets, rows, n_problems: int, *, alpha: float = 1.0, columns=None) -> np.ndarray:
    """Naive Bayes log-count ratios of every column for each one-vs-rest problem (Wang & Manning 2012).

    With ``p`` = alpha + the number of the problem's positive training rows holding the column
    and ``q`` the same over its negative rows, ``r = log((p / |p|_1) / (q / |q|_1))``: positive
    for columns typical of the class, negative for columns typical of the rest. Features are
    binarized, as in the paper.

    Parameters
    ----------
    X : csr_matrix of shape (n_samples, n_features)
    targets : ndarray of int of shape (len(rows),)
        Problem index of each training row (:func:`ovr_targets`); a row is positive for problem
        ``k`` when its target is ``k``.
    rows : ndarray of int
        Training rows of ``X``.
    n_problems : int
    alpha : float, default=1.0
        Additive smoothing.
    columns : ndarray of bool of shape (n_features,), optional
        The columns in use (e.g. those TF-IDF kept); the others get ratio 0 and do not count in
        the norms, so the ratios equal those computed on the kept columns alone.

    Returns
    -------
    ndarray of shape (n_features, n_problems), float32
    """
    import scipy.sparse as sp

    X = X if sp.isspmatrix_csr(X) else sp.csr_matrix(X)
    indptr, indices = X.indptr, X.indices
    rows, targets = np.asarray(rows, np.int64), np.asarray(targets)
    KERNELS.compile()
    total = np.zeros(X.shape[1], np.int64)
    _df_rows(indptr, indices, rows, total)
    use = np.ones(X.shape[1], bool) if columns is None else np.asarray(columns, bool)
    out = np.zeros((X.shape[1], n_problems), np.float32)
    for k in range(n_problems):
        pos = np.zeros(X.shape[1], np.int64)
        _df_rows(indptr, indices, rows[targets == k], pos)
        p, q = alpha + pos[use], alpha + (total[use] - pos[use])
        out[use, k] = np.log((p / p.sum()) / (q / q.sum()))
    return out


def fit_ovr_nb_scaled(X, targets, rows, n_problems, *, col_scale=None, row_scale=None, tf_table=None, C=0.5, tol=0.1,
                      max_iter=50, seed=0, alpha=1.0, block_bytes=None):
    """One-vs-rest NB-SVM: each problem's features scaled by its log-count ratios, then a linear SVM.

    Problem ``k`` is trained on ``x * r_k`` (``r_k`` from :func:`nb_log_ratios`) by
    :func:`fit_ovr_scaled` with the column scale multiplied by ``r_k``; its weights are then
    multiplied by ``r_k``, so the result scores the unscaled features as one linear model. Same
    arguments and return value as :func:`fit_ovr_scaled` (``epochs``: the most any problem ran).

    Source: S. Wang & C. D. Manning, "Baselines and Bigrams: Simple, Good Sentiment and Topic
    Classification", ACL 2012 (NBSVM, without its interpolation between the SVM's weights and their mean).
    """
    n_features = X.shape[1]
    col_scale = np.ones(n_features, np.float32) if col_scale is None else np.asarray(col_scale, np.float32)
    ratios = nb_log_ratios(X, targets, rows, n_problems, alpha=alpha, columns=col_scale != 0)
    W = np.zeros((n_features, n_problems + 1), dtype=np.float32)
    W[:, n_problems] = col_scale
    b = np.zeros(n_problems)
    epochs = 0
    targets = np.asarray(targets)
    for k in range(n_problems):
        Wk, bk, ek = fit_ovr_scaled(X, np.where(targets == k, 0, 1), rows, 1, col_scale=col_scale * ratios[:, k],
                                    row_scale=row_scale, tf_table=tf_table, C=C, tol=tol, max_iter=max_iter, seed=seed,
                                    block_bytes=block_bytes)
        W[:, k] = Wk[:, 0] * ratios[:, k]
        b[k] = bk[0]
        epochs = max(epochs, ek)
    return W, b, epochs


def decision_scaled(X, rows, W, b, *, row_scale=None, tf_table=None) -> np.ndarray:
    """Decision values ``(len(rows), n_classes)`` of rows of ``X`` under the scaling :func:`fit_ovr_scaled` used.

    ``W`` is the first value :func:`fit_ovr_scaled` returns (its last column is the column scale).
    """
    indptr, indices, data, lut, use_lut = _csr_parts(X, tf_table)
    n_samples, n_features = X.shape
    row_scale = np.ones(n_samples, np.float32) if row_scale is None else np.asarray(row_scale, np.float32)
    out = np.empty((len(rows), W.shape[1] - 1))
    KERNELS.compile()
    _decision(indptr, indices, data, lut, use_lut, np.asarray(rows, np.int64), row_scale, W, b, out)
    return out


def softmax_decision(scores) -> np.ndarray:
    """Softmax over classes of decision values: shape (n_samples, n_classes), rows sum to 1.

    ``scores`` of shape (n_samples,) is a binary decision for ``classes_[1]`` and becomes the two
    columns ``[-s, s]``. Not calibrated: what :meth:`LinearSVM.predict_proba` returns.
    """
    return softmax(two_columns(np.asarray(scores, dtype=np.float64)))


class LinearSVM(ClassifierMixin, BaseEstimator):
    """Linear SVM (squared hinge, L2, one-vs-rest) by compiled dual coordinate descent.

    The objective of scikit-learn's ``LinearSVC(loss='squared_hinge', intercept_scaling=1)``,
    solved to liblinear's default tolerance; see the module docstring for the method and its
    source. Works on sparse float32 input without copying it.

    Parameters
    ----------
    C : float, default=0.5
        Inverse regularization strength (> 0).
    tol : float, default=0.1
        Stop when the projected-gradient spread of an epoch is below ``tol`` for every class.
    max_iter : int, default=50
        Maximum number of epochs.
    random_state : int, default=0
        Seeds the order rows are visited in.
    nb_scale : bool, default=False
        NB-SVM (Wang & Manning, ACL 2012): scale each one-vs-rest problem's features by their
        naive Bayes log-count ratios before the SVM (:func:`fit_ovr_nb_scaled`). The fitted
        model is still one linear model of the unscaled features.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (n_classes, n_features), or (1, n_features) for two classes
    intercept_ : ndarray of shape (n_classes,) or (1,)
    n_iter_ : int
        Epochs run.
    """

    def __init__(self, *, C=0.5, tol=0.1, max_iter=50, random_state=0, nb_scale=False):
        self.C = C
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.nb_scale = nb_scale

    def _check_params(self):
        if not self.C > 0:
            raise ValueError(f"C={self.C!r}: must be > 0")
        if not self.tol > 0:
            raise ValueError(f"tol={self.tol!r}: must be > 0")
        if int(self.max_iter) < 1:
            raise ValueError(f"max_iter={self.max_iter!r}: must be >= 1")

    def fit(self, X, y):
        """Fit on ``X`` (sparse or dense, shape (n_samples, n_features)) and labels ``y``; returns self."""
        self._check_params()
        import scipy.sparse as sp

        if not sp.issparse(X):
            X = sp.csr_matrix(np.asarray(X, dtype=np.float32))
        y = np.asarray(y)
        if X.shape[0] != len(y):
            raise ValueError(f"X has {X.shape[0]} rows but y has {len(y)} labels")
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"need at least 2 classes, got {list(self.classes_)}")
        y_index, n_problems = ovr_targets(y_index, len(self.classes_))
        fit = fit_ovr_nb_scaled if self.nb_scale else fit_ovr_scaled
        W, b, self.n_iter_ = fit(X, y_index, np.arange(X.shape[0]), n_problems, C=self.C, tol=self.tol,
                                 max_iter=self.max_iter, seed=self.random_state)
        self._set_coef(W, b)
        self.n_features_in_ = X.shape[1]
        return self

    def _set_coef(self, W, b):
        W = W[:, :-1]
        if W.shape[1] == 1:  # binary, scikit-learn's convention: one row scoring classes_[1]
            self.coef_ = np.ascontiguousarray(W.T, dtype=np.float32)
            self.intercept_ = np.asarray(b[:1], dtype=np.float64)
        else:
            self.coef_ = np.ascontiguousarray(W.T, dtype=np.float32)
            self.intercept_ = b.copy()

    @classmethod
    def from_weights(cls, W, b, classes, *, params=None) -> "LinearSVM":
        """Build a fitted model from :func:`fit_ovr_scaled`'s ``W`` (n_features, n_classes + 1) and ``b``."""
        self = cls(**(params or {}))
        self.classes_ = np.asarray(classes)
        self._set_coef(W, b)
        self.n_features_in_ = W.shape[0]
        self.n_iter_ = None
        return self

    @classmethod
    def from_coef(cls, coef, intercept, classes, *, params=None) -> "LinearSVM":
        """Build a fitted model from ``coef_`` (n_classes or 1, n_features), ``intercept_`` and ``classes_``."""
        self = cls(**(params or {}))
        self.classes_ = np.asarray(classes)
        self.coef_ = np.ascontiguousarray(coef, dtype=np.float32)
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        self.n_features_in_ = self.coef_.shape[1]
        self.n_iter_ = None
        return self

    def predict_proba(self, X):
        """Softmax of the decision values: *not* calibrated probabilities.

        Only used with ``calibration: none``; the default wraps this model in
        :class:`arclf.models.pipeline.CalibratedLinear`, whose probabilities are calibrated.
        """
        return softmax_decision(self.decision_function(X))

    def decision_function(self, X):
        """Scores of shape (n_samples, n_classes), or (n_samples,) for two classes."""
        check_is_fitted(self, "coef_")
        scores = X @ self.coef_.T + self.intercept_
        scores = np.asarray(scores)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X):
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[scores.argmax(axis=1)]


@KERNELS.kernel()
def _df_rows(indptr, indices, rows, df):
    for i in range(rows.shape[0]):
        r = rows[i]
        for p in range(indptr[r], indptr[r + 1]):
            df[indices[p]] += 1


@KERNELS.kernel()
def _total_rows(indptr, indices, data, rows, sublinear, total):
    for i in range(rows.shape[0]):
        r = rows[i]
        for p in range(indptr[r], indptr[r + 1]):
            total[indices[p]] += np.exp(data[p] - 1.0) if sublinear else data[p]


@KERNELS.kernel()
def _l2_row_scale(indptr, indices, data, lut, use_lut, rows, col_scale, out):
    for i in range(rows.shape[0]):
        r = rows[i]
        s = 0.0
        for p in range(indptr[r], indptr[r + 1]):
            v = (lut[np.int64(data[p])] if use_lut else np.float32(data[p])) * col_scale[indices[p]]
            s += v * v
        out[r] = 1.0 / np.sqrt(s) if s > 0.0 else 0.0


def scaled_tfidf(X, rows, score_rows, tfidf, *, sublinear: bool, tf_table=None, hash_columns=None):
    """Fit ``tfidf`` (an unfitted :class:`arclf.features.tfidf.HashedTfidf`) on ``rows`` of ``X`` without copying X.

    ``X`` holds ``uint16`` counts weighted by ``tf_table`` (:func:`tf_table` of ``sublinear``),
    or float sublinear term frequencies ``1 + log(tf)`` (raw counts when ``sublinear`` is False).
    Returns ``(col_scale, row_scale)``: idf per hash column (0 where pruned) and the
    inverse L2 norm of every row in ``rows`` and ``score_rows``, so that
    ``tf(X[r, j]) * col_scale[j] * row_scale[r]`` equals ``tfidf.transform`` of the counts.
    ``hash_columns`` (the hash column of each column of a compacted ``X``) goes to
    :meth:`HashedTfidf.fit_document_frequencies` for its block weights.
    """
    indptr, indices, data, lut, use_lut = _csr_parts(X, tf_table)
    rows = np.asarray(rows, np.int64)
    df = np.zeros(X.shape[1], np.int64)
    KERNELS.compile()
    _df_rows(indptr, indices, rows, df)

    def total():
        out = np.zeros(X.shape[1])
        _total_rows(indptr, indices, data, rows, bool(sublinear) and not use_lut, out)
        return out

    tfidf.fit_document_frequencies(df, len(rows), total, hash_columns=hash_columns)
    col_scale = np.zeros(X.shape[1], np.float32)
    col_scale[tfidf.columns_] = tfidf.idf_
    row_scale = np.zeros(X.shape[0], np.float32)
    if tfidf.norm == "l2":
        _l2_row_scale(indptr, indices, data, lut, use_lut, rows, col_scale, row_scale)
        _l2_row_scale(indptr, indices, data, lut, use_lut, np.asarray(score_rows, np.int64), col_scale, row_scale)
    elif tfidf.norm is None:
        row_scale[:] = 1.0
    else:
        raise ValueError(f"norm={tfidf.norm!r}: the scaled path supports 'l2' and None")
    return col_scale, row_scale


@KERNELS.kernel()
def _compact_inplace(indptr, indices, data, lookup):
    w = 0
    start = indptr[0]
    for r in range(indptr.shape[0] - 1):
        stop = indptr[r + 1]
        for p in range(start, stop):
            j = lookup[indices[p]]
            if j >= 0:
                indices[w] = j
                data[w] = data[p]
                w += 1
        start = stop
        indptr[r + 1] = w
    return w


def compact_columns(X, min_df: int, *, by_frequency: bool = False):
    """Keep ``X``'s columns present in at least ``min_df`` rows, renumbered; reuses X's memory.

    No fold's training rows can give a column a document frequency above its frequency in all
    rows, so a column dropped here could never pass a fold's ``min_df``: the per-fold models are
    unchanged, while the weight matrix shrinks from the hash space (millions of columns) to the
    columns that occur, and stays in cache. Uses no label and decides nothing a fold learns.

    With ``by_frequency``, the most frequent columns get the lowest numbers. The solver then
    finds the weights it touches most in a few hundred kilobytes, which fit in the CPU's L2
    cache: on ANT, a fit takes 24 % less time, with the same result to the bit. Row indices are
    then no longer sorted, which the kernels of this module do not need.

    Parameters
    ----------
    X : csr_matrix of shape (n_samples, n_features)
        Consumed: its arrays are overwritten and reused; do not use it afterwards.
    min_df : int
    by_frequency : bool, default=False
        Number the kept columns by decreasing document frequency (ties: by column).

    Returns
    -------
    X_compact : csr_matrix of shape (n_samples, len(kept))
    kept : ndarray of int64
        Original column of each new column; increasing unless ``by_frequency``.
    """
    df = np.zeros(X.shape[1], np.int64)  # np.bincount would copy the indices to int64 first (8 bytes a non-zero)
    KERNELS.compile()
    _df_rows(X.indptr, X.indices, np.arange(X.shape[0], dtype=np.int64), df)
    kept = np.flatnonzero(df >= max(int(min_df), 1))
    if by_frequency:
        kept = kept[np.argsort(-df[kept], kind="stable")]
    lookup = np.full(X.shape[1], -1, dtype=np.int32)
    lookup[kept] = np.arange(len(kept), dtype=np.int32)
    del df
    nnz = _compact_inplace(X.indptr, X.indices, X.data, lookup)
    import scipy.sparse as sp

    # views, not copies: the dropped tail is small, a copy would double the matrix for a moment
    out = sp.csr_matrix((X.data[:nnz], X.indices[:nnz], X.indptr), shape=(X.shape[0], len(kept)), copy=False)
    if by_frequency:
        out.has_sorted_indices = False
    return out, kept
