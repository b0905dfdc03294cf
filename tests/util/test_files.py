"""arclf.util.files: atomic writes leave nothing half-written, YAML errors are one line, listings skip hidden files."""

from __future__ import annotations

import json

import pytest

from arclf.errors import ConfigError, DataError
from arclf.util.files import atomic_path, atomic_write_text, json_default, list_files, read_yaml, write_json


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "metrics.json"
    target.write_text("old")
    write_json(target, {"macro_f1": 0.87, "labels": ["رياضة"]})
    assert json.loads(target.read_text(encoding="utf-8")) == {"macro_f1": 0.87, "labels": ["رياضة"]}
    assert "رياضة" in target.read_text(encoding="utf-8")  # UTF-8, not \\u escapes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.json"]
    assert oct(target.stat().st_mode & 0o777) == "0o644"


def test_a_failing_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "model.joblib"
    target.write_text("old model")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_path(target) as tmp:
            tmp.write_text("half a model")
            raise RuntimeError("disk full")
    assert target.read_text() == "old model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.joblib"]


def test_interrupt_inside_the_block_leaves_nothing_new(tmp_path):
    target = tmp_path / "new.txt"
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(target, suffix=".part") as tmp:
            tmp.write_text("partial")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_json_default_converts_numpy_and_paths_and_refuses_the_rest(tmp_path):
    import numpy as np

    assert json.dumps({"n": np.int64(3), "p": tmp_path}, default=json_default) == json.dumps({"n": 3, "p": str(tmp_path)})
    with pytest.raises(TypeError, match="not JSON serializable: object"):
        json.dumps(object(), default=json_default)


@pytest.mark.parametrize("content, expect", [
    (b"a: [1, 2\n", r"x\.yaml: not valid YAML \(line 2, column 1\): "),
    (b"\xff\xfe\x00binary", r"x\.yaml: not UTF-8 text; a config file is YAML saved as UTF-8"),
    (b"- a\n- b\n", r"x\.yaml: expected a mapping at the top level of the config file, got list"),
    (b"", r"x\.yaml: expected a mapping at the top level of the config file, got an empty file"),
])
def test_read_yaml_errors_are_one_line(tmp_path, content, expect):
    path = tmp_path / "x.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=expect) as info:
        read_yaml(path, what="config file")
    assert "\n" not in str(info.value)


def test_read_yaml_missing_folder_and_error_class(tmp_path):
    with pytest.raises(DataError, match=r"nope\.yaml: label file not found"):
        read_yaml(tmp_path / "nope.yaml", what="label file", error=DataError)
    with pytest.raises(ConfigError, match="a folder, not a config file"):
        read_yaml(tmp_path, what="config file")
    (tmp_path / "ok.yaml").write_text("name: ant\nseed: 0\n", encoding="utf-8")
    assert read_yaml(tmp_path / "ok.yaml") == {"name": "ant", "seed": 0}
    (tmp_path / "list.yaml").write_text("- 1\n", encoding="utf-8")
    assert read_yaml(tmp_path / "list.yaml", mapping=False) == [1]


def test_read_yaml_runs_no_code(tmp_path):
    path = tmp_path / "evil.yaml"
    marker = tmp_path / "ran"
    path.write_text(f"!!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        read_yaml(path)
    assert not marker.exists()


def test_list_files_sorted_relative_and_without_hidden(tmp_path):
    for rel in ["sport/b.txt", "sport/a.txt", "sport-news/c.txt", ".git/config", "sport/.DS_Store", "__MACOSX/sport/._a.txt",
                "economy/x.csv"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    assert list_files(tmp_path) == ["economy/x.csv", "sport-news/c.txt", "sport/a.txt", "sport/b.txt"]
    assert list_files(tmp_path, suffix=".txt") == ["sport-news/c.txt", "sport/a.txt", "sport/b.txt"]
    assert atomic_write_text(tmp_path / "economy" / "y.csv", "1").read_text() == "1"


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    """Field test 8: what a killed process left is cleaned; a live process's temporaries are kept."""
    import os
    import subprocess
    import sys

    from arclf.util.files import remove_stale_temporaries, temporary_name

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    (tmp_path / f".tmp-20261202-101010-abcd1234.pid{dead}").mkdir()
    (tmp_path / f".tmp-20261202-101010-abcd1234.pid{dead}" / "metrics.json").write_text("{}")
    (tmp_path / f".0123abcd.npz.pid{dead}.x1y2.tmp.npz").write_bytes(b"half")
    mine = tmp_path / temporary_name("tmp-run")
    mine.mkdir()
    (tmp_path / ".hidden-but-not-ours").write_text("keep")
    removed = remove_stale_temporaries(tmp_path)
    assert len(removed) == 2 and mine.exists() and (tmp_path / ".hidden-but-not-ours").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([mine.name, ".hidden-but-not-ours"])
    assert str(os.getpid()) in mine.name
