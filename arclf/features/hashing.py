"""Hashed n-gram counts: :class:`HashingNgramVectorizer` (and :func:`build_features`).

Two scikit-learn transformers, meant to be chained (see :func:`build_features` and
:func:`arclf.features.tfidf.build_tfidf`):

* :class:`HashingNgramVectorizer` turns raw documents into a sparse matrix of n-gram
  counts, ``n_features`` hash columns wide. It learns nothing, so the counts of a corpus
  can be computed once and shared by every fold of a cross-validation.
* :class:`arclf.features.tfidf.HashedTfidf` learns from training rows which hash columns to keep (by document
  frequency) and their idf, and turns counts into l2-normalized TF-IDF rows.

The n-grams are exactly scikit-learn's ``char_wb``, ``char`` and ``word`` analyzers; the
compiled kernels live in :mod:`arclf.features.kernels` (imported on first use, so importing this
module does not import numba). The column of an n-gram is
``arclf.features.kernels.hash_ngram(ngram, n_features)``.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

from arclf.features.analyzers import _ANALYZE, count_ngrams, first_line

__all__ = ["HashingNgramVectorizer", "block_weights", "build_features"]

_ANALYZERS = ("char_wb", "char", "word")
_FLOATS = (np.float32, np.float64)


def _check_docs(X) -> list:
    """Raw documents as a list of str (a single string is refused, as scikit-learn does)."""
    if isinstance(X, (str, bytes)):
        raise ValueError("Iterable over raw text documents expected, string object received.")
    docs = X if isinstance(X, list) else list(X)
    for i, doc in enumerate(docs):
        if not isinstance(doc, str):
            raise TypeError(f"document {i} is {type(doc).__name__}, expected str")
    return docs


def check_float_dtype(dtype, owner: str):
    """Raise ValueError unless ``dtype`` is float32 or float64 (``owner`` names the estimator)."""
    dtype = np.dtype(dtype)
    if dtype not in _FLOATS:
        raise ValueError(f"{owner}: dtype={dtype.name!r}: expected float32 or float64")
    return dtype


class HashingNgramVectorizer(TransformerMixin, BaseEstimator):
    """Hashed counts of character or word n-grams, computed by compiled kernels.

    The n-grams are those of scikit-learn's ``CountVectorizer(analyzer=analyzer,
    ngram_range=ngram_range, lowercase=lowercase)`` with its default ``token_pattern``;
    each is hashed to one of ``n_features`` columns (see :mod:`arclf.features.kernels` for the
    hash). The transformer is stateless: ``fit`` only checks the parameters.

    Parameters
    ----------
    analyzer : {"char_wb", "char", "word"}, default="char_wb"
        ``char_wb``: character n-grams inside each whitespace-separated word padded with
        one space each side; ``char``: character n-grams over the whole text, runs of
        whitespace collapsed; ``word``: n-grams of ``\\w\\w+`` tokens joined by a space.
    ngram_range : tuple of (int, int), default=(2, 5)
        Smallest and largest n.
    n_features : int, default=2**22
        Number of hash columns (at most ``2**31 - 1``; powers of two are fastest).
    lowercase : bool, default=False
        Lowercase documents first (arclf's normalizer usually already did).
    dtype : {np.float32, np.float64}, default=np.float32
        Dtype of the counts.
    first_line : bool, default=False
        Count only each document's first non-blank line (:func:`arclf.features.analyzers.first_line`):
        the title, where a corpus reader or page has one (:func:`arclf.corpus.schema.join_text` puts
        it first); a text of one line (a post) is its own title.

    Attributes
    ----------
    n_features_out_ : int
        Number of output columns, ``n_features``.

    Examples
    --------
    >>> vec = HashingNgramVectorizer(ngram_range=(2, 3), n_features=2**10).fit([])
    >>> vec.transform(["ab ab", ""]).toarray().sum(axis=1)
    array([10.,  0.], dtype=float32)
    """

    def __init__(self, *, analyzer="char_wb", ngram_range=(2, 5), n_features=2**22, lowercase=False,
                 dtype=np.float32, first_line=False):
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.n_features = n_features
        self.lowercase = lowercase
        self.dtype = dtype
        self.first_line = first_line

    def _validate(self):
        if self.analyzer not in _ANALYZERS:
            raise ValueError(f"analyzer={self.analyzer!r}: expected one of {', '.join(_ANALYZERS)}")
        rng = self.ngram_range
        if (not isinstance(rng, (tuple, list)) or len(rng) != 2
                or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in rng)):
            raise ValueError(f"ngram_range={rng!r}: expected a pair of integers (min_n, max_n)")
        if not 1 <= rng[0] <= rng[1]:
            raise ValueError(f"ngram_range={tuple(rng)!r}: need 1 <= min_n <= max_n "
                             f"(lower bound larger than upper, or below 1)")
        n = self.n_features
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or not 1 <= n <= 2**31 - 1:
            raise ValueError(f"n_features={n!r}: expected an integer in [1, 2**31 - 1]")
        check_float_dtype(self.dtype, "HashingNgramVectorizer")
        return int(rng[0]), int(rng[1])

    def fit(self, X=None, y=None):
        """Check the parameters; nothing is learned.

        Parameters
        ----------
        X : iterable of str, optional
            Ignored.
        y : None
            Ignored.

        Returns
        -------
        self : HashingNgramVectorizer

        Raises
        ------
        ValueError
            A parameter is invalid, e.g. ``ngram_range=(3, 1)``.
        """
        self._validate()
        self.n_features_out_ = int(self.n_features)
        return self

    def transform(self, X):
        """Count the hashed n-grams of each document.

        Parameters
        ----------
        X : iterable of str of length n_samples
            Raw documents.

        Returns
        -------
        csr_matrix of shape (n_samples, n_features)
            Counts, with sorted indices and no explicit zeros; int64 indices only past
            ``2**31 - 1`` non-zeros.

        Notes
        -----
        Until a process has loaded the compiled kernels, inputs of at most 20,000
        characters are counted in pure Python (identical results): one article costs
        milliseconds instead of numba's start-up of about a third of a second.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        """
        check_is_fitted(self, "n_features_out_")
        min_n, max_n = self._validate()
        docs = _check_docs(X)
        if self.first_line:
            docs = [first_line(doc) for doc in docs]
        if self.lowercase:
            docs = [doc.lower() for doc in docs]

        n_features = int(self.n_features)
        dtype = np.dtype(self.dtype)
        indptr, indices, data = count_ngrams(docs, self.analyzer, min_n, max_n, n_features, dtype)
        X_out = sp.csr_matrix((data, indices, indptr), shape=(len(docs), n_features), copy=False)
        X_out.has_canonical_format = True
        return X_out

    def analyze(self, doc: str) -> list[tuple[str, int]]:
        """The n-grams of one document, in scikit-learn's order, with their columns.

        Pure Python, for explanations and tests; :meth:`transform` counts the same
        n-grams. Needs no fitting.

        Parameters
        ----------
        doc : str
            One raw document.

        Returns
        -------
        list of (str, int)
            Each n-gram (repeated as often as it occurs) and its hash column.
        """
        from arclf.features.kernels import hash_ngram

        min_n, max_n = self._validate()
        if self.first_line:
            doc = first_line(doc)
        if self.lowercase:
            doc = doc.lower()
        grams = _ANALYZE[self.analyzer](doc, min_n, max_n)
        n_features = int(self.n_features)
        columns = {g: hash_ngram(g, n_features) for g in set(grams)}
        return [(g, columns[g]) for g in grams]

    def get_feature_names_out(self, input_features=None):
        """Not available: a hash column stands for every n-gram that hashes to it.

        Raises
        ------
        NotImplementedError
            Always. Use :meth:`analyze` to see which n-grams of a document fall in which
            column, or ``arclf.features.kernels.hash_ngram(ngram, n_features)``.
        """
        raise NotImplementedError(
            "HashingNgramVectorizer has no feature names: each of its columns holds every n-gram that "
            "hashes to it. Use analyze(doc) to map a document's n-grams to columns, or "
            "arclf.features.kernels.hash_ngram(ngram, n_features).")


def build_features(spec):
    """The stateless count featurizer that a features config asks for.

    Parameters
    ----------
    spec : arclf.config.FeaturesSpec
        ``kind`` (char, word or union), ``char.analyzer``, ``char.ngram_range``,
        ``word.ngram_range``, ``n_features`` and ``title_weight``.

    Returns
    -------
    HashingNgramVectorizer or FeatureUnion
        Blocks of ``n_features`` columns each, in this order: char n-grams (kinds char and
        union), word n-grams (kinds word and union), then, when ``title_weight > 0``, the
        char n-grams of the first line (``first_line=True``). One block is a bare vectorizer;
        more are a ``FeatureUnion`` named ``char``, ``word``, ``title``.
    """
    n = spec.n_features
    blocks = []
    if spec.kind in ("char", "union"):
        blocks.append(("char", HashingNgramVectorizer(analyzer=spec.char.analyzer,
                                                      ngram_range=tuple(spec.char.ngram_range), n_features=n)))
    if spec.kind in ("word", "union"):
        blocks.append(("word", HashingNgramVectorizer(analyzer="word", ngram_range=tuple(spec.word.ngram_range),
                                                      n_features=n)))
    if spec.title_weight > 0:
        blocks.append(("title", HashingNgramVectorizer(analyzer=spec.char.analyzer,
                                                       ngram_range=tuple(spec.char.ngram_range), n_features=n,
                                                       first_line=True)))
    return blocks[0][1] if len(blocks) == 1 else FeatureUnion(blocks)


def block_weights(spec) -> tuple[float, ...] | None:
    """Each block's weight in the layout of :func:`build_features`, or None when all are 1.

    The title block weighs ``spec.title_weight``, every other block 1. :class:`arclf.features.tfidf.HashedTfidf`
    multiplies each block's idf by its weight.
    """
    if spec.title_weight <= 0:
        return None
    return (1.0,) * (2 if spec.kind == "union" else 1) + (float(spec.title_weight),)
