"""MLflow export against a real local MLflow store, read back through MLflow's own client."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from arclf.cli.app import app

from ..conftest import ROOT

mlflow = pytest.importorskip("mlflow")  # the `mlflow` extra; in `dev`, so CI runs these

runner = CliRunner()
REFERENCE = ROOT / "experiments" / "reference" / "ant-features"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One local tracking folder for the module (creating its SQLite database takes seconds)."""
    return str(tmp_path_factory.mktemp("mlflow") / "mlruns")


def _uri(store):
    from arclf.export.mlflow_export import local_store

    return local_store(store)[0]


def _two_runs():
    return sorted(p for p in REFERENCE.iterdir() if p.is_dir() and not p.is_symlink())[:2]


def test_runs_are_logged_and_read_back(store):
    from mlflow.tracking import MlflowClient

    from arclf.export import export_mlflow

    paths = _two_runs()
    result = export_mlflow(paths, tracking_uri=store, experiment="ant-features-test")
    assert [r.status for r in result.runs] == ["logged", "logged"]
    assert result.tracking_uri == _uri(store)
    mlflow.set_tracking_uri(result.tracking_uri)  # mlflow.search_runs reads the global tracking URI
    try:
        df = mlflow.search_runs(experiment_names=["ant-features-test"])
    finally:
        mlflow.set_tracking_uri(None)
    assert len(df) == 2
    client = MlflowClient(tracking_uri=_uri(store))
    for path, exported in zip(paths, result.runs):
        metrics = json.loads((path / "metrics.json").read_text())["tasks"]["section"]
        run_json = json.loads((path / "run.json").read_text())
        row = df[df["tags.arclf.run_id"] == path.name].iloc[0]
        assert row["run_id"] == exported.mlflow_run_id and row["status"] == "FINISHED"
        assert row["metrics.section/macro_f1"] == pytest.approx(metrics["cv"]["macro_f1"]["mean"], abs=1e-12)
        assert row["metrics.section/f1/sport"] == pytest.approx(metrics["cv"]["per_class"]["sport"]["f1"]["mean"], abs=1e-12)
        assert row["tags.arclf.data_fingerprint"] == run_json["data"]["fingerprint"]
        assert row["tags.mlflow.source.git.commit"] == run_json["git"]["commit"]
        assert row["tags.arclf.split.section"] == "cv-oof"
        config = yaml.safe_load((path / "config.yaml").read_text())
        assert row["params.classifier.kind"] == config["classifier"]["kind"]
        assert row["params.features.char.ngram_range"] == json.dumps(config["features"]["char"]["ngram_range"])
        history = client.get_metric_history(exported.mlflow_run_id, "section/fold/macro_f1")
        folds = json.loads((path / "metrics.json").read_text())["tasks"]["section"]["folds"]
        assert [(m.step, m.value) for m in sorted(history, key=lambda m: m.step)] == \
            [(f["fold"], pytest.approx(f["macro_f1"], abs=1e-12)) for f in folds]
        names = {a.path for a in client.list_artifacts(exported.mlflow_run_id)}
        assert {"report.md", "config.yaml", "metrics.json", "run.json", "figures"} <= names
        figures = {a.path for a in client.list_artifacts(exported.mlflow_run_id, "figures")}
        assert "figures/confusion_section.png" in figures


def test_exporting_again_adds_nothing(store):
    from mlflow.tracking import MlflowClient

    from arclf.export import export_mlflow

    paths = _two_runs()
    first = export_mlflow(paths[:1], tracking_uri=store)
    again = export_mlflow(paths, tracking_uri=store)
    assert [r.status for r in again.runs] == ["already exported", "logged"]
    assert again.runs[0].mlflow_run_id == first.runs[0].mlflow_run_id
    client = MlflowClient(tracking_uri=_uri(store))
    exp = client.get_experiment_by_name("ant-features")  # the runs' config name by default
    assert len(client.search_runs([exp.experiment_id])) == 2
    # an export cut short (no `arclf.exported` tag) is replaced, not duplicated
    client.delete_tag(again.runs[1].mlflow_run_id, "arclf.exported")
    third = export_mlflow(paths, tracking_uri=store)
    assert [r.status for r in third.runs] == ["already exported", "replaced"]
    assert len(client.search_runs([exp.experiment_id])) == 2


def test_bundle_is_an_artifact_and_cli(trained_run, store):
    from mlflow.tracking import MlflowClient

    res = runner.invoke(app, ["export", "mlflow", str(trained_run.run_dir), "--tracking-uri", store, "--experiment", "e"])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("logged ") and "tracking URI " + _uri(store) in res.stdout
    client = MlflowClient(tracking_uri=_uri(store))
    (run,) = client.search_runs([client.get_experiment_by_name("e").experiment_id])
    assert "model.arclf" in {a.path for a in client.list_artifacts(run.info.run_id)}
    assert run.data.metrics["topic/macro_f1"] == pytest.approx(trained_run.metrics["tasks"]["topic"]["cv"]["macro_f1"]["mean"])
    res = runner.invoke(app, ["export", "mlflow", str(trained_run.run_dir), "--tracking-uri", store, "--experiment", "e"])
    assert res.exit_code == 0 and res.stdout.startswith("already exported")


def test_cli_passes_its_arguments(monkeypatch, tmp_path):
    import arclf.export.mlflow_export as mod

    seen = {}

    def fake(runs, **kwargs):
        seen.update(kwargs, runs=runs)
        return mod.ExportResult("file:///x", {"x": "1"}, [])

    monkeypatch.setattr(mod, "export_mlflow", fake)
    res = runner.invoke(app, ["export", "mlflow", "a", "b", "--tracking-uri", "sqlite:///m.db", "--experiment", "x",
                              "--root", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert seen == {"runs": ["a", "b"], "tracking_uri": "sqlite:///m.db", "experiment": "x", "root": tmp_path}


def test_unknown_run_is_one_line(store):
    res = runner.invoke(app, ["export", "mlflow", "no-such-experiment", "--tracking-uri", store])
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1


def test_without_mlflow_installed_is_one_line(monkeypatch, store):
    import sys

    monkeypatch.setitem(sys.modules, "mlflow", None)  # as if `arclf[mlflow]` were not installed
    res = runner.invoke(app, ["export", "mlflow", str(_two_runs()[0]), "--tracking-uri", store])
    assert res.exit_code == 2 and res.stderr.strip() == "arclf: error: MLflow export needs mlflow: pip install 'arclf[mlflow]'"


def test_an_unreachable_tracking_server_fails_fast_in_one_line(tmp_path):
    # MLflow's client retried for minutes before this check; a closed port answers at once
    import socket

    from arclf.export.mlflow_export import ExportError, export_mlflow

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    with pytest.raises(ExportError, match=rf"MLflow at http://127.0.0.1:{port}: no tracking server answers") as err:
        export_mlflow([sorted(p for p in REFERENCE.iterdir() if p.is_dir())[0]], tracking_uri=f"http://127.0.0.1:{port}")
    assert err.value.exit_code == 2
