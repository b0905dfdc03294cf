"""Pure-Python n-gram analyzers and the counting entry point shared by features and prediction.

Importing this module imports neither scikit-learn nor numba: :func:`count_ngrams` takes the
compiled kernels of :mod:`arclf.features.kernels` for large inputs and these pure-Python analyzers
(identical results) for small ones, so one article is counted in milliseconds in a fresh process.
"""

from __future__ import annotations

import collections

import numpy as np

__all__ = ["count_ngrams", "first_line"]


def first_line(doc: str) -> str:
    """The first line of ``doc`` that holds more than whitespace: the title block's text.

    Lines end at every boundary of ``str.splitlines`` (``\\n``, ``\\r``, ``\\r\\n``, U+2028, ...),
    so a text reads the same whatever its line endings, and blank lines before the title are
    skipped: the API, ``arclf serve`` and ``arclf predict`` (which strips its inputs) agree. A text
    of one line is its own title. Returns ``""`` for a blank text.
    """
    for line in doc.splitlines():
        if line.strip():
            return line
    return ""

# Pure-Python analyzers, line for line scikit-learn's (sklearn.feature_extraction.text).

_WHITE_SPACES = None


def _collapse_spaces(doc: str) -> str:
    global _WHITE_SPACES
    if _WHITE_SPACES is None:
        import re

        _WHITE_SPACES = re.compile(r"\s\s+")
    return _WHITE_SPACES.sub(" ", doc)


def _char_wb_ngrams(doc: str, min_n: int, max_n: int) -> list[str]:
    grams = []
    for w in _collapse_spaces(doc).split():
        w = " " + w + " "
        w_len = len(w)
        for n in range(min_n, max_n + 1):
            offset = 0
            grams.append(w[offset:offset + n])
            while offset + n < w_len:
                offset += 1
                grams.append(w[offset:offset + n])
            if offset == 0:  # a padded word shorter than n is counted once
                break
    return grams


def _char_ngrams(doc: str, min_n: int, max_n: int) -> list[str]:
    doc = _collapse_spaces(doc)
    grams = list(doc) if min_n == 1 else []
    for n in range(max(min_n, 2), min(max_n, len(doc)) + 1):
        grams.extend(doc[i:i + n] for i in range(len(doc) - n + 1))
    return grams


_TOKEN = None


def _word_ngrams(doc: str, min_n: int, max_n: int) -> list[str]:
    global _TOKEN
    if _TOKEN is None:
        import re

        _TOKEN = re.compile(r"(?u)\b\w\w+\b")
    tokens = _TOKEN.findall(doc)
    grams = list(tokens) if min_n == 1 else []
    for n in range(max(min_n, 2), min(max_n, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return grams


_ANALYZE = {"char_wb": _char_wb_ngrams, "char": _char_ngrams, "word": _word_ngrams}

# Small inputs in a process that has not loaded numba yet take the pure-Python paths
# below, which give identical results: one article is featurized in milliseconds
# instead of paying about half a second to import numba and load its cached kernels.
_SMALL_TEXT = 20_000  # code points
_SMALL_NNZ = 50_000


def _count_python(docs, analyzer, min_n, max_n, n_features, dtype):
    """CSR arrays of hashed n-gram counts, as :func:`arclf.features.kernels.ngram_counts` returns."""
    from arclf.features.kernels import hash_ngram

    analyze = _ANALYZE[analyzer]
    columns = {}
    indptr, indices, data = [0], [], []
    for doc in docs:
        row = {}
        for gram, count in collections.Counter(analyze(doc, min_n, max_n)).items():
            col = columns.get(gram)
            if col is None:
                col = columns[gram] = hash_ngram(gram, n_features)
            row[col] = row.get(col, 0) + count
        keys = sorted(row)
        indices.extend(keys)
        data.extend(row[k] for k in keys)
        indptr.append(len(indices))
    return (np.array(indptr, dtype=np.int32), np.array(indices, dtype=np.int32),
            np.array(data, dtype=dtype))




def count_ngrams(docs, analyzer: str, min_n: int, max_n: int, n_features: int, dtype):
    """CSR arrays ``(indptr, indices, data)`` of the hashed n-gram counts of ``docs``.

    Pure Python while the compiled kernels are not loaded and the input is small
    (at most ``_SMALL_TEXT`` code points); the numba kernels otherwise.
    """
    from arclf.features import kernels as _kernels

    if not _kernels.compiled() and sum(map(len, docs)) <= _SMALL_TEXT:
        return _count_python(docs, analyzer, min_n, max_n, n_features, np.dtype(dtype))
    codes, offsets = _kernels.pack_documents(docs)
    return _kernels.ngram_counts(codes, offsets, analyzer=analyzer, ngram_range=(min_n, max_n),
                                 n_features=n_features, dtype=np.dtype(dtype))
