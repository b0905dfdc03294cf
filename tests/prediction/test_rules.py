"""Answers that rules give: region from the places an article names, source type from the outlet a page
credits, and `unknown` below a model's per-class thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from arclf.evaluation.abstention import abstains, fit_thresholds
from arclf.text.outlets import find_attribution


@pytest.fixture(scope="module")
def news_run(tmp_path_factory, corpora_dir):
    """configs/news-multitask.yaml on 1,500 real articles of the three corpora, 3 folds."""
    from arclf.training.trainer import train

    from ..conftest import ROOT

    return train(ROOT / "configs" / "news-multitask.yaml", overrides=["data.sample=1500", "cv.folds=3"],
                 data_dir=corpora_dir, output_dir=tmp_path_factory.mktemp("runs") / "news", use_cache=False)


def test_seed_page_region_from_mentions_and_source_from_the_credit(news_run, seed_page):
    from arclf.prediction.predictor import predict_files

    (pred,) = predict_files(news_run.run_dir, [seed_page])
    assert list(pred.tasks) == ["topic", "region", "source_type"]  # the config's order
    region, source = pred.tasks["region"], pred.tasks["source_type"]
    assert (region.label, region.answered_by, region.proba) == ("LY", "mentions", None)
    assert region.evidence["subregion"] == "maghreb" and region.evidence["scope"] == "arab_world"
    assert list(region.evidence["mentions"])[:2] == ["LY", "US"]
    assert (source.label, source.answered_by) == ("translated_foreign_press", "attribution")
    assert source.evidence == {"name": "واشنطن بوست", "country": "US", "kind": "newspaper", "credited_as": "واشنطن بوست"}
    assert source.scores  # the model's scores are kept beside the credit
    rec = pred.to_dict()
    assert rec["region"]["answered_by"] == "mentions" and rec["topic"]["answered_by"] in ("model", "model (abstained)")


def test_rule_tasks_are_not_trained_and_are_recorded(news_run):
    assert set(news_run.bundle.tasks) == {"topic", "source_type"}
    assert news_run.metrics["rules"] == {"region": {"field": "region", "level": "country", "source": "mentions"}}
    ab = news_run.metrics["tasks"]["topic"]["abstention"]
    assert ab["max_loss"] == 0.05 and set(ab["thresholds"]) == set(news_run.metrics["tasks"]["topic"]["labels"])
    assert 0 < ab["right_answers_lost"] < 0.2 and ab["split"].startswith("cv-oof")
    assert ab["rule"] == "novelty" and set(ab["novelty"]["thresholds"]) <= set(ab["thresholds"])  # the shipped rule
    assert 0 < ab["probability_rule"]["right_answers_lost"] < 0.2


def test_text_without_places_gets_unknown_region(news_run):
    import arclf

    (pred,) = arclf.predict(news_run.bundle, ["فاز الفريق بالمباراة بهدفين نظيفين في الدقيقة الأخيرة"])
    assert pred.tasks["region"].label == "unknown" and pred.tasks["region"].evidence["mentions"] == {}


def test_thresholds_give_up_the_asked_share_of_right_answers():
    rng = np.random.default_rng(0)
    labels = ["a", "b"]
    p_a = rng.uniform(0.5, 1.0, size=1000)
    proba = np.column_stack([p_a, 1 - p_a])
    y = np.array(["a"] * 1000, dtype=object)
    t = fit_thresholds(y, proba, labels, max_loss=0.1)
    assert t["b"] == 0.0 and abs(t["a"] - np.quantile(p_a, 0.1)) < 0.01
    assert abs(abstains(labels, proba, t).mean() - 0.1) < 0.01
    with pytest.raises(ValueError, match="max_loss"):
        fit_thresholds(y, proba, labels, max_loss=1.5)
    with pytest.raises(ValueError, match="shape"):
        fit_thresholds(y[:10], proba, labels, max_loss=0.1)


def test_attribution_table():
    assert find_attribution(["أخبار", "الغارديان"])["country"] == "GB"
    assert find_attribution(["رويترز"])["source_type"] == "news_agency"
    assert find_attribution(["ليبيا", "رياضة"]) is None and find_attribution(None) is None


def test_one_article_gets_the_same_probabilities_by_every_path(news_run, seed_page, tmp_path):
    """Field test 11: alone or in a batch past the old 50,000-non-zero switch, through the API with
    the page's text, the CLI, the in-memory bundle and the saved one: the same numbers, bit for bit."""
    import json

    from typer.testing import CliRunner

    import arclf
    from arclf.bundle import load_bundle, load_predictor
    from arclf.cli import app
    from arclf.prediction.predictor import predict_files

    page = seed_page.read_text(encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    for i in range(12):  # long articles, so the batch has far more than 50,000 non-zeros
        (folder / f"{i:02d}.txt").write_text(("نص خبر طويل عن الاقتصاد والسياسة رقم %d " % i) * 400, encoding="utf-8")
    (folder / "99-seed.txt").write_text(page, encoding="utf-8")
    alone = predict_files(news_run.run_dir, [seed_page])[0]
    in_batch = [p for p in predict_files(news_run.run_dir, [folder]) if p.id.endswith("99-seed.txt")][0]
    api = arclf.predict(news_run.bundle, page)[0]  # a page's text given to the API is parsed as the CLI parses it
    saved = arclf.predict(load_bundle(news_run.run_dir), page)[0]
    arrays = arclf.predict(load_predictor(news_run.run_dir), page)[0]
    cli = json.loads(CliRunner().invoke(app, ["predict", str(news_run.run_dir), str(seed_page), "-f", "jsonl"]).stdout)
    for task in ("topic", "source_type"):
        reference = alone.tasks[task].scores
        assert reference and all(p.tasks[task].scores == reference for p in (in_batch, api, saved, arrays))
        assert cli[task]["scores"] == reference
    assert all(p.tasks["topic"].proba == alone.tasks["topic"].proba for p in (in_batch, api, saved, arrays))  # unrounded
    assert api.tasks["source_type"].answered_by == "attribution" and api.tasks["region"].label == "LY"


def test_explain_skips_rule_tasks_and_a_rules_only_config_is_refused_when_read(news_run, seed_page):
    """A second fresh-user test: --explain crashed (KeyError: 'region') on the main config's bundle."""
    from typer.testing import CliRunner

    from arclf.cli import app
    from arclf.config import parse_config
    from arclf.errors import ConfigError

    res = CliRunner().invoke(app, ["predict", str(news_run.run_dir), str(seed_page), "--explain", "-f", "jsonl"])
    assert res.exit_code == 0, res.output
    import json

    rec = json.loads(res.stdout)
    assert set(rec["explain"]) == {"topic", "source_type"} and rec["region"]["label"] == "LY"
    with pytest.raises(ConfigError, match="every task is answered by a rule"):
        parse_config({"data": {"name": "asnd"}, "tasks": [{"name": "region", "source": "mentions"}]})


def test_predict_iter_streams_in_order_and_reads_jsonl_a_line_at_a_time(news_run, tmp_path):
    """Issue 10, item 1 (part): results come before the inputs are all read, in input order."""
    import json

    from arclf.errors import InputError
    from arclf.prediction.predictor import predict_iter

    path = tmp_path / "feed.jsonl"
    lines = [json.dumps({"id": f"a{i}", "text": f"أعلن البنك المركزي رفع الفائدة رقم {i}"}, ensure_ascii=False) for i in range(700)]
    lines[600] = "{not json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = []
    with pytest.raises(InputError, match=r"feed\.jsonl:601: invalid JSON"):
        for p in predict_iter(news_run.run_dir, [path], chunk_size=256):
            got.append(p.id)
    assert got == [f"a{i}" for i in range(512)]  # two chunks scored and yielded before the bad line was read
    skipped = []
    ids = [p.id for p in predict_iter(news_run.run_dir, [path], skipped=skipped, chunk_size=100)]
    assert ids == [f"a{i}" for i in range(700) if i != 600] and skipped[0][0].endswith("feed.jsonl:601")
