"""What a non-editable install ships: the label maps as package data, and dependency floors that hold."""

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import arclf
from arclf.corpus.labels import LABELS_DIR, default_label_map, vocabulary

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["ant.yaml", "asnd.yaml", "saudinewsnet.yaml", "regions.yaml", "vocabulary.yaml"]


def test_label_maps_live_inside_the_package():
    package = Path(arclf.__file__).resolve().parent
    assert LABELS_DIR.resolve() == package / "resources" / "labels"
    assert sorted(p.name for p in LABELS_DIR.glob("*.yaml")) == sorted(SHIPPED)
    ant = default_label_map("ant")
    assert ant.labels_for({"section": "middleEast", "source": "BBC"}) == {
        "topic": "politics", "region": "middle_east", "source_type": "foreign_broadcaster"}
    assert "politics" in vocabulary()["topic"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
                   check=True, capture_output=True, timeout=300)
    (path,) = out.glob("arclf-*.whl")
    return path


def test_wheel_ships_every_label_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"arclf/resources/labels/{name}" for name in SHIPPED} <= names
    # the place tagger's and attribution's data: without them a plain install has no region
    assert {"arclf/resources/places/places.yaml", "arclf/resources/places/outlets.yaml"} <= names
    assert "arclf/resources/tuning/arabic-news.yaml" in names  # arclf tune's default search space


def test_numpy_floor_allows_the_numpy_api_the_code_calls():
    text = (ROOT / "pyproject.toml").read_text()
    floor = re.search(r'"numpy>=(\d+)\.(\d+)', text)
    uses_bitwise_count = any("np.bitwise_count" in p.read_text() for p in (ROOT / "arclf").rglob("*.py"))
    assert floor is not None
    if uses_bitwise_count:  # added in NumPy 2.0
        assert (int(floor[1]), int(floor[2])) >= (2, 0)


def test_a_missing_labels_folder_is_one_clear_error(tmp_path, monkeypatch):
    import arclf.corpus.labels as labels
    from arclf.errors import ConfigError

    monkeypatch.setattr(labels, "LABELS_DIR", tmp_path / "nowhere")
    with pytest.raises(ConfigError, match=r"ARCLF_LABELS=.*nowhere: no such folder"):
        labels.default_label_map("ant")


@pytest.mark.parametrize("content, message", [(bytes(range(0xF0, 0x100)) * 8, "UTF-8"), (b"scopes: [a\nb: {", "not valid YAML")])
def test_an_unreadable_label_file_is_one_line(tmp_path, content, message):
    from arclf.errors import ConfigError
    from arclf.corpus.labels import LabelMap

    path = tmp_path / "ant.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=message) as err:
        LabelMap.from_yaml(path)
    assert "\n" not in str(err.value)
