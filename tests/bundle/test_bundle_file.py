"""The bundle file: nothing in it executes, every damage is one clear line, every classifier round-trips."""

from __future__ import annotations

import io
import json
import os
import zipfile

import joblib
import numpy as np
import pytest
from typer.testing import CliRunner

from arclf.bundle.archive import FORMAT_VERSION, MANIFEST
from arclf.bundle.manage import bundle_info, convert_bundle, verify_bundle
from arclf.bundle.model import load_bundle, load_predictor
from arclf.cli.app import app
from arclf.errors import BundleError

from ..conftest import ROOT

runner = CliRunner()
SPORT = "سجل المهاجم هدفين في مباراة الدوري وفاز الفريق بالكأس"
ECONOMY = "ارتفعت أسعار النفط وتراجعت البورصة بعد قرار البنك المركزي رفع الفائدة"


class _Shell:
    """Unpickling this runs a shell command: what a hostile model.joblib holds."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def _hostile(path, marker):
    joblib.dump({"arclf_bundle": 2, "bundle": _Shell(f"touch {marker}")}, path)
    return path


@pytest.fixture(scope="module")
def bundle_path(trained_run):
    return trained_run.run_dir / "model.arclf"


def _rewrite(src, dst, *, manifest=None, members=None, drop=()):
    """Copy a bundle zip, replacing the manifest (a function of it) or members (name -> bytes)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = zin.read(info)
            if info.filename == MANIFEST and manifest is not None:
                data = json.dumps(manifest(json.loads(data))).encode()
            elif members and info.filename in members:
                data = members[info.filename]
            zout.writestr(info.filename, data)
    return dst


def test_hostile_pickle_runs_nothing_and_is_one_line(tmp_path, seed_page):
    marker = tmp_path / "MARKER"
    # the payload is live: unpickling it does run the command
    joblib.load(_hostile(tmp_path / "live.joblib", tmp_path / "LIVE"))
    assert (tmp_path / "LIVE").exists()
    bundle = _hostile(tmp_path / "model.joblib", marker)
    res = runner.invoke(app, ["predict", str(bundle), str(seed_page)])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "a pickled bundle" in lines[0] and "arclf bundle convert" in lines[0]
    assert "--trust-pickle" in lines[0] and "Traceback" not in res.output
    for command in (["bundle", "info", str(bundle)], ["bundle", "verify", str(bundle)],
                    ["bundle", "convert", str(bundle), str(tmp_path / "new.arclf")]):  # no --trust-pickle
        res = runner.invoke(app, command)
        assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1, command
    run = tmp_path / "run"  # an old run folder: its model.joblib is found and refused the same way
    run.mkdir()
    _hostile(run / "model.joblib", marker)
    with pytest.raises(BundleError, match="a pickled bundle"):
        load_predictor(run)
    assert not marker.exists()
    assert not (tmp_path / "new.arclf").exists()


def test_info_and_verify(bundle_path, trained_run):
    info = bundle_info(bundle_path).summary()
    assert info["format_version"] == FORMAT_VERSION
    assert info["data_fingerprint"] == trained_run.run["data"]["fingerprint"]
    assert set(info["tasks"]) == {"topic", "region", "source_type"}
    topic = info["tasks"]["topic"]
    assert topic["labels"] == trained_run.metrics["tasks"]["topic"]["labels"]
    assert topic["scores"]["macro_f1"] == trained_run.metrics["tasks"]["topic"]["cv"]["macro_f1"]["mean"]
    assert topic["scores"]["split"] == "cv-oof" and topic["probabilities"] == "calibrated"
    res = runner.invoke(app, ["bundle", "info", str(trained_run.run_dir)])
    assert res.exit_code == 0, res.output
    assert "data fingerprint " + info["data_fingerprint"] in res.stdout and "task source_type" in res.stdout
    assert "macro-F1" in res.stdout and "sport" in res.stdout
    report = verify_bundle(bundle_path)
    assert sorted(report.tasks) == ["region", "source_type", "topic"]
    assert all(len(m["sha256"]) == 64 for m in report.members.values())
    res = runner.invoke(app, ["bundle", "verify", str(bundle_path)])
    assert res.exit_code == 0 and res.stdout.startswith("ok: ")


def test_changed_member_is_named(bundle_path, tmp_path):
    with zipfile.ZipFile(bundle_path) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        member = manifest["tasks"]["region"]["members"]["coef"]
        coef = np.load(io.BytesIO(zf.read(member)), allow_pickle=False)
    coef = coef.copy()
    coef[0, 0] += 1.0  # one weight changed, the zip itself valid
    buf = io.BytesIO()
    np.save(buf, coef)
    bad = _rewrite(bundle_path, tmp_path / "changed.arclf", members={member: buf.getvalue()})
    with pytest.raises(BundleError) as err:
        load_predictor(bad)
    assert str(err.value) == f"{bad}: bundle corrupted or modified: {member}"
    res = runner.invoke(app, ["bundle", "verify", str(bad)])
    assert res.exit_code == 2 and res.stderr.strip() == f"arclf: error: {bad}: bundle corrupted or modified: {member}"


