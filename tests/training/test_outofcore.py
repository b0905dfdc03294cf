"""Out-of-core training: a low memory budget puts the count matrix in memory-mapped files, same results."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from arclf.errors import ConfigError
from arclf.training.featurize import is_on_disk
from arclf.training.outofcore import MemoryPlan
from arclf.util.memory import PageReaper, memory_budget, parse_size

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ["data.sample=900", "cv.folds=3"]


@pytest.fixture(scope="module")
def both_paths(corpora_dir, tmp_path_factory):
    """ant-sections on one stratified sample of real ANT articles, trained with a roomy and a tiny budget."""
    from arclf.training.trainer import train

    out = tmp_path_factory.mktemp("ooc")
    runs = {}
    for name, budget in (("memory", "8GiB"), ("disk", "1MB")):
        runs[name] = train(ROOT / "configs" / "ant-sections.yaml", overrides=SAMPLE, data_dir=corpora_dir,
                           output_dir=out / name, use_cache=False, memory_budget=budget)
    return runs


def test_low_budget_takes_the_disk_path_and_run_json_says_so(both_paths):
    mem = json.loads((both_paths["memory"].run_dir / "run.json").read_text())["memory"]
    disk = json.loads((both_paths["disk"].run_dir / "run.json").read_text())["memory"]
    assert mem["path"] == "memory" and mem["budget_from"] == "argument" and mem["budget_mb"] == 8192.0
    assert disk["path"] == "disk" and disk["budget_mb"] == round(10**6 / 2**20, 1)
    assert disk["matrix_mb"] == mem["matrix_mb"] > disk["matrix_limit_mb"]


def test_disk_path_gives_the_same_metrics_as_the_memory_path(both_paths):
    a = (both_paths["memory"].run_dir / "metrics.json").read_bytes()
    b = (both_paths["disk"].run_dir / "metrics.json").read_bytes()
    assert a == b
    cv = json.loads(a)["tasks"]["section"]["cv"]
    assert cv["split"] == "cv-oof" and cv["group_duplicates"] is True and 0.5 < cv["macro_f1"]["mean"] <= 1.0
    texts = ["أعلن البنك المركزي رفع سعر الفائدة", "فاز الفريق بالمباراة النهائية للبطولة"]
    classes_a, pa = both_paths["memory"].bundle.predict_proba(texts)["section"]
    classes_b, pb = both_paths["disk"].bundle.predict_proba(texts)["section"]
    assert classes_a == classes_b and pa.shape == (2, 6)
    np.testing.assert_array_equal(pa, pb)


def test_budget_from_the_environment(monkeypatch):
    monkeypatch.setenv("ARCLF_MEMORY_BUDGET", "2GB")
    assert memory_budget() == (2 * 10**9, "ARCLF_MEMORY_BUDGET")
    monkeypatch.setenv("ARCLF_MEMORY_BUDGET", "lots")
    with pytest.raises(ConfigError, match="ARCLF_MEMORY_BUDGET: memory size 'lots'"):
        MemoryPlan.from_budget()
    monkeypatch.delenv("ARCLF_MEMORY_BUDGET")
    budget, source = memory_budget()
    assert source == "available memory" and budget > 0


@pytest.mark.parametrize("text, size", [("512M", 512 * 2**20), ("1.5GiB", 3 * 2**29), ("2gb", 2 * 10**9), ("100", 100)],
                         ids=["M", "GiB", "gb", "bytes"])
def test_parse_size(text, size):
    assert parse_size(text) == size


def test_parse_size_refuses_nonsense():
    with pytest.raises(ValueError, match="'2 parsecs'"):
        parse_size("2 parsecs")


def test_featurize_spills_past_the_limit_and_keeps_every_count(corpora_dir, tmp_path):
    from arclf.config import load_config
    from arclf.training.dataset import load_rows, no_progress
    from arclf.training.featurize import featurize_counts

    cfg = load_config(ROOT / "configs" / "ant-sections.yaml", ["data.sample=300"])
    ds, keep, _, _, _ = load_rows(cfg, corpora_dir, no_progress)
    _, X_mem, _ = featurize_counts(cfg, ds, keep, "t", no_progress, False)
    # the limit is crossed after some chunks were written in memory: both halves must land in the files
    _, X_disk, _ = featurize_counts(cfg, ds, keep, "t", no_progress, False, limit_bytes=X_mem.nnz * 3,
                                    spill_dir=tmp_path)
    assert not is_on_disk(X_mem) and is_on_disk(X_disk)
    assert X_disk.shape == X_mem.shape and (X_disk != X_mem).nnz == 0
    assert list(tmp_path.iterdir()) == []  # the files are unlinked once mapped


def test_page_reaper_drops_pages_and_keeps_the_data(tmp_path):
    path = tmp_path / "a.bin"
    np.arange(2**20, dtype=np.int64).tofile(path)
    a = np.memmap(path, dtype=np.int64, mode="r+")
    reaper = PageReaper(interval=0.01)
    reaper.add(a[10:])  # a view: the whole mapping is registered
    with reaper:
        a[5] = -1  # written through the mapping: survives the sweeps
        total = sum(int(a.sum()) for _ in range(3))
    assert reaper.sweeps >= 1
    assert total == 3 * (int(np.arange(2**20).sum()) - 6)
    assert a[5] == -1 and np.fromfile(path, dtype=np.int64)[5] == -1
    with pytest.raises(ValueError, match="not backed by a numpy.memmap"):
        reaper.add(np.zeros(10))
    reaper.clear()


def test_arclf_train_says_when_the_matrix_was_on_disk(both_paths, capsys):
    from arclf.cli.train import _print_training

    _print_training(both_paths["disk"])
    out = capsys.readouterr().out
    assert "memory-mapped from disk: over half of the 1 MB budget" in out and "section: macro-F1" in out
    _print_training(both_paths["memory"])
    assert "memory-mapped" not in capsys.readouterr().out


def test_cli_memory_budget_reaches_train_and_a_bad_one_is_one_line(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    import arclf.training.trainer as trainer
    from arclf.cli.app import app

    config = ROOT / "configs" / "ant-sections.yaml"
    res = CliRunner().invoke(app, ["train", str(config), "--memory-budget", "lots", "--output-dir", str(tmp_path / "r")])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert lines == ["arclf: error: memory budget: memory size 'lots': expected a number with an optional unit "
                     "(K, M, G, MB, GiB...)"], res.stderr
    assert not (tmp_path / "r").exists()

    seen = {}

    def fake_train(cfg, **kwargs):
        seen.update(kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(trainer, "train", fake_train)
    res = CliRunner().invoke(app, ["train", str(config), "--memory-budget", "512MiB"])
    assert res.exit_code == 130 and seen["memory_budget"] == "512MiB", res.output


def test_page_reaper_with_a_limit_sweeps_during_a_scan_before_its_interval(tmp_path):
    """A sequential scan maps pages faster than timed sweeps drop them; the limit sweeps at once."""
    import time

    from arclf.util.memory import _open_statm, _shared_bytes

    path = tmp_path / "m.bin"
    n = 64 * 2**20 // 8
    np.arange(n, dtype=np.int64).tofile(path)
    a = np.memmap(path, dtype=np.int64, mode="r")
    statm = _open_statm()
    reaper = PageReaper(interval=600, limit=8 * 2**20, poll=0.001)
    reaper.add(a)
    grew, total, step = 0, 0, 2**20 // 8
    with reaper:
        time.sleep(0.05)
        start = _shared_bytes(statm)
        for lo in range(0, n, step):  # 64 chunks of 1 MB, read one after another
            total += int(a[lo:lo + step].sum())
            grew = max(grew, _shared_bytes(statm) - start)
            time.sleep(0.005)
        sweeps = reaper.sweeps
    assert total == n * (n - 1) // 2
    assert sweeps >= 2  # the interval (600 s) never came: every sweep was the limit's
    assert grew < 48 * 2**20, grew  # without the limit all 64 MB would be resident at the end


def test_a_spill_folder_that_is_not_a_folder_or_a_zero_budget_is_refused_before_any_work(tmp_path, monkeypatch):
    (tmp_path / "afile").write_text("x")
    for bad in (tmp_path / "missing", tmp_path / "afile"):
        monkeypatch.setenv("ARCLF_SPILL_DIR", str(bad))
        with pytest.raises(ConfigError, match=f"ARCLF_SPILL_DIR={bad}: not a folder; name an existing folder"):
            MemoryPlan.from_budget("1MB")
    monkeypatch.delenv("ARCLF_SPILL_DIR")
    with pytest.raises(ConfigError, match=r"memory budget \(argument\): must be above 0"):
        MemoryPlan.from_budget("0")
