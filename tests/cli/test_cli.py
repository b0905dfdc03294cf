"""The command line: each command runs on real data, and known errors are one line with exit code 2."""

import json

import pytest
from typer.testing import CliRunner

from arclf.cli.app import app

from ..conftest import ROOT

runner = CliRunner()


def test_predict_jsonl_on_the_seed_page(trained_run, seed_page):
    res = runner.invoke(app, ["predict", str(trained_run.run_dir), str(seed_page), "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(lines) == 1
    rec = lines[0]
    assert rec["id"] == str(seed_page)  # the path as given
    for task in ("topic", "region", "source_type"):
        assert sum(rec[task]["scores"].values()) == pytest.approx(1.0, abs=1e-4)
    assert rec["topic"]["label"] in rec["topic"]["scores"] and rec["topic"]["answered_by"] == "model"
    # the page credits the Washington Post, which answers source type; the model's scores stay beside it
    assert rec["source_type"]["label"] == "translated_foreign_press" and rec["source_type"]["answered_by"] == "attribution"
    assert rec["source_type"]["evidence"]["country"] == "US"


def test_predict_table_and_csv(trained_run, seed_page):
    res = runner.invoke(app, ["predict", str(trained_run.run_dir), str(seed_page)])
    assert res.exit_code == 0 and "region" in res.stdout
    res = runner.invoke(app, ["predict", str(trained_run.run_dir), str(seed_page), "--format", "csv"])
    assert res.exit_code == 0
    header = res.stdout.splitlines()[0].split(",")
    assert header[:3] == ["id", "topic", "topic_proba"]


def test_predict_stdin_keeps_one_article_with_newlines(trained_run):
    text = "قال وزير الاقتصاد\r\nإن النمو تراجع\u2028في الربع الثالث\n\nبسبب التضخم"
    res = runner.invoke(app, ["predict", str(trained_run.run_dir), "-", "--format", "jsonl"], input=text.encode("utf-8"))
    assert res.exit_code == 0, res.output
    assert len(res.stdout.splitlines()) == 1


@pytest.mark.parametrize("content, match", [
    (b"", "empty"),
    (b"   \n\t  ", "whitespace"),
    (b"\x00\x01\x02\xff\xfe\x00binary", "binary"),
    (b"only latin text here, no arabic", "Arabic"),
], ids=["empty", "whitespace", "binary", "no-arabic"])
def test_predict_bad_input_is_one_line_exit_2(trained_run, tmp_path, content, match):
    bad = tmp_path / "input.txt"
    bad.write_bytes(content)
    res = runner.invoke(app, ["predict", str(trained_run.run_dir), str(bad)])
    assert res.exit_code == 2
    assert match.lower() in res.stderr.lower()
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def test_predict_skip_bad_keeps_the_good_inputs(trained_run, tmp_path, seed_page):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a.txt").write_bytes(seed_page.read_bytes())
    (folder / "b.txt").write_bytes(b"")
    (folder / "c.jsonl").write_text('{"text": "ارتفعت أسعار النفط"}\n{broken\n', encoding="utf-8")
    (folder / "d.txt").write_text("سجل المهاجم هدفين في المباراة", encoding="utf-8")
    res = runner.invoke(app, ["predict", str(trained_run.run_dir), str(folder)])
    assert res.exit_code == 2 and "b.txt" in res.stderr  # without the switch, the first bad file stops the batch
    res = runner.invoke(app, ["predict", str(trained_run.run_dir), str(folder), str(tmp_path / "missing.txt"),
                              "--skip-bad", "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    ids = [json.loads(line)["id"] for line in res.stdout.splitlines()]
    # only the broken line of the JSONL file is skipped; its good line is classified
    assert ids == [str(folder / "a.txt"), f"{folder / 'c.jsonl'}:1", str(folder / "d.txt")]
    notes = res.stderr.strip().splitlines()
    assert len(notes) == 4 and "b.txt" in notes[0] and "c.jsonl:2: invalid JSON" in notes[1] and "missing.txt" in notes[2]
    assert notes[3] == "arclf: 3 input(s) skipped, 3 article(s) classified"


def test_predict_skip_bad_with_nothing_readable_is_an_error(trained_run, tmp_path):
    (tmp_path / "e.txt").write_bytes(b"")
    res = runner.invoke(app, ["predict", str(trained_run.run_dir), str(tmp_path / "e.txt"), "--skip-bad"])
    assert res.exit_code == 2 and "no article found in the inputs (1 skipped" in res.stderr
    lines = res.stderr.strip().splitlines()  # the skipped input, then the error
    assert len(lines) == 2 and lines[0].startswith("arclf: skipped") and "e.txt: empty file" in lines[0]


def test_predict_truncated_bundle(trained_run, tmp_path, seed_page):
    data = (trained_run.run_dir / "model.arclf").read_bytes()
    (tmp_path / "model.arclf").write_bytes(data[:1000])
    res = runner.invoke(app, ["predict", str(tmp_path / "model.arclf"), str(seed_page)])
    assert res.exit_code == 2 and "truncated" in res.stderr


def test_train_config_typo_is_one_line(tmp_path):
    cfg = tmp_path / "typo.yaml"
    cfg.write_text("data: {name: ant}\ntasks: [{name: section}]\nclasifier: {kind: linear_svm}\n")
    res = runner.invoke(app, ["train", str(cfg)])
    assert res.exit_code == 2
    assert "clasifier: unknown key" in res.stderr and str(cfg) in res.stderr
    assert not (tmp_path / "experiments").exists()


def test_train_missing_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCLF_CACHE", str(tmp_path / "cache"))
    res = runner.invoke(app, ["train", str(ROOT / "configs" / "ant-sections.yaml"), "--data-dir", str(tmp_path / "none"),
                              "--output-dir", str(tmp_path / "run")])
    assert res.exit_code == 2 and "none (from --data-dir) is not a folder" in res.stderr
    assert not (tmp_path / "run").exists()


def test_train_wiring(monkeypatch, tmp_path):
    """The CLI passes its parsed arguments to arclf.training.trainer.train unchanged."""
    import arclf.training.trainer as train_mod

    seen = {}

    class Result:
        metrics = {"tasks": {}}
        run = {"wall_seconds": 1.0, "peak_rss_mb": 10.0}
        run_dir = None

    def fake(config, **kwargs):
        seen.update(kwargs, config=config)
        return Result()

    monkeypatch.setattr(train_mod, "train", fake)
    res = runner.invoke(app, ["train", "c.yaml", "--set", "cv.folds=3", "--set", "data.sample=10", "--no-cv", "--no-cache", "-q",
                              "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert seen["overrides"] == ["cv.folds=3", "data.sample=10"]
    assert seen["cv"] is False and seen["use_cache"] is False and str(seen["data_dir"]) == str(tmp_path)


def test_env_prints_versions():
    res = runner.invoke(app, ["env"])
    assert res.exit_code == 0 and "scikit-learn" in res.stdout


@pytest.mark.parametrize("argv, match", [
    (["train"], "Missing argument"),
    (["predict", "--top-k", "0", "a", "b"], "--top-k"),
    (["nosuch"], "No such command"),
], ids=["missing-argument", "out-of-range", "unknown-command"])
def test_console_script_usage_errors_are_one_line(argv, match, capsys):
    """The `arclf` executable (cli.main) prints usage errors as one line and exits with 2."""
    from arclf.cli.app import main

    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("arclf: error:") and match in err[0]


def test_predict_table_is_not_cut_when_piped_and_unknown_says_why(trained_run, seed_page):
    """Field test 12: CliRunner's output is not a terminal, as in `| cat`."""
    res = runner.invoke(app, ["predict", str(trained_run.run_dir), str(seed_page)])
    assert res.exit_code == 0 and "foreign_broadcas…" not in res.stdout and "…" not in res.stdout
    assert str(seed_page) in res.stdout  # the whole id, not cut at 80 columns
    res = runner.invoke(app, ["predict", str(trained_run.run_dir), str(seed_page), "--min-proba", "0.99999"])
    assert res.exit_code == 0 and "unknown (below --min-proba)" in res.stdout


def test_csv_with_explain_leaves_out_rule_tasks(tmp_path, corpora_dir, seed_page):
    """Review: the CSV explain columns indexed every task, so a rule-answered region would fail."""
    from arclf.training.trainer import train

    res = train(ROOT / "configs" / "news-multitask.yaml", overrides=["data.sample=600", "cv.folds=2"], data_dir=corpora_dir,
                output_dir=tmp_path / "run", use_cache=False)
    out = runner.invoke(app, ["predict", str(res.run_dir), str(seed_page), "-f", "csv", "--explain", "--explain-k", "2"])
    assert out.exit_code == 0, out.output
    header = out.stdout.splitlines()[0].split(",")
    assert header[-2:] == ["topic_explain", "source_type_explain"] and "region_explain" not in header
