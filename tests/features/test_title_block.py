"""The title block (``features.title_weight``): the first line's char n-grams, their idf weighted per block."""

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from arclf.config import FeaturesSpec
from arclf.features.hashing import HashingNgramVectorizer, block_weights, build_features
from arclf.features.tfidf import HashedTfidf, build_tfidf

ROOT = Path(__file__).resolve().parents[2]
DOCS = ["ليبيا تعلن هدنة\nقالت الحكومة الليبية اليوم إن الهدنة تبدأ غدا",
        "المنتخب يفوز\nفاز المنتخب الوطني في المباراة النهائية",
        "بلا عنوان",
        "\nنص بسطر أول فارغ"]


def test_first_line_counts_only_the_title():
    title = HashingNgramVectorizer(ngram_range=(2, 3), n_features=2**12, first_line=True).fit([])
    plain = HashingNgramVectorizer(ngram_range=(2, 3), n_features=2**12).fit([])
    X = title.transform(DOCS).toarray()
    expected = ["ليبيا تعلن هدنة", "المنتخب يفوز", "بلا عنوان", "نص بسطر أول فارغ"]  # a blank first line is skipped
    np.testing.assert_array_equal(X, plain.transform(expected).toarray())
    assert [g for g, _ in title.analyze(DOCS[0])] == [g for g, _ in plain.analyze("ليبيا تعلن هدنة")]


@pytest.mark.parametrize("text", ["ليبيا تعلن هدنة\r\nقالت الحكومة", "ليبيا تعلن هدنة\rقالت الحكومة",
                                  "ليبيا تعلن هدنة\u2028قالت الحكومة", "\n   \nليبيا تعلن هدنة\nقالت الحكومة",
                                  "  ليبيا تعلن هدنة  \nقالت الحكومة"],
                         ids=["crlf", "cr", "u2028", "blank-lines-first", "spaces"])
def test_every_line_ending_gives_the_same_title(text):
    """The API and serve get texts as they come; arclf predict strips and reads files: one title for all."""
    from arclf.features.analyzers import first_line

    assert first_line(text).strip() == "ليبيا تعلن هدنة"
    vec = HashingNgramVectorizer(ngram_range=(2, 3), n_features=2**12, first_line=True).fit([])
    np.testing.assert_array_equal(vec.transform([text]).toarray(), vec.transform(["ليبيا تعلن هدنة\nx"]).toarray())


def test_build_features_appends_a_title_block():
    spec = FeaturesSpec(kind="union", n_features=2**12, title_weight=0.5)
    union = build_features(spec)
    assert [name for name, _ in union.transformer_list] == ["char", "word", "title"]
    X = sp.csr_matrix(union.fit_transform(DOCS))
    assert X.shape == (4, 3 * 2**12)
    first = HashingNgramVectorizer(n_features=2**12, first_line=True).fit([]).transform(DOCS)
    assert (X[:, 2 * 2**12:] != first).nnz == 0
    assert block_weights(spec) == (1.0, 1.0, 0.5)
    assert block_weights(FeaturesSpec(title_weight=2)) == (1.0, 2.0) and block_weights(FeaturesSpec()) is None
    tfidf = build_tfidf(spec)
    assert tfidf.block_weights == (1.0, 1.0, 0.5) and tfidf.block_size == 2**12
    assert not isinstance(build_features(FeaturesSpec(n_features=2**12)), type(union))  # no title: a bare vectorizer


def test_block_weights_scale_each_blocks_idf_also_on_compacted_columns():
    X = sp.csr_matrix(np.array([[1, 2, 0, 3, 1, 0], [0, 1, 1, 1, 0, 2], [2, 0, 1, 0, 1, 1]], dtype=np.float32))
    plain = HashedTfidf(min_df=1).fit(X)
    weighted = HashedTfidf(min_df=1, block_weights=(1.0, 0.5), block_size=3).fit(X)
    np.testing.assert_allclose(weighted.idf_, plain.idf_ * np.array([1, 1, 1, 0.5, 0.5, 0.5]), rtol=1e-6)
    # a compacted matrix (columns reordered) with its hash columns: the same idf per hash column
    order = np.array([4, 0, 5, 2, 1, 3])
    compact = HashedTfidf(min_df=1, block_weights=(1.0, 0.5), block_size=3).fit(X[:, order], hash_columns=order)
    np.testing.assert_allclose(compact.idf_, weighted.idf_[order], rtol=1e-6)
    # the block's share of a row follows its weight; rows are still unit length
    out = weighted.transform(X).toarray()
    np.testing.assert_allclose((out ** 2).sum(axis=1), 1.0, rtol=1e-5)
    assert (out[:, 3:] ** 2).sum() < (plain.transform(X).toarray()[:, 3:] ** 2).sum()


