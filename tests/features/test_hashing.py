"""Hashed n-gram features against scikit-learn, on real ANT articles.

Exact checks go through the hash: scikit-learn's counts, with each vocabulary n-gram sent
to its column by ``hash_ngram`` (collisions summed), must equal our counts entry for
entry. That holds with or without collisions; at 2**24 columns they are rare inside one
document, so most per-document count multisets can also be compared directly.
"""

from __future__ import annotations

import collections
import pickle
import re
import zipfile

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from arclf.features import kernels as _kernels
from arclf.config import FeaturesSpec
from arclf.features.analyzers import _count_python
from arclf.features.hashing import HashingNgramVectorizer, build_features
from arclf.features.tfidf import HashedTfidf, build_tfidf

NF = 2**24
_TEXT = re.compile(r"<TEXT>(.*?)</TEXT>", re.S)
_CAT = re.compile(r"<CAT>(.*?)</CAT>")

# awkward documents appended to the real ones
EXTRA = [
    "",
    "   ",
    "\n",
    " a b  c\t\td\n",
    "x",
    "ab",
    "\u0623\u0647\u0644\u0627\u064b \U0001F600 emoji \U0001F600\U0001F600 \U0001F1F8\U0001F1E6 text",  # non-BMP
    "lone \ud800 surrogate",
    "word" + "".join(chr(c) + "w" + str(i) for i, c in enumerate(_kernels.WHITESPACE)),  # every whitespace
    "a_b __ x1 \u0661\u0662\u0663 \u00b2\u00b3 \u0645\u064e\u0643\u0652\u062a\u064e\u0628",  # \w edge cases
]


def _read_ant(path, n, every=97):
    with zipfile.ZipFile(path) as z:
        names = sorted(x for x in z.namelist() if x.endswith(".txt"))[::every][:n]
        docs, cats = [], []
        for name in names:
            raw = z.read(name).decode("utf-8", "replace")
            text = _TEXT.search(raw)
            docs.append(text.group(1).strip() if text else "")
            cats.append(_CAT.search(raw).group(1))
    return docs, cats


@pytest.fixture(scope="module")
def ant_docs(ant_zip):
    return _read_ant(ant_zip, 300)[0]


@pytest.fixture(scope="module")
def corpus(ant_docs):
    return ant_docs + EXTRA


_SKLEARN_CACHE = {}


def _hashed_sklearn_counts(docs, analyzer, ngram_range, n_features):
    """scikit-learn's counts with each vocabulary n-gram moved to its hash column."""
    key = (tuple(docs), analyzer, ngram_range, n_features)
    if key not in _SKLEARN_CACHE:
        _SKLEARN_CACHE[key] = _hash_sklearn_counts(docs, analyzer, ngram_range, n_features)
    return _SKLEARN_CACHE[key]


def _hash_sklearn_counts(docs, analyzer, ngram_range, n_features, lowercase=False):
    cv = CountVectorizer(analyzer=analyzer, ngram_range=ngram_range, lowercase=lowercase)
    Y = cv.fit_transform(docs)
    cols = np.array([_kernels.hash_ngram(g, n_features) for g in cv.get_feature_names_out()])
    P = sp.csr_matrix((np.ones(len(cols)), (np.arange(len(cols)), cols)), shape=(len(cols), n_features))
    Z = (Y @ P).tocsr()
    Z.sort_indices()
    return Y, Z, cols


CASES = [
    pytest.param("char_wb", (2, 5), id="char_wb-2-5"),
    pytest.param("char_wb", (1, 3), id="char_wb-1-3"),
    pytest.param("char_wb", (5, 7), id="char_wb-5-7-short-words"),
    pytest.param("char", (1, 4), id="char-1-4"),
    pytest.param("char", (3, 5), id="char-3-5"),
    pytest.param("word", (1, 2), id="word-1-2"),
    pytest.param("word", (2, 3), id="word-2-3"),
]