def test_nan_weights_with_matching_checksums_are_refused(bundle_path, tmp_path):
    # a rewritten manifest can make any checksum match: non-finite weights are refused on their own
    import hashlib

    with zipfile.ZipFile(bundle_path) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        member = manifest["tasks"]["topic"]["members"]["coef"]
        coef = np.load(io.BytesIO(zf.read(member)), allow_pickle=False).copy()
    coef[0, :5] = np.nan  # a few weights: all-NaN would compress like a zip bomb
    buf = io.BytesIO()
    np.save(buf, coef)

    def rehash(m):
        m["arrays"][member]["sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
        return m

    bad = _rewrite(bundle_path, tmp_path / "nan.arclf", manifest=rehash, members={member: buf.getvalue()})
    message = f"arclf: error: {bad}: bundle corrupted or modified: {member} holds NaN or infinite values"
    for command in (["bundle", "verify", str(bad)], ["bundle", "info", str(bad)]):
        res = runner.invoke(app, command)
        assert res.exit_code == 2 and res.stderr.strip() == message, res.output


def _flip_largest(bundle_path, dst):
    """A copy of the bundle with one byte flipped in its largest compressed array: ``(copy, member)``."""
    data = bytearray(bundle_path.read_bytes())
    with zipfile.ZipFile(bundle_path) as zf:
        info = max(zf.infolist(), key=lambda i: i.compress_size)  # the largest array
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    dst.write_bytes(bytes(data))
    return dst, info.filename


@pytest.mark.parametrize("read", [load_bundle, bundle_info], ids=["load_bundle", "bundle_info"])
def test_flipped_byte_is_named(bundle_path, tmp_path, read):
    # bundle_info verifies too: it must not describe a bundle that predict refuses
    bad, member = _flip_largest(bundle_path, tmp_path / "flipped.arclf")
    with pytest.raises(BundleError, match=f"bundle corrupted or modified: {member}"):
        read(bad)


def test_truncated_random_and_empty_files(bundle_path, tmp_path, seed_page):
    data = bundle_path.read_bytes()
    cases = {"truncated.arclf": (data[: len(data) // 2], "truncated or damaged bundle"),
             "random.arclf": (np.random.default_rng(0).bytes(5000), "not an arclf bundle"),
             "empty.arclf": (b"", "empty")}
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(BundleError, match=message):
            load_predictor(tmp_path / name)
        res = runner.invoke(app, ["predict", str(tmp_path / name), str(seed_page)])
        assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1 and message in res.stderr
    with pytest.raises(BundleError, match="no model bundle"):
        load_bundle(tmp_path / "missing")


@pytest.mark.parametrize("version, advice", [(FORMAT_VERSION + 1, "upgrade arclf"), (1, "retrain it")], ids=["newer", "older"])
def test_other_format_version(bundle_path, tmp_path, version, advice):
    bad = _rewrite(bundle_path, tmp_path / "other.arclf", manifest=lambda m: {**m, "format_version": version})
    with pytest.raises(BundleError) as err:
        load_predictor(bad)
    message = str(err.value)
    assert f"bundle format {version}" in message and f"reads format {FORMAT_VERSION}" in message and advice in message


def test_zip_bomb_and_shape_lies_are_refused(bundle_path, tmp_path, monkeypatch):
    with zipfile.ZipFile(bundle_path) as zf:
        manifest = json.loads(zf.read(MANIFEST))
    member = manifest["tasks"]["topic"]["members"]["idf"]
    bomb = _rewrite(bundle_path, tmp_path / "bomb.arclf", members={member: bytes(64 << 20)})  # 64 MiB of zeros
    with pytest.raises(BundleError, match="zip bomb"):
        load_predictor(bomb)
    import arclf.bundle.archive as archive

    monkeypatch.setattr(archive, "MAX_BYTES", bundle_path.stat().st_size)  # the honest bundle declares more
    with pytest.raises(BundleError, match=r"members declare [\d,]+ bytes uncompressed .*zip bomb"):
        load_predictor(bundle_path)
    monkeypatch.undo()
    # a manifest that declares another shape than the array holds
    def lie(m):
        m["arrays"][member]["shape"] = [m["arrays"][member]["shape"][0] + 1]
        return m
    with pytest.raises(BundleError, match=f"bundle corrupted or modified: {member}"):
        load_predictor(_rewrite(bundle_path, tmp_path / "lie.arclf", manifest=lie))
    with pytest.raises(BundleError, match="missing"):
        load_predictor(_rewrite(bundle_path, tmp_path / "short.arclf", drop={member}))
    # the manifest carries no checksum of itself: a config edited into nonsense is one line too
    def nonsense(m):
        m["config"]["features"] = "nonsense"
        return m
    broken = _rewrite(bundle_path, tmp_path / "config.arclf", manifest=nonsense)
    for load in (load_predictor, load_bundle, verify_bundle):
        with pytest.raises(BundleError, match="bundle corrupted or modified"):
            load(broken)


def test_convert_an_old_array_bundle(trained_run, tmp_path, seed_page):
    """A format-2 joblib bundle (as arclf wrote it before) converts to the same predictions, and only on request."""
    arrays = trained_run.bundle.to_arrays()
    arrays["meta"] = {k: v for k, v in arrays["meta"].items() if k != "metrics"}  # what format 2 held
    for t in arrays["tasks"].values():
        t["svm_params"] = t.pop("classifier")["params"]
        del t["proba"]
    (tmp_path / "run").mkdir()  # an old run folder: the bundle and the run's metrics.json
    old = tmp_path / "run" / "model.joblib"
    joblib.dump({"arclf_bundle": 2, "arrays": arrays}, old, compress=3)
    (tmp_path / "run" / "metrics.json").write_bytes((trained_run.run_dir / "metrics.json").read_bytes())
    with pytest.raises(BundleError, match="--trust-pickle"):
        convert_bundle(old, tmp_path / "new.arclf")
    res = runner.invoke(app, ["bundle", "convert", str(old), str(tmp_path / "new.arclf"), "--trust-pickle"])
    assert res.exit_code == 0, res.output
    scores = bundle_info(tmp_path / "new.arclf").manifest["metrics"]["topic"]  # filled in from metrics.json
    assert scores["macro_f1"] == trained_run.metrics["tasks"]["topic"]["cv"]["macro_f1"]["mean"]
    text = seed_page.read_text(encoding="utf-8")
    got = load_predictor(tmp_path / "new.arclf").predict_proba([text, SPORT])
    want = trained_run.bundle.predict_proba([text, SPORT])
    for task in want:
        assert got[task][0] == want[task][0]
        np.testing.assert_array_equal(got[task][1], want[task][1])


@pytest.mark.parametrize("overrides", [
    [],
    ["classifier.calibration=none", "features.kind=word"],
    ["classifier.class_weight=balanced", "tasks=[{name: region}]"],
    ["classifier.kind=logistic_regression", "features.kind=word"],
    ["classifier.kind=logistic_regression", "tasks=[{name: region}]"],
    ["classifier.kind=complement_nb", "features.kind=union"],
    ["classifier.kind=sgd", "features.kind=union"],
    ["classifier.kind=ridge", "tasks=[{name: region}]"],
], ids=["svm-char", "svm-uncalibrated-word", "linearsvc-balanced-binary", "logreg-word", "logreg-binary",
        "nb-union", "sgd-union", "ridge-binary"])
def test_every_classifier_round_trips(corpora_dir, tmp_path, ant_sample, overrides):
    """Saved and loaded, each classifier kind gives the probabilities it gave in memory, bit for bit,
    and those are its scikit-learn pipeline's."""
    from arclf.training.trainer import train

    result = train(ROOT / "configs" / "ant-multitask.yaml",
                   overrides=["data.sample=400", "tasks=[{name: topic}]", *overrides],
                   data_dir=corpora_dir, save=False, cv=False)
    path = result.bundle.save(tmp_path / "model.arclf")
    with zipfile.ZipFile(path) as zf:  # data only: JSON and .npy
        assert {n.rsplit(".", 1)[-1] for n in zf.namelist()} == {"json", "npy"}
    texts = [SPORT, ECONOMY] + [r["text"] for r in ant_sample[::40]]
    memory = result.bundle.predict_proba(texts)
    loaded = load_predictor(path).predict_proba(texts)
    rebuilt = load_bundle(path)
    for task, (classes, proba) in memory.items():
        assert loaded[task][0] == classes
        np.testing.assert_array_equal(loaded[task][1], proba)
        np.testing.assert_array_equal(rebuilt.predict_proba(texts)[task][1], proba)
        sklearn = result.bundle.pipeline(task)  # the fitted scikit-learn objects themselves
        assert [str(c) for c in sklearn.classes_] == classes
        np.testing.assert_allclose(sklearn.predict_proba(texts), proba, rtol=0, atol=1e-6)
        np.testing.assert_allclose(rebuilt.pipeline(task).predict_proba(texts), proba, rtol=0, atol=1e-6)
