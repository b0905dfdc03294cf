"""Engines: a real Dask LocalCluster (2 worker processes) gives what the local engine gives, on real ANT articles.

One cluster per module (about 5 s to start); the training sample is small (600 articles, 3 folds).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from arclf.config import EngineSpec, config_hash, load_config
from arclf.engine import EngineError, LocalEngine, close_engines, open_engine, use_engine
from arclf.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ROOT / "configs" / "ant-sections.yaml"
SAMPLE = ["data.sample=600", "cv.folds=3"]

distributed = pytest.importorskip("distributed", reason="the Dask engine needs arclf[dask]")


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 single-thread worker processes; a task may lose its worker once and be retried."""
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    yield cluster
    close_engines()
    cluster.close()


@pytest.fixture(scope="module")
def dask_engine(cluster):
    return open_engine(EngineSpec(kind="dask", address=cluster.scheduler_address))


@pytest.fixture(scope="module")
def local_result(corpora_dir):
    from arclf.training.trainer import train

    return train(SECTIONS, overrides=SAMPLE, data_dir=corpora_dir, save=False, use_cache=False)


@pytest.fixture(scope="module")
def articles(ant_sample, tmp_path_factory) -> Path:
    """A JSONL file of 1,040 real ANT articles with ids."""
    path = tmp_path_factory.mktemp("inputs") / "ant.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for rec in ant_sample:
            f.write(json.dumps({"id": rec["id"], "text": rec["text"]}, ensure_ascii=False) + "\n")
    return path


def _double(x, k):
    return 2 * x + k


def _always_die(_):
    os._exit(1)


def _die_once(path, marker):
    """Kill this worker process the first time (a marker file remembers), then answer."""
    if not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)
    return path


@pytest.mark.parametrize("text, kind, address", [
    ("local", "local", None),
    ("dask://local", "dask", None),
    ("dask://10.0.0.5:8786", "dask", "tcp://10.0.0.5:8786"),
], ids=["local", "local-cluster", "scheduler"])
def test_engine_setting_forms(text, kind, address):
    spec = EngineSpec.model_validate(text)
    assert (spec.kind, spec.address) == (kind, address)
    assert spec.url() == text