@pytest.mark.parametrize("analyzer, ngram_range", CASES)
def test_counts_equal_sklearn_through_the_hash(corpus, analyzer, ngram_range):
    vec = HashingNgramVectorizer(analyzer=analyzer, ngram_range=ngram_range, n_features=NF).fit(corpus)
    X = vec.transform(corpus)
    Y, Z, cols = _hashed_sklearn_counts(corpus, analyzer, ngram_range, NF)

    assert X.shape == (len(corpus), NF) and X.dtype == np.float32
    assert X.has_sorted_indices and X.nnz == Z.nnz and (X.data > 0).all()
    np.testing.assert_array_equal(X.indptr, Z.indptr)
    np.testing.assert_array_equal(X.indices, Z.indices)
    np.testing.assert_array_equal(X.data, Z.data)

    # per document: the multiset of counts, wherever no two n-grams of it share a column
    compared = 0
    for i in range(len(corpus)):
        grams = Y.indices[Y.indptr[i]:Y.indptr[i + 1]]
        if len(set(cols[grams])) == len(grams):
            a = np.sort(X.data[X.indptr[i]:X.indptr[i + 1]])
            np.testing.assert_array_equal(a, np.sort(Y.data[Y.indptr[i]:Y.indptr[i + 1]]))
            compared += 1
    assert compared >= 0.5 * len(corpus)
    in_row_collisions = sum(
        len(g) - len(set(cols[g])) for g in np.split(Y.indices, Y.indptr[1:-1]))
    assert Y.nnz - X.nnz == in_row_collisions


@pytest.mark.parametrize("analyzer, ngram_range", CASES)
def test_analyze_is_sklearns_analyzer_with_kernel_columns(corpus, analyzer, ngram_range):
    vec = HashingNgramVectorizer(analyzer=analyzer, ngram_range=ngram_range, n_features=NF)
    sk = CountVectorizer(analyzer=analyzer, ngram_range=ngram_range, lowercase=False).build_analyzer()
    X = vec.fit(corpus).transform(corpus)
    for i in [0, 1, 2, len(corpus) - 5, len(corpus) - 4, len(corpus) - 2, len(corpus) - 1]:
        pairs = vec.analyze(corpus[i])
        assert [g for g, _ in pairs] == sk(corpus[i])
        by_col = collections.Counter(col for _, col in pairs)
        row = X[i]
        assert dict(zip(row.indices.tolist(), row.data.tolist())) == by_col


def test_analyze_small_document_exactly():
    vec = HashingNgramVectorizer(ngram_range=(2, 3), n_features=NF)
    counts = collections.Counter(g for g, _ in vec.analyze("ab  abc\tb"))
    assert counts == {" a": 2, "ab": 2, "b ": 2, " ab": 2, "ab ": 1, "abc": 1, "bc": 1, "c ": 1,
                      "bc ": 1, " b": 1, " b ": 1}
    for gram, col in vec.analyze("ab  abc\tb"):
        assert col == _kernels.hash_ngram(gram, NF)


def test_hash_ngram_reference_values():
    # the documented function, spelled out: FNV-1a 64 over code points, fmix64, modulo
    h = 0xCBF29CE484222325
    for c in "\u0643\u062a\u0628":
        h = ((h ^ ord(c)) * 0x100000001B3) % 2**64
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) % 2**64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) % 2**64
    h ^= h >> 33
    assert _kernels.hash_ngram("\u0643\u062a\u0628", 2**22) == h % 2**22
    assert _kernels.hash_ngram("\u0643\u062a\u0628", 1_000_003) == h % 1_000_003
    assert _kernels.hash_ngram("\U0001F600", 2**22) != _kernels.hash_ngram("\ud83d\ude00", 2**22)


@pytest.mark.parametrize("analyzer", ["char_wb", "char", "word"])
def test_modulo_path_for_n_features_not_a_power_of_two(corpus, analyzer):
    docs = corpus[:40] + EXTRA
    n_features = 1_000_003
    X = HashingNgramVectorizer(analyzer=analyzer, ngram_range=(1, 3), n_features=n_features).fit(docs).transform(docs)
    _, Z, _ = _hashed_sklearn_counts(docs, analyzer, (1, 3), n_features)
    assert (X != Z).nnz == 0 and X.nnz == Z.nnz


