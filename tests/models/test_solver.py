"""The compiled linear SVM: same answers as liblinear, same model on shared or copied features."""

import io

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from arclf.config import parse_config
from arclf.features.hashing import HashingNgramVectorizer
from arclf.features.tfidf import HashedTfidf
from arclf.features.normalizer import ArabicNormalizer
from arclf.models.solver import LinearSVM


@pytest.fixture(scope="module")
def ant_features(ant_sample):
    texts = ArabicNormalizer().fit_transform([r["text"] for r in ant_sample])
    y = np.array([r["section"] for r in ant_sample])
    counts = HashingNgramVectorizer(n_features=2**20).fit(texts).transform(texts)
    train, test = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, random_state=0)
    tfidf = HashedTfidf().fit(counts[train])
    return counts, y, train, test, tfidf


def test_matches_liblinear_on_real_articles(ant_features):
    from sklearn.svm import LinearSVC

    counts, y, train, test, tfidf = ant_features
    Xtr, Xte = tfidf.transform(counts[train]), tfidf.transform(counts[test])
    ours = LinearSVM(C=0.5).fit(Xtr, y[train])
    ref = LinearSVC(C=0.5, tol=1e-4).fit(Xtr, y[train])
    assert list(ours.classes_) == list(ref.classes_)
    agree = (ours.predict(Xte) == ref.predict(Xte)).mean()
    assert agree > 0.97
    f_ours = f1_score(y[test], ours.predict(Xte), average="macro")
    f_ref = f1_score(y[test], ref.predict(Xte), average="macro")
    assert abs(f_ours - f_ref) < 0.02
    assert f_ours > 0.7
    cos = (ours.coef_ * ref.coef_).sum(1) / np.linalg.norm(ours.coef_, axis=1) / np.linalg.norm(ref.coef_, axis=1)
    assert cos.min() > 0.98  # the same optimum, reached to liblinear's default tolerance


def test_scaled_path_equals_fitting_on_materialized_tfidf(ant_features):
    """Training on shared uint16 counts scaled on the fly gives the model of the copied TF-IDF rows."""
    from arclf.training.cv import fit_svm_scaled

    counts, y, train, test, tfidf = ant_features
    cfg = parse_config({"data": {"name": "ant"}, "tasks": [{"name": "section"}], "seed": 3,
                        "features": {"n_features": 2**20}})
    shared = counts.copy()
    shared.data = shared.data.astype(np.uint16)
    head, classes, scores = fit_svm_scaled(cfg, shared, train, y[train], test)
    np.testing.assert_array_equal(head.named_steps["tfidf"].columns_, tfidf.columns_)
    np.testing.assert_allclose(head.named_steps["tfidf"].idf_, tfidf.idf_, rtol=1e-6)
    direct = LinearSVM(C=cfg.classifier.C, random_state=3).fit(tfidf.transform(counts[train]), y[train])
    np.testing.assert_allclose(head.named_steps["clf"].coef_, direct.coef_, atol=2e-3)
    Xte = tfidf.transform(counts[test])
    np.testing.assert_allclose(scores, direct.decision_function(Xte), atol=5e-3)
    np.testing.assert_array_equal(head.predict(counts[test]), direct.predict(Xte))


def test_float_log_tf_and_uint16_counts_give_the_same_model(ant_features):
    from arclf.models.solver import decision_scaled, fit_ovr_scaled, scaled_tfidf, tf_table

    counts, y, train, test, _ = ant_features
    y_index = np.unique(y[train], return_inverse=True)[1]
    as_log = counts.copy()
    as_log.data = 1 + np.log(as_log.data)
    as_counts = counts.copy()
    as_counts.data = as_counts.data.astype(np.uint16)
    results = []
    for X, table in ((as_log, None), (as_counts, tf_table(True))):
        col, row = scaled_tfidf(X, train, test, HashedTfidf(), sublinear=True, tf_table=table)
        W, b, _ = fit_ovr_scaled(X, y_index, train, int(y_index.max()) + 1, col_scale=col, row_scale=row, tf_table=table, seed=2)
        results.append(decision_scaled(X, test, W, b, row_scale=row, tf_table=table))
    np.testing.assert_allclose(results[0], results[1], atol=1e-3)
    assert (results[0].argmax(1) == results[1].argmax(1)).mean() > 0.99


