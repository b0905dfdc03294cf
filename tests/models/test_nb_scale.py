"""NB-SVM (Wang & Manning 2012) as LinearSVM(nb_scale=True), on real ANT articles."""

import numpy as np
import pytest
import scipy.sparse as sp

from arclf.features.hashing import HashingNgramVectorizer
from arclf.features.normalizer import ArabicNormalizer
from arclf.features.tfidf import HashedTfidf
from arclf.models.solver import LinearSVM, fit_ovr_nb_scaled, nb_log_ratios, ovr_targets, scaled_tfidf, tf_table


@pytest.fixture(scope="module")
def ant_tfidf(ant_sample):
    recs = ant_sample[::3]
    texts = ArabicNormalizer().fit_transform([r["text"][:1500] for r in recs])
    counts = HashingNgramVectorizer(ngram_range=(2, 4), n_features=2**16).fit_transform(texts)
    y = np.array([r["section"] for r in recs], dtype=object)
    return counts, HashedTfidf(min_df=2).fit(counts).transform(counts), y


def test_ratios_follow_the_formula(ant_tfidf):
    _, X, y = ant_tfidf
    classes, y_index = np.unique(y, return_inverse=True)
    targets, n = ovr_targets(y_index, len(classes))
    R = nb_log_ratios(X, targets, np.arange(len(y)), n)
    B = (X > 0).astype(np.float64)
    pos = 1 + np.asarray(B[targets == 2].sum(axis=0)).ravel()
    neg = 1 + np.asarray(B[targets != 2].sum(axis=0)).ravel()
    assert np.allclose(R[:, 2], np.log((pos / pos.sum()) / (neg / neg.sum())), atol=1e-5)


def test_each_class_is_an_svm_on_ratio_scaled_features(ant_tfidf):
    _, X, y = ant_tfidf
    nb = LinearSVM(C=0.5, max_iter=300, nb_scale=True).fit(X, y)
    classes, y_index = np.unique(y, return_inverse=True)
    R = nb_log_ratios(X, y_index, np.arange(len(y)), len(classes))
    k = list(classes).index("sport")
    one = LinearSVM(C=0.5, max_iter=300).fit(X @ sp.diags(R[:, k]), (y == "sport").astype(int))
    assert np.allclose(one.coef_[0] * R[:, k], nb.coef_[k], atol=1e-6)
    assert one.intercept_[0] == pytest.approx(nb.intercept_[k])
    assert np.mean(nb.predict(X) == y) > 0.9  # training rows


def test_shared_count_path_equals_the_materialized_fit(ant_tfidf):
    counts, X, y = ant_tfidf
    C = sp.csr_matrix((np.minimum(counts.data, 65535).astype(np.uint16), counts.indices, counts.indptr), shape=counts.shape)
    rows = np.arange(len(y))
    table = tf_table(True)
    tfidf = HashedTfidf(min_df=2)
    col_scale, row_scale = scaled_tfidf(C, rows, rows, tfidf, sublinear=True, tf_table=table)
    classes, y_index = np.unique(y, return_inverse=True)
    W, b, _ = fit_ovr_nb_scaled(C, y_index, rows, len(classes), col_scale=col_scale, row_scale=row_scale, tf_table=table,
                                C=0.5, tol=0.1, max_iter=300)
    nb = LinearSVM(C=0.5, max_iter=300, nb_scale=True).fit(X, y)
    assert np.allclose(W[tfidf.columns_, :-1].T, nb.coef_, atol=1e-4)