@pytest.mark.parametrize("params, message", [
    ({"block_weights": (1.0, 0.5)}, "block_size=None"),
    ({"block_weights": (1.0, 0.0), "block_size": 3}, "numbers > 0"),
    ({"block_weights": (1.0,), "block_size": 3}, "lies past the 1 blocks"),
])
def test_bad_block_weights_are_refused(params, message):
    X = sp.csr_matrix(np.ones((2, 6), dtype=np.float32))
    with pytest.raises(ValueError, match=message):
        HashedTfidf(min_df=1, **params).fit(X)


@pytest.mark.parametrize("value, message", [
    (-1, "greater than or equal to 0, got -1"), (11, "less than or equal to 10, got 11"),
    (True, "expected a number such as 2 .0 = no title block., got true$"), (float("nan"), "finite number, got nan"),
    ("abc", "valid number.*got 'abc'"),
])
def test_title_weight_is_checked_in_the_config(value, message):
    from arclf.config import parse_config
    from arclf.errors import ConfigError

    with pytest.raises(ConfigError, match=f"x.yaml: features.title_weight: .*{message}"):
        parse_config({"data": {"name": "ant"}, "tasks": [{"name": "topic"}], "features": {"title_weight": value}},
                     origin="x.yaml")


def test_tune_tells_apart_word_models_whose_title_blocks_differ():
    """A word model with a title block reads the char settings (the title block's): two such candidates differ."""
    from arclf.config import parse_config
    from arclf.tuning.space import candidate_key

    def key(**char):
        return candidate_key(parse_config({"data": {"name": "ant"}, "tasks": [{"name": "topic"}],
                                           "features": {"kind": "word", "title_weight": 2, "char": char}}, origin="x"))

    def plain(**char):
        return candidate_key(parse_config({"data": {"name": "ant"}, "tasks": [{"name": "topic"}],
                                           "features": {"kind": "word", "char": char}}, origin="x"))

    assert key(ngram_range=[2, 5]) != key(ngram_range=[1, 4])
    assert plain(ngram_range=[2, 5]) == plain(ngram_range=[1, 4])  # no title block: the char settings are unused


def test_a_title_block_model_scores_alike_by_every_path_and_reads_the_title(tmp_path, corpora_dir, seed_page):
    """Training with a title block: the shared-count folds, the bundle's scikit-learn pipeline and the
    array predictor agree, and the title line moves the scores while the body stays the same."""
    from arclf.bundle.arrays import ArrayPredictor
    from arclf.bundle.model import load_bundle, load_predictor
    from arclf.training.trainer import train

    overrides = ["data.sample=600", "cv.folds=2", "tasks=[{name: topic}]", "features.title_weight=2"]
    result = train(ROOT / "configs" / "ant-multitask.yaml", overrides=overrides, data_dir=corpora_dir,
                   output_dir=tmp_path / "run", use_cache=False)
    assert "title_weight: 2" in (result.run_dir / "config.yaml").read_text()
    full, fast = load_bundle(result.run_dir), load_predictor(result.run_dir)
    assert isinstance(fast, ArrayPredictor)
    tfidf = full.pipeline("topic").named_steps["tfidf"]
    n = 2**22  # the config's n_features
    assert tfidf.n_features_in_ == 2 * n and (tfidf.columns_ >= n).any()  # title columns were kept
    body = "\n".join(seed_page.read_text(encoding="utf-8").splitlines()[3:])
    texts = [seed_page.read_text(encoding="utf-8"), "فاز المنتخب في المباراة\n" + body, "أعلنت الشركة عن أرباحها\n" + body]
    a, b, c = fast.predict_proba(texts), full.predict_proba(texts), result.bundle.predict_proba(texts)
    np.testing.assert_allclose(a["topic"][1], b["topic"][1], atol=1e-5)
    np.testing.assert_allclose(c["topic"][1], b["topic"][1], atol=1e-5)
    assert not np.allclose(b["topic"][1][1], b["topic"][1][2], atol=1e-3)  # same body, another title
    # explanations name the title block's n-grams as such
    from arclf.prediction.explain import explain_prediction

    shown = [g for g, _ in explain_prediction(full.pipeline("topic"), texts[1], k=400)]
    assert any(g.startswith("title:") for g in shown) and any(not g.startswith("title:") for g in shown)
    # a manifest whose title block was edited away no longer fits its arrays: a clear error from both
    # loaders' cores (load_bundle, load_predictor and verify_bundle make it one BundleError line)
    import copy

    from arclf.bundle.model import _rebuild, load_arrays

    arrays = load_arrays(result.run_dir)
    for value in (0, None):
        edited = copy.deepcopy(arrays)
        if value is None:
            del edited["meta"]["config"]["features"]["title_weight"]
        else:
            edited["meta"]["config"]["features"]["title_weight"] = value
        for load in (ArrayPredictor, _rebuild):
            with pytest.raises(ValueError, match=f"task topic was fitted on {2 * n} hash columns, but the features "
                                                  f"of its config give {n}"):
                load(edited)