def test_a_bad_engine_is_one_config_error(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text(SECTIONS.read_text() + "engine: spark://x\n")
    with pytest.raises(ConfigError, match=r"engine: .*expected local, dask://local or dask://host:port, got 'spark://x'"):
        load_config(bad)
    with pytest.raises(ConfigError, match=r"^--engine: expected local"):
        open_engine("dask:/oops")


def test_where_it_runs_is_not_part_of_the_config_hash():
    local = load_config(SECTIONS)
    dask = load_config(SECTIONS, ["engine={kind: dask, address: 'tcp://h:8786'}"])
    assert dask.engine.address == "tcp://h:8786"
    assert config_hash(local) == config_hash(dask)


def test_local_engine_refuses_no_processes_and_warns_past_the_cores():
    with pytest.raises(ConfigError, match="jobs 0: give a number of processes of 1 or more"):
        LocalEngine(jobs=0)
    with pytest.raises(ConfigError, match="jobs -2"):
        LocalEngine(jobs=-2)
    with pytest.warns(UserWarning, match=f"jobs 64: this machine has {os.cpu_count()} cores"):
        assert LocalEngine(jobs=64).n_workers == 64
    assert LocalEngine(jobs=-1).n_workers == os.cpu_count()


def test_local_engine_with_processes_keeps_order():
    assert list(LocalEngine(jobs=2).map(_double, range(23), 5, window=3)) == [2 * i + 5 for i in range(23)]


def test_dask_map_keeps_order_and_runs_on_both_workers(dask_engine):
    assert dask_engine.n_workers == 2
    assert list(dask_engine.map(_double, range(40), 1, window=4)) == [2 * i + 1 for i in range(40)]
    assert len(set(dask_engine.each_worker(os.getpid))) == 2


def test_train_on_dask_gives_the_local_metrics(dask_engine, local_result, corpora_dir, tmp_path):
    from arclf.training.trainer import train

    on_dask = train(SECTIONS, overrides=SAMPLE, data_dir=corpora_dir, output_dir=tmp_path / "run", use_cache=False,
                    engine=dask_engine)
    assert on_dask.metrics == local_result.metrics
    assert json.loads((tmp_path / "run" / "metrics.json").read_text()) == json.loads(json.dumps(local_result.metrics))
    assert on_dask.run["engine"] == {"kind": "dask", "address": dask_engine.spec.address, "local_cluster": False,
                                     "n_workers": 2, "threads": 2}
    assert local_result.run["engine"]["kind"] == "local"
    from arclf.util.jit import any_compiled

    assert dask_engine.each_worker(any_compiled) == [True, True]  # kernels compiled in each worker, kept for the next task
    assert on_dask.metrics["tasks"]["section"]["cv"]["macro_f1"]["mean"] > 0.6  # a real model, not an empty one


def test_predictions_on_dask_and_in_two_processes_equal_the_local_ones(dask_engine, local_result, articles):
    from arclf.prediction.predictor import predict_iter

    local = [p.to_dict() for p in predict_iter(local_result.bundle, [articles], chunk_size=100)]
    on_dask = [p.to_dict() for p in predict_iter(local_result.bundle, [articles], chunk_size=100, engine=dask_engine)]
    two = [p.to_dict() for p in predict_iter(local_result.bundle, [articles], chunk_size=37, jobs=2)]
    ids = [json.loads(line)["id"] for line in articles.read_text(encoding="utf-8").splitlines()]
    assert [p["id"] for p in local] == ids  # input order, across chunk borders (1,040 = 10 x 100 + 40; 28 x 37 + 4)
    assert on_dask == local
    assert two == local


def test_experiment_variants_run_as_tasks(dask_engine, corpora_dir, tmp_path, monkeypatch):
    from arclf.training.experiments import run_experiment

    exp = tmp_path / "tiny.yaml"
    exp.write_text(f"base: {SECTIONS}\nset: {{data.sample: 300, cv.folds: 2}}\ngrid:\n  classifier.C: [0.5, 1.0]\n")
    monkeypatch.chdir(tmp_path)
    on_dask = run_experiment(exp, data_dir=corpora_dir, use_cache=False, engine=dask_engine)
    local = run_experiment(exp, data_dir=corpora_dir, use_cache=False, save=False)
    assert [r.run["variant"] for r in on_dask] == ["C=0.5", "C=1.0"]
    assert [r.metrics for r in on_dask] == [r.metrics for r in local]
    runs = sorted(p for p in (tmp_path / "experiments" / "runs" / "tiny").iterdir() if not p.is_symlink())
    assert len(runs) == 2 and all((p / "model.arclf").exists() for p in runs)
    assert {json.loads((p / "run.json").read_text())["variant"] for p in runs} == {"C=0.5", "C=1.0"}


def test_use_engine_sets_the_current_engine(dask_engine):
    from arclf.engine import current_engine

    assert current_engine().kind == "local"
    with use_engine(dask_engine):
        assert current_engine() is dask_engine
    assert current_engine().kind == "local"


def test_cli_predict_jobs_2_writes_what_jobs_1_writes(local_result, articles, tmp_path):
    from typer.testing import CliRunner

    from arclf.cli import app

    model = tmp_path / "model.arclf"
    local_result.bundle.save(model)
    runner = CliRunner()
    one = runner.invoke(app, ["predict", str(model), str(articles), "--format", "jsonl"])
    two = runner.invoke(app, ["predict", str(model), str(articles), "--format", "jsonl", "--jobs", "2"])
    assert one.exit_code == 0 and two.exit_code == 0, two.output
    assert len(one.stdout.splitlines()) == 1040
    assert two.stdout == one.stdout
    bad = runner.invoke(app, ["predict", str(model), str(articles), "--engine", "spark://x"])
    assert bad.exit_code == 2
    assert bad.stderr.strip().splitlines() == ["arclf: error: --engine: expected local, dask://local or dask://host:port, got 'spark://x'"]
    zero = runner.invoke(app, ["predict", str(model), str(articles), "--format", "jsonl", "--jobs", "0"])
    assert zero.exit_code == 2 and zero.stdout == "", zero.output
    assert zero.stderr.strip().splitlines() == [
        f"arclf: error: jobs 0: give a number of processes of 1 or more, or -1 for every core ({os.cpu_count()})"]


def test_evaluate_on_dask_gives_the_local_scores(dask_engine, local_result, corpora_dir):
    from arclf.training.crosscorpus import evaluate_bundle

    kw = dict(overrides=["data.sample=300"], data_dir=corpora_dir, save=False)
    local = evaluate_bundle(local_result.bundle, SECTIONS, **kw)
    on_dask = evaluate_bundle(local_result.bundle, SECTIONS, engine=dask_engine, **kw)
    assert on_dask.metrics == local.metrics
    assert on_dask.metrics["tasks"]["section"]["n_examples"] == 300


def test_a_task_whose_worker_dies_is_retried(dask_engine, tmp_path):
    """Last in the module: the killed worker is restarted by its nanny, but the other one runs the retry."""
    assert list(dask_engine.map(_die_once, ["a"], str(tmp_path / "died"))) == ["a"]
    assert (tmp_path / "died").exists()  # it did kill a worker


def test_a_task_that_keeps_killing_workers_stops_with_one_line(dask_engine, monkeypatch):
    """The very last test: it leaves the module's cluster without workers (Dask's KilledWorker, or no worker left)."""
    from arclf.engine import cluster

    monkeypatch.setattr(cluster, "NO_WORKER_SECONDS", 10.0)
    with pytest.raises(EngineError, match=r"^dask: ") as err:
        list(dask_engine.map(_always_die, [1]))
    assert "\n" not in str(err.value)


def test_without_the_dask_extra_the_engine_is_a_usage_error(monkeypatch):
    """A missing extra is set up, not a failure at run time: exit 2, with the install command."""
    import builtins

    from arclf.engine.cluster import _import_distributed

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    with pytest.raises(ConfigError, match=r"needs dask.distributed: pip install 'arclf\[dask\]'") as err:
        _import_distributed()
    assert err.value.exit_code == 2
