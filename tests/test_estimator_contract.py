"""The scikit-learn estimator contract, checked by hand for every estimator arclf defines.

scikit-learn's ``check_estimator`` skips estimators that take raw text, so each one is put
through the same checks here: ``clone`` / ``get_params`` round trip, a not-fitted error,
a joblib round trip that predicts the same, and a ``Pipeline`` inside ``GridSearchCV`` on a
tiny corpus of real Arabic articles (ANT, read from ../shared).
"""

from __future__ import annotations

import inspect
import io

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from arclf.features.hashing import HashingNgramVectorizer
from arclf.features.tfidf import HashedTfidf
from arclf.features.normalizer import ArabicNormalizer
from arclf.models.calibration import CalibratedLinear
from arclf.models.pipeline import OneVsRestLogistic
from arclf.models.solver import LinearSVM

SECTIONS = ("sport", "economy", "culture")


@pytest.fixture(scope="module")
def tiny(ant_sample):
    """60 real ANT articles, 20 from each of three sections, cut to their first 400 characters."""
    texts, y = [], []
    for section in SECTIONS:
        recs = [r for r in ant_sample if r["section"] == section][:20]
        texts += [r["text"][:400] for r in recs]
        y += [section] * len(recs)
    assert len(texts) == 60
    return texts, np.asarray(y, dtype=object)


def _vectorizer():
    return HashingNgramVectorizer(ngram_range=(2, 3), n_features=2**14)


ESTIMATORS = {
    "ArabicNormalizer": lambda: ArabicNormalizer(teh_marbuta=False),
    "HashingNgramVectorizer": _vectorizer,
    "HashedTfidf": lambda: HashedTfidf(min_df=1, sublinear_tf=False),
    "LinearSVM": lambda: LinearSVM(C=0.7, max_iter=30),
    "LinearSVM-nb_scale": lambda: LinearSVM(C=0.7, max_iter=30, nb_scale=True),
    "CalibratedLinear": lambda: CalibratedLinear(LinearSVM(C=0.7), folds=2, seed=3),
    "OneVsRestLogistic": lambda: OneVsRestLogistic(LogisticRegression(solver="liblinear", C=5.0)),
}
TRANSFORMERS = ("ArabicNormalizer", "HashingNgramVectorizer", "HashedTfidf")


def _fit_input(name, tiny):
    """What the estimator ``name`` is fitted on: raw texts, counts, or TF-IDF rows and labels."""
    texts, y = tiny
    if name in ("ArabicNormalizer", "HashingNgramVectorizer"):
        return (texts,)
    counts = _vectorizer().fit(texts).transform(texts)
    if name == "HashedTfidf":
        return (counts,)
    return HashedTfidf(min_df=1).fit(counts).transform(counts), y


def _output(est, X):
    if hasattr(est, "predict_proba"):
        return est.predict_proba(X)
    out = est.transform(X)
    return out.toarray() if hasattr(out, "toarray") else out


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_clone_keeps_every_parameter(name):
    est = ESTIMATORS[name]()
    params = est.get_params(deep=False)
    twin = clone(est)
    assert twin is not est
    assert repr(twin.get_params(deep=False)) == repr(params)
    assert twin.set_params(**params) is twin
    init = inspect.signature(type(est).__init__).parameters
    assert sorted(params) == sorted(n for n in init if n != "self")  # __init__ stores every argument by name


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_use_before_fit_raises_not_fitted(name, tiny):
    est = ESTIMATORS[name]()
    X = _fit_input(name, tiny)[0]
    with pytest.raises(NotFittedError):
        _output(est, X)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_joblib_round_trip_gives_the_same_output(name, tiny):
    args = _fit_input(name, tiny)
    est = ESTIMATORS[name]().fit(*args)
    buf = io.BytesIO()
    joblib.dump(est, buf)
    buf.seek(0)
    loaded = joblib.load(buf)
    expected, got = _output(est, args[0]), _output(loaded, args[0])
    if isinstance(expected, list):
        assert got == expected and any(a != b for a, b in zip(expected, tiny[0]))  # it did change some texts
    else:
        np.testing.assert_array_equal(got, expected)
        assert np.abs(expected).sum() > 0
    if name not in TRANSFORMERS:
        assert list(loaded.classes_) == sorted(SECTIONS)


@pytest.mark.parametrize("clf", ["LinearSVM", "LinearSVM-nb_scale", "CalibratedLinear", "OneVsRestLogistic"])
def test_pipeline_in_grid_search(clf, tiny):
    texts, y = tiny
    pipe = Pipeline([("normalize", ArabicNormalizer()), ("features", _vectorizer()),
                     ("tfidf", HashedTfidf(min_df=1)), ("clf", ESTIMATORS[clf]())])
    grid = {"features__ngram_range": [(2, 3), (3, 4)], "tfidf__sublinear_tf": [True, False]}
    search = GridSearchCV(pipe, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0), scoring="f1_macro", n_jobs=1)
    search.fit(texts, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_score_ > 0.6  # three balanced classes: chance is about 0.33
    assert set(search.best_estimator_.predict(texts[:5])) <= set(SECTIONS)
    assert search.best_estimator_.named_steps["clf"] is not pipe.named_steps["clf"]  # fitted on clones
