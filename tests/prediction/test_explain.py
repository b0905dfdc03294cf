"""Explanations of the four-step pipeline: per-class n-grams and per-prediction contributions."""

import numpy as np
import pytest
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline

from arclf.config import parse_config
from arclf.errors import BundleError, InputError
from arclf.prediction.explain import SPACE, explain_prediction, linear_weights, top_ngrams
from arclf.models.pipeline import build_pipeline

# Latin stand-ins keep the arithmetic readable; the real-text test below uses Arabic articles.
TEXTS = {
    "sport": ["the team won the football match", "a goal in the final match of the league",
              "the coach praised the team after the match", "football fans filled the stadium"],
    "economy": ["the bank raised interest rates", "oil prices and the market fell",
                "the central bank and inflation", "stock market investors sold shares"],
    "culture": ["a new novel by the poet", "the museum opened an exhibition of paintings",
                "the poet read from his novel", "a festival of film and music"],
}
DOCS = [t for texts in TEXTS.values() for t in texts]
Y = [label for label, texts in TEXTS.items() for _ in texts]


def _pipeline(kind="char", classifier="linear_svm", labels=None, **features):
    cfg = parse_config({"data": {"name": "ant"}, "tasks": [{"name": "topic"}],
                        "features": {"kind": kind, "n_features": 2**16, "min_df": 1, **features},
                        "classifier": {"kind": classifier, "calibration": "none"}})
    docs, y = (DOCS, Y) if labels is None else zip(*[(d, l) for d, l in zip(DOCS, Y) if l in labels])
    return build_pipeline(cfg).fit(list(docs), list(y))


@pytest.fixture(scope="module")
def char_pipe():
    return _pipeline()


def test_top_ngrams_per_class_show_word_padding(char_pipe):
    top = top_ngrams(char_pipe, DOCS, k=15)
    assert set(top) == {"sport", "economy", "culture"}
    for label, items in top.items():
        assert len(items) == 15
        weights = [w for _, w in items]
        assert weights == sorted(weights, reverse=True) and weights[-1] > 0
    sport = [g for g, _ in top["sport"]]
    assert any(g.startswith(SPACE) or g.endswith(SPACE) for g in sport)  # char_wb padding is visible
    assert any("match" in g.replace(SPACE, "") or "team" in g.replace(SPACE, "") or "foot" in g for g in sport)
    assert not any(" " in g for items in top.values() for g, _ in items)


def test_top_ngram_weights_are_the_coefficients(char_pipe):
    top = top_ngrams(char_pipe, DOCS, k=5)
    vec, tfidf, clf = (char_pipe.named_steps[s] for s in ("features", "tfidf", "clf"))
    for label, items in top.items():
        row = list(clf.classes_).index(label)
        for ngram, weight in items:
            hash_col = dict(vec.analyze(" " + ngram.replace(SPACE, " ").strip() + " "))  # pad as char_wb does
            cols = {c for g, c in hash_col.items() if g == ngram.replace(SPACE, " ")}
            assert len(cols) == 1
            assert weight == pytest.approx(clf.coef_[row, tfidf.column_index(list(cols))[0]])


def test_explain_prediction_contributions_sum_to_the_decision_value(char_pipe):
    text = "the team scored in the football match"
    assert char_pipe.predict([text])[0] == "sport"
    allc = explain_prediction(char_pipe, text, k=10_000)
    clf = char_pipe.named_steps["clf"]
    row = list(clf.classes_).index("sport")
    decision = char_pipe.decision_function([text])[0, row]
    assert sum(c for _, c in allc) == pytest.approx(decision - clf.intercept_[row], rel=1e-4)
    top = explain_prediction(char_pipe, text, k=5)
    assert top == allc[:5] and top[0][1] >= top[-1][1] > 0
    other = explain_prediction(char_pipe, text, k=10_000, label="economy")
    row = list(clf.classes_).index("economy")
    assert sum(c for _, c in other) == pytest.approx(char_pipe.decision_function([text])[0, row] - clf.intercept_[row], rel=1e-4)


