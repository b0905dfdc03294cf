"""Provenance of a run: versions, git commit, data fingerprint, command line, timings and memory.

:func:`run_record` builds the part of ``run.json`` every kind of run shares.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from arclf.config import Config, config_hash

__all__ = ["versions", "git_info", "data_fingerprint", "command_line", "StageMonitor", "run_record"]

_PACKAGES = ("arclf", "scikit-learn", "numpy", "scipy", "numba", "datasets", "pyarrow", "pyarabic", "joblib", "pydantic")


def versions() -> dict:
    """Python, platform and package versions (``importlib.metadata``), for run records and ``arclf env``."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def git_info(path: str | Path | None = None) -> dict:
    """``{'commit': sha or None, 'dirty': bool or None}`` of the git checkout holding ``path`` (default: arclf's)."""
    where = Path(path) if path else Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=5)
        if commit.returncode != 0:
            return {"commit": None, "dirty": None}
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=where, capture_output=True, text=True, timeout=5)
        return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def data_fingerprint(ids, texts, *label_columns) -> str:
    """SHA-256 (hex) of the rows' ids, texts and labels, independent of row order."""
    rows = sorted(zip(map(str, ids), *(map(str, c) for c in (texts, *label_columns))))
    h = hashlib.sha256()
    for row in rows:
        h.update("\x1f".join(row).encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.hexdigest()


def _rss_mb() -> float:
    """Resident memory of this process, MiB. Child processes (the one-off kernel compilation) run
    while this one waits, so adding their memory to this one's would overstate the peak."""
    import psutil

    return psutil.Process().memory_info().rss / 2**20


class StageMonitor:
    """Wall time and peak resident memory (MiB, this process) per named stage.

    Memory is sampled every ``interval`` seconds in a background thread.

    >>> mon = StageMonitor()
    >>> with mon.stage("load"):
    ...     pass
    >>> sorted(mon.stages["load"])
    ['peak_rss_mb', 'seconds']
    """

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.stages: dict[str, dict] = {}
        self._t0 = time.perf_counter()

    @contextmanager
    def stage(self, name: str):
        peak = [_rss_mb()]
        stop = threading.Event()

        def sample():
            while not stop.wait(self.interval):
                peak[0] = max(peak[0], _rss_mb())

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        start = time.perf_counter()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            peak[0] = max(peak[0], _rss_mb())
            prev = self.stages.get(name, {"seconds": 0.0, "peak_rss_mb": 0.0})
            self.stages[name] = {"seconds": round(prev["seconds"] + time.perf_counter() - start, 3),
                                 "peak_rss_mb": round(max(prev["peak_rss_mb"], peak[0]), 1)}

    @property
    def wall_seconds(self) -> float:
        return round(time.perf_counter() - self._t0, 3)

    @property
    def peak_rss_mb(self) -> float:
        return max((s["peak_rss_mb"] for s in self.stages.values()), default=0.0)


def command_line() -> str:
    """The command that started this process, for run records."""
    return " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else ""


def run_record(kind: str, cfg: Config, run_id: str, created: str) -> dict:
    """The fields every ``run.json`` starts with, in this order.

    ``schema_version``, ``kind`` (``train`` or ``evaluate``), ``name``, ``run_id``, ``created``
    (ISO 8601, UTC), ``config_hash``, ``config_file``, ``overrides``, ``variant``, ``command``,
    ``seed``, ``git`` (:func:`git_info` of arclf's checkout; for an installed arclf, which has
    none, of the checkout holding the config file; ``of`` says which: ``arclf``, ``config`` or
    None) and ``versions`` (:func:`versions`).
    """
    git = {**git_info(), "of": "arclf"}
    config_file = cfg.origin.get("config_file")
    if git["commit"] is None and config_file:
        git = {**git_info(Path(config_file).resolve().parent), "of": "config"}
    if git["commit"] is None:
        git["of"] = None
    return {"schema_version": 1, "kind": kind, "name": cfg.name, "run_id": run_id, "created": created,
            "config_hash": config_hash(cfg), **cfg.origin, "command": command_line(), "seed": cfg.seed, "git": git,
            "versions": versions()}