@pytest.mark.parametrize("analyzer", ["char_wb", "char", "word"])
def test_python_path_for_small_inputs_is_identical(corpus, analyzer):
    docs = corpus[:30] + EXTRA
    vec = HashingNgramVectorizer(analyzer=analyzer, ngram_range=(1, 4), n_features=2**20).fit(docs)
    X = vec.transform(docs)
    indptr, indices, data = _count_python(docs, analyzer, 1, 4, 2**20, np.dtype(np.float32))
    np.testing.assert_array_equal(X.indptr, indptr)
    np.testing.assert_array_equal(X.indices, indices)
    np.testing.assert_array_equal(X.data, data)

    for norm in ("l2", "l1", None):
        tfidf = HashedTfidf(min_df=2, norm=norm).fit(X)
        compiled = tfidf.transform(X)
        indptr, indices, data = tfidf._remap_python(X, {"l2": 2, "l1": 1, None: 0}[norm], np.dtype(np.float32))
        np.testing.assert_array_equal(compiled.indptr, indptr)
        np.testing.assert_array_equal(compiled.indices, indices)
        np.testing.assert_array_equal(compiled.data, data)  # bit for bit


def test_lowercase_matches_sklearn():
    docs = ["The CAT sat", "\u0130stanbul ABC abc", "\u0627\u0644\u0642\u0637 CAT \u00c9T\u00c9"]
    X = HashingNgramVectorizer(ngram_range=(1, 3), n_features=NF, lowercase=True).fit(docs).transform(docs)
    _, Z, _ = _hash_sklearn_counts(docs, "char_wb", (1, 3), NF, lowercase=True)
    assert X.nnz == Z.nnz and (X != Z).nnz == 0
    vec = HashingNgramVectorizer(lowercase=True)
    assert vec.analyze("AB") == HashingNgramVectorizer().analyze("ab")


def test_tfidf_equals_sklearn_on_hashed_counts(corpus):
    """With collisions: scikit-learn's TF-IDF of the hash-summed counts, column for column."""
    X = HashingNgramVectorizer(n_features=NF).fit(corpus).transform(corpus)
    _, Z, _ = _hashed_sklearn_counts(corpus, "char_wb", (2, 5), NF)
    tfidf = HashedTfidf(min_df=2).fit(X)
    kept = np.flatnonzero(np.bincount(Z.indices, minlength=NF) >= 2)
    np.testing.assert_array_equal(tfidf.columns_, kept)
    expected = TfidfTransformer(sublinear_tf=True).fit_transform(Z[:, kept].astype(np.float64))
    got = tfidf.transform(X)
    assert got.shape == (len(corpus), len(kept)) and got.dtype == np.float32 and got.has_sorted_indices
    assert abs(got - expected).max() < 1e-5
    np.testing.assert_allclose(tfidf.idf_, TfidfTransformer().fit(Z[:, kept]).idf_, rtol=1e-6)


def test_tfidf_equals_sklearn_up_to_column_permutation(corpus):
    """Without collisions: every n-gram alone in its column has sklearn's weight and idf.

    Row norms mix in the colliding columns, so the comparison is before normalization.
    """
    vec = HashingNgramVectorizer(n_features=NF).fit(corpus)
    ours = HashedTfidf(min_df=2, norm=None).fit(vec.transform(corpus))
    got = ours.transform(vec.transform(corpus)).tocsc()
    sk = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                         lowercase=False, norm=None)
    expected = sk.fit_transform(corpus).tocsc()
    _, _, vocab_cols = _hashed_sklearn_counts(corpus, "char_wb", (2, 5), NF)  # every n-gram's column
    alone = set(np.flatnonzero(np.bincount(vocab_cols, minlength=NF) == 1).tolist())
    hashed = np.array([_kernels.hash_ngram(g, NF) for g in sk.get_feature_names_out()])
    single = np.array([c in alone for c in hashed.tolist()])
    assert single.mean() > 0.9
    new = ours.column_index(hashed[single])
    assert (new >= 0).all()
    np.testing.assert_allclose(ours.idf_[new], sk.idf_[single], rtol=1e-6)
    assert abs(got[:, new] - expected[:, np.flatnonzero(single)]).max() < 1e-5