def test_integer_counts_need_a_table(ant_features):
    from arclf.models.solver import fit_ovr_scaled

    counts, y, train, _, _ = ant_features
    X = counts.copy()
    X.data = X.data.astype(np.uint16)
    with pytest.raises(ValueError, match="pass tf_table"):
        fit_ovr_scaled(X, np.zeros(len(train), int), train, 2)


def test_tf_table_values():
    from arclf.models.solver import tf_table

    t = tf_table(True)
    assert t.dtype == np.float32 and len(t) == 65536
    assert t[0] == 0 and t[1] == 1 and t[2] == np.float32(1 + np.log(2)) and t[1000] == np.float32(1 + np.log(1000))
    assert tf_table(False)[7] == 7


def test_deterministic_and_pickle_safe(ant_features):
    counts, y, train, test, tfidf = ant_features
    Xtr, Xte = tfidf.transform(counts[train]), tfidf.transform(counts[test])
    a = LinearSVM(random_state=1).fit(Xtr, y[train])
    b = LinearSVM(random_state=1).fit(Xtr, y[train])
    np.testing.assert_array_equal(a.coef_, b.coef_)
    buf = io.BytesIO()
    joblib.dump(a, buf)
    buf.seek(0)
    np.testing.assert_array_equal(joblib.load(buf).decision_function(Xte), a.decision_function(Xte))


def test_binary_follows_scikit_learn_convention():
    X = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    y = np.array(["sport", "sport", "tech", "tech"])
    m = LinearSVM(C=10).fit(X, y)
    assert m.coef_.shape == (1, 2)
    assert m.decision_function(X).shape == (4,)
    assert (m.decision_function(X)[2:] > 0).all()  # positive scores mean classes_[1]
    assert list(m.predict(X)) == list(y)


def test_estimator_contract():
    m = LinearSVM(C=2.0, tol=0.01, max_iter=5, random_state=7)
    assert clone(m).get_params() == m.get_params()
    with pytest.raises(NotFittedError):
        m.predict(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="C=0"):
        LinearSVM(C=0).fit(np.eye(2), ["a", "b"])
    with pytest.raises(ValueError, match="at least 2 classes"):
        LinearSVM().fit(np.eye(2), ["a", "a"])


def test_stretch_order_reaches_the_same_optimum_and_one_block_is_bit_equal(ant_features):
    """The disk path's visiting order (fit_ovr_scaled's block_bytes) trains the same model, on rows stored class by class."""
    from arclf.models.solver import decision_scaled, fit_ovr_scaled, ovr_targets

    counts, y, train, test, tfidf = ant_features
    X = tfidf.transform(counts).astype(np.float32).tocsr()
    classes, y_index = np.unique(y[train], return_inverse=True)
    targets, k = ovr_targets(y_index, len(classes))
    by_class = np.argsort(targets, kind="stable")  # a corpus stored section by section
    Xc = X[np.asarray(train)[by_class]]
    tc, rows = targets[by_class], np.arange(len(train))
    whole, bw, ew = fit_ovr_scaled(Xc, tc, rows, k, seed=5)
    one, b1, _ = fit_ovr_scaled(Xc, tc, rows, k, seed=5, block_bytes=2**40)
    np.testing.assert_array_equal(one, whole)  # all rows in one block: liblinear's order, to the bit
    total = 8 * Xc.nnz
    blocks, bb, eb = fit_ovr_scaled(Xc, tc, rows, k, seed=5, block_bytes=total // 7)
    assert not np.array_equal(blocks, whole)
    assert eb <= ew + 2, (eb, ew)  # blocks mix every section: no slower convergence
    cos = (blocks[:, :-1] * whole[:, :-1]).sum(0) / np.linalg.norm(blocks[:, :-1], axis=0) / np.linalg.norm(whole[:, :-1], axis=0)
    assert cos.min() > 0.99
    pa = decision_scaled(X, np.asarray(test), whole, bw).argmax(1)
    pb = decision_scaled(X, np.asarray(test), blocks, bb).argmax(1)
    assert (pa == pb).mean() > 0.98
