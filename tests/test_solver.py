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
from arclf.features import HashedTfidf, HashingNgramVectorizer
from arclf.normalize import ArabicNormalizer
from arclf.solver import LinearSVM


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
    """Training on shared 1+log(tf) counts scaled on the fly gives the model of the copied TF-IDF rows."""
    from arclf.training import _fit_svm_scaled

    counts, y, train, test, tfidf = ant_features
    cfg = parse_config({"data": {"name": "ant"}, "tasks": [{"name": "section"}], "seed": 3,
                        "features": {"n_features": 2**20}})
    shared = counts.copy()
    np.log(shared.data, out=shared.data)
    shared.data += 1
    head, classes, scores = _fit_svm_scaled(cfg, shared, train, y[train], test)
    np.testing.assert_array_equal(head.named_steps["tfidf"].columns_, tfidf.columns_)
    np.testing.assert_allclose(head.named_steps["tfidf"].idf_, tfidf.idf_, rtol=1e-6)
    direct = LinearSVM(C=cfg.classifier.C, random_state=3).fit(tfidf.transform(counts[train]), y[train])
    np.testing.assert_allclose(head.named_steps["clf"].coef_, direct.coef_, atol=2e-3)
    Xte = tfidf.transform(counts[test])
    np.testing.assert_allclose(scores, direct.decision_function(Xte), atol=5e-3)
    np.testing.assert_array_equal(head.predict(counts[test]), direct.predict(Xte))


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
