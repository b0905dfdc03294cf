"""The search space: validated with dotted paths, sampled reproducibly, candidates deduplicated."""

import pytest

from arclf.errors import ConfigError
from arclf.tuning.halving import plan_rungs, slice_rows
from arclf.tuning.space import feature_keys, load_search, parse_search, sample_candidates

BASE = {"name": "t", "seed": 3, "data": {"name": "ant"}, "tasks": [{"name": "section"}]}


@pytest.mark.parametrize("search, match", [
    ({"space": {"classifier.Cx": [1.0]}}, r"search\.space\.classifier\.Cx\[0\] = 1\.0: classifier\.Cx: unknown key"),
    ({"space": {"classifier.C": [0.5, -1]}}, r"search\.space\.classifier\.C\[1\] = -1: classifier\.C: .*greater than 0"),
    ({"space": {"features.kind": ["char", "chars"]}}, r"search\.space\.features\.kind\[1\] = 'chars': features\.kind"),
    ({"space": {"classifier.C": {"log_uniform": [2, 1]}}}, r"search\.space\.classifier\.C: need 0 < low <= high"),
    ({"space": {}, "etta": 3}, r"search\.etta: unknown key"),
    ({"space": {}, "holdout": 0.9}, r"search\.holdout: .*less than 0\.5"),
], ids=["unknown-key", "bad-value", "bad-choice", "bad-range", "unknown-option", "holdout-too-large"])
def test_bad_search_space_is_one_line_with_the_dotted_path(search, match):
    with pytest.raises(ConfigError, match=match) as info:
        parse_search(search, BASE, origin="x.search.yaml")
    assert "\n" not in str(info.value) and str(info.value).startswith("x.search.yaml: ")


def test_space_file_beside_the_config_and_the_shipped_default(tmp_path):
    config = tmp_path / "news.yaml"
    spec, origin = load_search(config, BASE)
    assert origin == "default: arabic-news.yaml" and "classifier.C" in spec.space
    (tmp_path / "news.search.yaml").write_text("search:\n  space:\n    features.min_df: [1, 2]\n  eta: 2\n")
    spec, origin = load_search(config, BASE)
    assert origin.endswith("news.search.yaml") and spec.eta == 2 and spec.space == {"features.min_df": [1, 2]}
    spec, origin = load_search(config, BASE, section={"space": {"classifier.C": [1.0]}})  # the config's own section wins
    assert origin.endswith(": search") and list(spec.space) == ["classifier.C"]


def test_candidates_are_distinct_reproducible_and_start_with_the_config_as_given():
    space = {"classifier.C": {"log_uniform": [0.1, 3.0]}, "features.kind": ["char", "word"],
             "features.char.ngram_range": [[2, 5], [1, 4]], "classifier.alpha": [0.1, 0.2]}
    spec = parse_search({"space": space}, BASE)
    a = sample_candidates(spec.space, BASE, 12, seed=7)
    b = sample_candidates(spec.space, BASE, 12, seed=7)
    assert [p for p, _ in a] == [p for p, _ in b] and len(a) == 12
    assert a[0][0] == {} and a[0][1].classifier.C == 0.5
    for params, cfg in a[1:]:
        assert 0.1 <= cfg.classifier.C <= 3.0 and cfg.features.kind == params["features.kind"]
    # alpha is ignored by the linear SVM, char ranges by word features: a small space yields only what differs
    small = parse_search({"space": {"features.kind": ["word"], "features.char.ngram_range": [[2, 5], [1, 4]],
                                    "classifier.alpha": [0.1, 0.2]}}, BASE)
    drawn = sample_candidates(small.space, BASE, 10, seed=0)
    assert len(drawn) == 2  # the config as given (char) and one word candidate


def test_rungs_grow_by_eta_and_keep_the_finalists():
    plan = plan_rungs(25_000, eta=3, min_rows=800, finalists=2)
    assert [(r.candidates, r.slices) for r in plan] == [(54, 1), (18, 3), (6, 9), (2, 27)]
    assert [(r.candidates, r.slices) for r in plan_rungs(500, eta=3, min_rows=800, finalists=2)] == [(2, 1)]
    assert [r.candidates for r in plan_rungs(9_000, eta=3, min_rows=1000, finalists=1, candidates=20)] == [20, 7, 3]


def test_slices_keep_duplicate_groups_whole_and_stratify():
    import numpy as np

    rng = np.random.default_rng(0)
    y = np.array(["a"] * 300 + ["b"] * 150)
    groups = np.arange(450)
    groups[:40] = np.repeat(np.arange(10), 4)  # ten groups of four duplicates
    slice_of = slice_rows(y, groups, 9, seed=1)
    for g in range(10):
        assert len(set(slice_of[groups == g])) == 1
    for s in range(9):
        share = (y[slice_of == s] == "a").mean()
        assert abs(share - 2 / 3) < 0.1, (s, share)
    del rng


def test_candidates_share_feature_settings_in_groups(tmp_path):
    from arclf.tuning.store import feature_key

    spec, _ = load_search(tmp_path / "news.yaml", BASE)  # the shipped default space
    keys = set(feature_keys(spec.space, BASE))
    assert {"features.kind", "features.char.ngram_range", "features.word.ngram_range", "features.n_features",
            "normalize.teh_marbuta"} <= keys
    assert not keys & {"classifier.C", "classifier.class_weight", "features.min_df", "features.sublinear_tf"}
    drawn = sample_candidates(spec.space, BASE, 30, seed=1, include_base=False, per_feature_setting=3)
    settings = [feature_key(cfg) for _, cfg in drawn]
    assert len(drawn) == 30 and len(set(settings)) <= 12  # about three candidates per featurization