def test_union_of_char_and_word_features():
    pipe = _pipeline(kind="union")
    top = top_ngrams(pipe, DOCS, k=40)
    grams = [g for items in top.values() for g, _ in items]
    assert any(SPACE in g for g in grams)  # char n-grams, padded
    words = {g for g in grams if SPACE not in g and " " not in g and len(g) > 5}
    assert words & {"football", "museum", "market", "inflation", "interest", "stadium", "festival", "exhibition", "novel", "match"}
    text = "oil prices and the bank"
    contributions = explain_prediction(pipe, text, k=10_000)
    clf = pipe.named_steps["clf"]
    row = list(clf.classes_).index(pipe.predict([text])[0])
    assert sum(c for _, c in contributions) == pytest.approx(pipe.decision_function([text])[0, row] - clf.intercept_[row], rel=1e-4)
    assert any(g in ("oil", "prices", "bank", "oil prices") for g, _ in contributions)


def test_binary_classifier_uses_the_sign_of_its_single_row():
    pipe = _pipeline(labels=("sport", "culture"), classifier="linear_svm")
    clf = pipe.named_steps["clf"]
    classes, weights = linear_weights(clf)
    assert weights.shape[0] == 2 and np.allclose(weights[1], clf.coef_[0]) and np.allclose(weights[0], -clf.coef_[0])
    text = "the poet and the museum"
    label = pipe.predict([text])[0]
    assert label == "culture"
    contributions = explain_prediction(pipe, text, k=10_000)
    margin = pipe.decision_function([text])[0] - clf.intercept_[0]  # positive side: classes_[1] = sport
    assert sum(c for _, c in contributions) == pytest.approx(-margin, rel=1e-4)
    top = top_ngrams(pipe, DOCS, k=3)
    assert set(top) == {"culture", "sport"} and all(w > 0 for items in top.values() for _, w in items)


def test_naive_bayes_weights_are_centred():
    pipe = _pipeline(classifier="complement_nb")
    classes, weights = linear_weights(pipe.named_steps["clf"])
    assert isinstance(pipe.named_steps["clf"], ComplementNB)
    np.testing.assert_allclose(weights.sum(axis=0), 0, atol=1e-9)
    assert explain_prediction(pipe, "stock market and bank shares", k=3)[0][1] > 0


def test_calibrated_classifier_is_explained_by_its_linear_part():
    cfg = parse_config({"data": {"name": "ant"}, "tasks": [{"name": "topic"}],
                        "features": {"n_features": 2**16, "min_df": 1},
                        "classifier": {"kind": "linear_svm", "calibration": "sigmoid", "calibration_folds": 2}})
    pipe = build_pipeline(cfg).fit(DOCS * 2, Y * 2)
    assert explain_prediction(pipe, "the football team", k=3)[0][1] > 0


def test_errors(char_pipe):
    with pytest.raises(BundleError, match=r"lacks step\(s\) \['normalize', 'features', 'tfidf'\]"):
        explain_prediction(Pipeline([("clf", char_pipe.named_steps["clf"])]), "x")
    with pytest.raises(InputError, match="needs one text"):
        explain_prediction(char_pipe, ["a list"])
    with pytest.raises(InputError, match="'finance' is not a class"):
        explain_prediction(char_pipe, "a text", label="finance")
    with pytest.raises(InputError, match="needs some texts"):
        top_ngrams(char_pipe, [])


def test_sampling_bounds_the_texts_read(char_pipe):
    few = top_ngrams(char_pipe, DOCS, k=5, max_texts=3, seed=1)
    assert few == top_ngrams(char_pipe, DOCS, k=5, max_texts=3, seed=1)
    assert all(len(v) <= 5 for v in few.values())


def test_real_model_on_real_articles(trained_run, seed_page):
    """The trained ANT bundle: Arabic n-grams name the columns; the seed article's evidence."""
    from arclf.bundle.model import load_bundle

    bundle = load_bundle(trained_run.run_dir)
    pipe = bundle.pipeline("topic")
    text = seed_page.read_text(encoding="utf-8")
    contributions = explain_prediction(pipe, text, k=10)
    assert len(contributions) == 10 and contributions[0][1] > 0
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in g) for g, _ in contributions[:5])
    top = top_ngrams(pipe, [text] * 2, k=10)
    assert set(top) == set(trained_run.metrics["tasks"]["topic"]["labels"])
    # "\u0627\u0644" is the article al-; char_wb pads words, so "␣ال" (al- starting a word) shows up
    grams = [g for items in top.values() for g, _ in items]
    assert any(g.startswith(SPACE) for g in grams)
