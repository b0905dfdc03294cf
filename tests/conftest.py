"""Shared fixtures: real corpora are read from ../shared (never copied into the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ARCLF_SHARED", ROOT.parent / "shared"))
CORPORA = SHARED / "corpora"
ANT_ZIP = CORPORA / "ant-multisource-v2.1.zip"
# tests never write into the user's own ~/.cache/arclf; a cache kept beside the checkout instead
os.environ.setdefault("ARCLF_CACHE", str(ROOT / ".pytest_cache" / "arclf-cache"))
# and never reach the internet: the download tests serve files on 127.0.0.1 and unset this
os.environ.setdefault("ARCLF_OFFLINE", "1")
SEED = SHARED / "seeds" / "000_26ca645f85f02cb2.txt"  # the scraped page: read from ../shared, never committed


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: tests read real corpora from ../shared (set ARCLF_SHARED)")
    return path


@pytest.fixture(scope="session")
def corpora_dir() -> Path:
    return _need(CORPORA)


@pytest.fixture(scope="session")
def ant_zip() -> Path:
    return _need(ANT_ZIP)


@pytest.fixture(scope="session")
def seed_page() -> Path:
    return _need(SEED)


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, corpora_dir):
    """The multitask ANT config trained on a stratified sample of 1,500 real articles, 3 folds."""
    from arclf.training.trainer import train

    out = tmp_path_factory.mktemp("runs") / "ant-multitask-sample"
    root = Path(__file__).resolve().parents[1]
    return train(root / "configs" / "ant-multitask.yaml", overrides=["data.sample=1500", "cv.folds=3"],
                 data_dir=corpora_dir, output_dir=out, use_cache=False)


# --- data readers (arclf.corpus.*, arclf.evaluation.duplicates, arclf.evaluation.inspection) ---

SAUDINEWSNET = CORPORA / "saudinewsnet" / "dataset"
ASND = CORPORA / "asnd" / "Arabic_Social_Media_News_Dataset_ASND"


@pytest.fixture(scope="session")
def saudinewsnet_dir() -> Path:
    return _need(SAUDINEWSNET)


@pytest.fixture(scope="session")
def asnd_dir() -> Path:
    return _need(ASND)


@pytest.fixture()
def tmp_cache(tmp_path, monkeypatch) -> Path:
    """An empty arclf cache folder (``$ARCLF_CACHE``) for this test only."""
    path = tmp_path / "cache"
    monkeypatch.setenv("ARCLF_CACHE", str(path))
    return path


@pytest.fixture(scope="session")
def ant_sample(ant_zip, tmp_path_factory) -> list[dict]:
    """The first 40 articles of each ANT outlet/section folder (1,040 real articles), as schema records."""
    import collections
    import zipfile

    from arclf.config import CorpusSpec
    from arclf.corpus.ant import read_ant
    from arclf.corpus.base import ReadStats

    small = tmp_path_factory.mktemp("ant") / "ant-sample.zip"
    per_folder: collections.Counter = collections.Counter()
    with zipfile.ZipFile(ant_zip) as src, zipfile.ZipFile(small, "w") as dst:
        for name in sorted(src.namelist()):
            folder = name.rsplit("/", 1)[0]
            if name.endswith(".txt") and per_folder[folder] < 40:
                per_folder[folder] += 1
                dst.writestr(name, src.read(name))
    return list(read_ant(CorpusSpec(name="ant", path=small), stats=ReadStats()))