def test_tfidf_rows_are_unit_length_and_empty_rows_stay_empty(corpus):
    X = HashingNgramVectorizer(n_features=2**20).fit(corpus).transform(corpus)
    out = HashedTfidf().fit(X).transform(X)
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    empty = np.diff(out.indptr) == 0
    np.testing.assert_allclose(norms[~empty], 1.0, rtol=1e-5)
    assert [corpus[i] for i in np.flatnonzero(empty)] == ["", "   ", "\n"]


def test_max_features_keeps_the_largest_totals_ties_to_lower_column():
    counts = sp.csr_matrix(np.array([[1, 5, 2, 2, 0], [1, 0, 1, 1, 3], [1, 1, 0, 0, 0]], dtype=np.float32))
    tfidf = HashedTfidf(min_df=1, max_features=3).fit(counts)
    # totals 3, 6, 3, 3, 3: column 1, then the three-way tie at 3 goes to columns 0 and 2
    np.testing.assert_array_equal(tfidf.columns_, [0, 1, 2])
    assert HashedTfidf(min_df=1, max_df=2).fit(counts).columns_.tolist() == [1, 2, 3, 4]
    assert HashedTfidf(min_df=0.5, max_df=0.9).fit(counts).columns_.tolist() == [1, 2, 3]


@pytest.mark.parametrize("params, match", [
    ({"min_df": 3, "max_df": 2}, r"max_df=2 corresponds to fewer documents than min_df=3"),
    ({"min_df": 1.5}, r"min_df=1\.5"),
    ({"max_features": 0}, r"max_features=0"),
    ({"norm": "l3"}, r"norm='l3'"),
    ({"min_df": 2}, r"no column is left"),
])
def test_tfidf_bad_parameters(params, match):
    counts = sp.csr_matrix(np.eye(3, dtype=np.float32))
    with pytest.raises(ValueError, match=match):
        HashedTfidf(**params).fit(counts)


def test_results_do_not_depend_on_threads_or_blocks(corpus):
    numba = pytest.importorskip("numba")
    vec = HashingNgramVectorizer(n_features=2**22).fit(corpus)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = vec.transform(corpus)
        tfidf_one = HashedTfidf().fit(one).transform(one)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = vec.transform(corpus)
        tfidf_two = HashedTfidf().fit(two).transform(two)
    finally:
        numba.set_num_threads(before)
    again = vec.transform(corpus)
    for a, b in [(one, two), (one, again), (tfidf_one, tfidf_two)]:
        np.testing.assert_array_equal(a.indptr, b.indptr)
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.data, b.data)
    codes, offsets = _kernels.pack_documents(corpus)
    indptr, indices, data = _kernels.ngram_counts(codes, offsets, analyzer="char_wb", ngram_range=(2, 5),
                                                  n_features=2**22, block_size=5_000)  # many blocks
    np.testing.assert_array_equal(indptr, one.indptr)
    np.testing.assert_array_equal(indices, one.indices)
    np.testing.assert_array_equal(data, one.data)


