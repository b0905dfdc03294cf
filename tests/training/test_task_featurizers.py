"""Per-task normalization and features: config merging, one featurization per distinct featurizer, equal scores by every path."""

import json
from pathlib import Path

import numpy as np
import pytest

from arclf.config import load_config, parse_config
from arclf.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def _cfg(tasks, **top):
    return parse_config({"data": {"name": "ant"}, "tasks": tasks, **top}, origin="x.yaml")


def test_task_settings_are_deltas_over_the_top_level():
    cfg = _cfg([{"name": "topic"},
                {"name": "source_type", "normalize": False, "features": {"char": {"ngram_range": [1, 4]}}},
                {"name": "section", "normalize": {"digits": False}}],
               normalize={"alef": False}, features={"min_df": 3})
    topic, source, section = (cfg.for_task(n) for n in ("topic", "source_type", "section"))
    assert topic.normalize == cfg.normalize and topic.features == cfg.features and cfg.tasks[0].normalize is None
    assert not any(source.normalize.model_dump().values())  # `normalize: false` = every step off
    assert source.features.char.ngram_range == (1, 4) and source.features.min_df == 3  # merged, not replaced
    assert section.normalize.alef is False and section.normalize.digits is False and section.normalize.tashkeel
    assert [names for _, names in cfg.featurizer_groups()] == [["topic"], ["source_type"], ["section"]]
    # the resolved config holds each task's whole featurizer, so it reproduces the run alone
    again = parse_config(cfg.resolved())
    assert again.for_task("source_type").features == source.features


def test_equal_settings_share_one_featurizer():
    cfg = _cfg([{"name": "topic", "normalize": {"alef": True}}, {"name": "source_type"},
                {"name": "section", "normalize": False}, {"name": "region", "normalize": False}])
    assert [names for _, names in cfg.featurizer_groups()] == [["topic", "source_type"], ["section", "region"]]


@pytest.mark.parametrize("task, message", [
    ({"name": "topic", "normalize": {"alefx": True}}, "tasks.0.normalize.alefx: unknown key"),
    ({"name": "topic", "features": {"char": {"ngram_range": [3, 1]}}}, r"tasks.0.features.char.ngram_range: .*\[3, 1\]"),
    ({"name": "topic", "features": {"kind": "words"}}, "tasks.0.features.kind: .*'words'"),
    ({"name": "region", "source": "mentions", "normalize": False}, "tasks.0: .*trained tasks only"),
], ids=["unknown-normalize-key", "bad-ngram-range", "bad-kind", "rule-task"])
def test_bad_task_settings_name_their_dotted_path(task, message):
    with pytest.raises(ConfigError, match=message):
        _cfg([task])


def test_override_sets_one_task_normalization(tmp_path):
    cfg = load_config(ROOT / "configs" / "ant-multitask.yaml", ["tasks.2.normalize=false"])
    assert not any(cfg.for_task(cfg.tasks[2].name).normalize.model_dump().values())
    assert all(cfg.for_task(cfg.tasks[0].name).normalize.model_dump().values())


def test_training_featurizes_once_per_featurizer_and_every_path_scores_alike(tmp_path, corpora_dir, seed_page):
    from arclf.bundle.arrays import ArrayPredictor
    from arclf.bundle.model import load_bundle, load_predictor
    from arclf.training.trainer import train

    overrides = ["data.sample=600", "cv.folds=2", "tasks.1.normalize=false", "tasks.2.normalize=false"]
    result = train(ROOT / "configs" / "ant-multitask.yaml", overrides=overrides, data_dir=corpora_dir,
                   output_dir=tmp_path / "run", use_cache=False)
    run = json.loads((result.run_dir / "run.json").read_text())
    assert [f["tasks"] for f in run["data"]["featurizers"]] == [["topic"], ["region", "source_type"]]
    assert set(run["timing"]) >= {"featurize:topic", "featurize:region+source_type"}
    assert run["data"]["featurizers"][0]["nnz"] != run["data"]["featurizers"][1]["nnz"]  # different normalization
    full, fast = load_bundle(result.run_dir), load_predictor(result.run_dir)
    assert isinstance(fast, ArrayPredictor)
    assert full.tasks["topic"].featurizer is None and full.tasks["region"].featurizer is full.tasks["source_type"].featurizer
    assert full.featurizer_of("region").named_steps["normalize"].alef is False
    texts = [seed_page.read_text(encoding="utf-8"), "أعلنت الشركة عن أرباحها", "فاز المنتخب في المباراة"]
    a, b, c = fast.predict_proba(texts), full.predict_proba(texts), result.bundle.predict_proba(texts)
    for task in ("topic", "region", "source_type"):
        np.testing.assert_allclose(a[task][1], b[task][1], atol=1e-5)
        np.testing.assert_allclose(c[task][1], b[task][1], atol=1e-5)
    # the normalization matters: the region head read with the top-level featurizer scores differently
    mixed = full.tasks["region"].head.predict_proba(full.featurizer.transform(texts))
    assert not np.allclose(mixed, b["region"][1], atol=1e-4)
