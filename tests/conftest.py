"""Shared fixtures: real corpora are read from ../shared (never copied into the repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ARCLF_SHARED", ROOT.parent / "shared"))
CORPORA = SHARED / "corpora"
ANT_ZIP = CORPORA / "ant-multisource-v2.1.zip"
SEED = ROOT / "seeds" / "000_26ca645f85f02cb2.txt"


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