def test_pickle_and_joblib_round_trip_small(corpus, tmp_path):
    X = HashingNgramVectorizer(n_features=2**22).fit(corpus).transform(corpus)
    tfidf = HashedTfidf().fit(X)
    expected = tfidf.transform(X)  # builds the column index, which must not be pickled
    blob = pickle.dumps(tfidf)
    k, distinct_idf = len(tfidf.columns_), len(np.unique(tfidf.idf_))
    # kept columns as int32 (or a bitmap if smaller), idf as uint16 codes into its distinct
    # values, plus a little pickle framing: well under the 8 bytes per column of raw arrays
    assert len(blob) < min(4 * k, 2**22 // 8) + 2 * k + 4 * distinct_idf + 2048
    assert len(blob) < 8 * k
    path = tmp_path / "tfidf.joblib"
    joblib.dump(tfidf, path)
    for loaded in (pickle.loads(blob), joblib.load(path)):
        np.testing.assert_array_equal(loaded.columns_, tfidf.columns_)
        assert loaded.columns_.dtype == tfidf.columns_.dtype
        np.testing.assert_array_equal(loaded.idf_, tfidf.idf_)
        assert loaded.idf_.dtype == np.float32
        got = loaded.transform(X)
        np.testing.assert_array_equal(got.indices, expected.indices)
        np.testing.assert_array_equal(got.data, expected.data)
        assert loaded.get_params() == tfidf.get_params()


def test_pickle_uses_a_bitmap_when_most_columns_are_kept(corpus):
    X = HashingNgramVectorizer(n_features=2**14).fit(corpus).transform(corpus)
    tfidf = HashedTfidf().fit(X)
    assert 4 * len(tfidf.columns_) > 2**14 // 8
    blob = pickle.dumps(tfidf)
    assert len(blob) < 2**14 // 8 + 2 * len(tfidf.columns_) + 4 * len(np.unique(tfidf.idf_)) + 2048
    loaded = pickle.loads(blob)
    np.testing.assert_array_equal(loaded.columns_, tfidf.columns_)
    assert (loaded.transform(X) != tfidf.transform(X)).nnz == 0


def test_unfitted_estimators_pickle_and_clone():
    for est in (HashingNgramVectorizer(analyzer="word", ngram_range=(1, 3), n_features=2**10),
                HashedTfidf(min_df=3, max_df=0.5, max_features=100, norm=None)):
        copy = clone(est)
        assert copy.get_params() == est.get_params()
        assert pickle.loads(pickle.dumps(est)).get_params() == est.get_params()
    vec = HashingNgramVectorizer().set_params(ngram_range=(1, 2))
    assert vec.get_params()["ngram_range"] == (1, 2)


def test_not_fitted_errors():
    with pytest.raises(NotFittedError):
        HashingNgramVectorizer().transform(["x"])
    with pytest.raises(NotFittedError):
        HashedTfidf().transform(sp.csr_matrix((1, 4), dtype=np.float32))
    with pytest.raises(NotFittedError):
        HashedTfidf().column_index([1])


@pytest.mark.parametrize("params, match", [
    ({"ngram_range": (3, 1)}, r"ngram_range=\(3, 1\)"),
    ({"ngram_range": (0, 2)}, r"ngram_range=\(0, 2\)"),
    ({"ngram_range": "2-5"}, r"ngram_range='2-5'"),
    ({"analyzer": "chars"}, r"analyzer='chars'"),
    ({"n_features": 0}, r"n_features=0"),
    ({"n_features": 2**31}, r"n_features=2147483648"),
    ({"dtype": np.int32}, r"dtype='int32'"),
])
def test_vectorizer_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        HashingNgramVectorizer(**params).fit([])


def test_vectorizer_refuses_a_single_string_and_non_strings():
    vec = HashingNgramVectorizer().fit([])
    with pytest.raises(ValueError, match="string object received"):
        vec.transform("one document")
    with pytest.raises(TypeError, match="document 1 is bytes"):
        vec.transform(["ok", b"bytes"])


def test_feature_names_are_not_available():
    with pytest.raises(NotImplementedError, match="analyze"):
        HashingNgramVectorizer().fit([]).get_feature_names_out()


@pytest.mark.parametrize("analyzer", ["char_wb", "char", "word"])
def test_empty_and_blank_documents_give_empty_rows(analyzer):
    docs = ["", " ", "   \t\n ", "\u00a0\u3000"]
    vec = HashingNgramVectorizer(analyzer=analyzer, n_features=2**10).fit(docs)
    X = vec.transform(docs)
    assert X.shape == (4, 2**10) and X.nnz == 0
    assert vec.transform([]).shape == (0, 2**10)
    assert _count_python(docs, analyzer, 2, 5, 2**10, np.dtype(np.float32))[2].size == 0


def test_non_bmp_characters(corpus):
    doc = "\U0001F600\U0001F601 \U00010000x \U0010FFFF"
    vec = HashingNgramVectorizer(analyzer="char", ngram_range=(1, 2), n_features=NF).fit([doc])
    X = vec.transform([doc])
    assert X.sum() == len(doc) + len(doc) - 1  # one code point = one character
    assert dict(zip(X.indices.tolist(), X.data.tolist())) == collections.Counter(c for _, c in vec.analyze(doc))


def test_float64_counts():
    X = HashingNgramVectorizer(dtype=np.float64, n_features=2**10).fit([]).transform(["abc abd"])
    assert X.dtype == np.float64
    assert HashedTfidf(min_df=1, dtype=np.float64).fit(X).transform(X).dtype == np.float64


def test_whitespace_and_word_tables_match_python():
    every = "".join(map(chr, range(0x110000)))
    assert _kernels.WHITESPACE == tuple(i for i, c in enumerate(every) if c.isspace())
    assert _kernels.WHITESPACE == tuple(m.start() for m in re.finditer(r"\s", every))
    table = _kernels.word_char_table()
    expected = np.zeros(0x110000, dtype=np.uint8)
    for m in re.finditer(r"\w", every):
        expected[m.start()] = 1
    np.testing.assert_array_equal(table, expected)


@pytest.mark.parametrize("kind, width", [("char", 2**16), ("word", 2**16), ("union", 2**17)])
def test_build_features_from_config(corpus, kind, width):
    spec = FeaturesSpec(kind=kind, n_features=2**16, char={"analyzer": "char", "ngram_range": (1, 3)},
                        word={"ngram_range": (1, 2)}, min_df=1, max_df=0.9, max_features=5000,
                        sublinear_tf=False)
    featurizer = build_features(spec)
    docs = corpus[:20]
    X = featurizer.fit_transform(docs)
    assert sp.issparse(X) and X.shape == (20, width)
    if kind == "union":
        assert isinstance(featurizer, FeatureUnion)
        char = HashingNgramVectorizer(analyzer="char", ngram_range=(1, 3), n_features=2**16).fit(docs)
        word = HashingNgramVectorizer(analyzer="word", ngram_range=(1, 2), n_features=2**16).fit(docs)
        X = sp.csr_matrix(X)
        assert (X[:, :2**16] != char.transform(docs)).nnz == 0
        assert (X[:, 2**16:] != word.transform(docs)).nnz == 0
    tfidf = build_tfidf(spec)
    assert tfidf.get_params() == {"min_df": 1, "max_df": 0.9, "max_features": 5000, "sublinear_tf": False,
                                  "norm": "l2", "smooth_idf": True, "dtype": np.float32, "copy": True,
                                  "block_weights": None, "block_size": None}
    out = tfidf.fit(X).transform(X)
    assert tfidf.n_features_in_ == width and out.shape == (20, len(tfidf.columns_)) <= (20, 5000)
    assert out.has_sorted_indices


def test_pipeline_in_grid_search_on_arabic_articles(ant_zip):
    docs, cats = _read_ant(ant_zip, 400, every=31)
    pairs = [(d, c) for d, c in zip(docs, cats) if c in ("sport", "economy")][:80]
    docs, y = [d for d, _ in pairs], [c for _, c in pairs]
    pipe = Pipeline([("vec", HashingNgramVectorizer(n_features=2**18)), ("tfidf", HashedTfidf()),
                     ("clf", LinearSVC())])
    search = GridSearchCV(pipe, {"tfidf__min_df": [1, 2], "vec__ngram_range": [(2, 4)]}, cv=2)
    search.fit(docs, y)
    assert search.best_score_ > 0.8
    assert pickle.loads(pickle.dumps(search.best_estimator_)).score(docs, y) == search.best_estimator_.score(docs, y)


def test_tfidf_in_place_equals_the_copy_and_reuses_the_input(ant_sample):
    texts = [r["text"] for r in ant_sample[:300]]
    counts = HashingNgramVectorizer(n_features=2**18).fit_transform(texts)
    tfidf = HashedTfidf(min_df=2).fit(counts)
    expected = tfidf.transform(counts)
    work = counts.copy()
    got = tfidf.set_params(copy=False).transform(work)
    assert np.shares_memory(got.data, work.data) and np.shares_memory(got.indices, work.indices)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_array_equal(got.data, expected.data)
    # the kept rows' counts were consumed: the input no longer holds counts
    assert not np.array_equal(work.data[:got.nnz], counts.data[:got.nnz])


def test_tfidf_from_arrays_rebuilds_the_fitted_transform():
    """A HashedTfidf rebuilt from its arrays (as a bundle does) transforms exactly as the fitted one."""
    import scipy.sparse as sp

    counts = sp.csr_matrix(np.array([[1, 2, 0, 4], [0, 1, 0, 1], [0, 3, 1, 0]], dtype=np.float32))
    fitted = HashedTfidf(min_df=1).fit(counts)
    rebuilt = HashedTfidf.from_arrays(fitted.columns_, fitted.idf_, fitted.n_features_in_, **fitted.get_params())
    assert rebuilt.get_params() == fitted.get_params()
    np.testing.assert_array_equal(rebuilt.transform(counts).toarray(), fitted.transform(counts).toarray())
    with pytest.raises(ValueError, match="must be 1-D of one length"):
        HashedTfidf.from_arrays([0, 1], [1.0], 4)
    with pytest.raises(ValueError, match=r"distinct and lie in \[0, 4\)"):
        HashedTfidf.from_arrays([0, 4], [1.0, 1.0], 4)
    with pytest.raises(ValueError, match=r"distinct"):
        HashedTfidf.from_arrays([1, 1], [1.0, 1.0], 4)


def test_score_calibrator_from_arrays_matches_scikit_learn():
    """ScoreCalibrator gives LogisticRegression.predict_proba's exact values, multiclass and binary."""
    from sklearn.linear_model import LogisticRegression

    from arclf.models.calibration import ScoreCalibrator

    rng = np.random.default_rng(0)
    for n_classes in (2, 4):
        scores = rng.normal(size=(200, n_classes))
        y = np.array(list("abcd"[:n_classes]))[scores.argmax(axis=1)]
        X = np.column_stack([-scores[:, 1], scores[:, 1]]) if n_classes == 2 else scores
        lr = LogisticRegression(C=1.0, max_iter=1000, random_state=0).fit(X, y)
        cal = ScoreCalibrator.fit(scores[:, 1] if n_classes == 2 else scores, y, seed=0)
        rebuilt = ScoreCalibrator.from_arrays(cal.classes_, cal.coef_, cal.intercept_)
        test = rng.normal(size=(50, n_classes))
        Xt = np.column_stack([-test[:, 1], test[:, 1]]) if n_classes == 2 else test
        np.testing.assert_array_equal(rebuilt.predict_proba(test[:, 1] if n_classes == 2 else test), lr.predict_proba(Xt))
    with pytest.raises(ValueError, match="do not fit 3 classes"):
        ScoreCalibrator.from_arrays(["a", "b", "c"], np.zeros((1, 3)), np.zeros(1))


def test_a_damaged_feature_cache_entry_is_dropped_with_a_warning(tmp_path):
    """Field test 7: a truncated .npz is removed and recomputed, not a traceback on every run."""
    from arclf.features.cache import FeatureCache

    cache = FeatureCache(tmp_path)
    X = sp.random(50, 1000, density=0.05, format="csr", dtype=np.float32, random_state=0)
    cache.put("k", X)
    path = tmp_path / "k.npz"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.warns(UserWarning, match=r"feature cache entry .*k\.npz is damaged .*removed"):
        assert cache.get("k") is None
    assert not path.exists()
    cache.put("k", X)
    assert (cache.get("k") != X).nnz == 0
