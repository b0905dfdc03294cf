"""Run folders: where a training or evaluation run is recorded, written atomically.

A run is written into ``<parent>/.tmp-<run_id>/`` and renamed to ``<parent>/<run_id>/`` only when
complete, so an interrupted run never looks finished; ``<parent>/latest`` then points to it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

__all__ = ["RunWriter", "check_new_run_dir", "StageMonitor", "versions", "git_info", "data_fingerprint"]

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


def check_new_run_dir(out: Path) -> None:
    """Refuse, before any work, a run folder (``--output-dir``) that exists or whose parent cannot hold it.

    Raises
    ------
    ConfigError
        ``out`` exists, an ancestor is a file, or no folder can be created where it would go.
    """
    import tempfile

    from arclf.errors import ConfigError

    if out.exists() or out.is_symlink():
        raise ConfigError(f"--output-dir {out} already exists; name a new folder (a run folder is never overwritten)")
    parent = out.parent
    while not parent.exists():  # the first existing ancestor must be a writable folder
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"--output-dir {out}: {parent} is a file, not a folder; name a folder path")
    try:  # a probe, since permission bits do not tell (read-only mounts, /proc, ...)
        os.rmdir(tempfile.mkdtemp(prefix=".arclf-probe-", dir=parent))
    except OSError as exc:
        raise ConfigError(f"--output-dir {out}: cannot create folders in {parent} ({exc.strerror}); "
                          "name a folder you can write to") from None


class RunWriter:
    """Create a run folder atomically.

    Parameters
    ----------
    parent : Path
        Folder of the config's runs, e.g. ``experiments/runs/ant-sections``.
    run_id : str
        Folder name, ``<YYYYmmdd-HHMMSS>-<config hash>``.

    Use :attr:`path` (the temporary folder) while writing; :meth:`commit` renames it into place and
    points ``parent/latest`` at it; :meth:`abort` removes it.
    """

    def __init__(self, parent: Path, run_id: str):
        self.parent = Path(parent)
        self.run_id = run_id
        self.final = self.parent / run_id
        if self.final.exists():
            raise FileExistsError(f"{self.final} already exists")
        self.path = self.parent / f".tmp-{run_id}"
        self.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir()

    @staticmethod
    def new_id(config_hash: str) -> str:
        return f"{_dt.datetime.now():%Y%m%d-%H%M%S}-{config_hash}"

    def commit(self, *, link_latest: bool = True) -> Path:
        """Rename the finished run into place; point ``latest`` at it unless ``link_latest`` is False."""
        os.replace(self.path, self.final)
        if not link_latest:
            return self.final
        link = self.parent / "latest"
        if link.exists() and not link.is_symlink():  # not ours: a user's file or folder is never replaced
            import warnings

            warnings.warn(f"{link} is not a link arclf made; left as it is, so it does not name this run")
            return self.final
        tmp_link = self.parent / f".latest-{os.getpid()}"
        try:
            if tmp_link.is_symlink() or tmp_link.exists():
                tmp_link.unlink()
            tmp_link.symlink_to(self.run_id, target_is_directory=True)
            os.replace(tmp_link, link)
        except OSError:  # filesystems without symlinks: a text file naming the run
            if tmp_link.is_symlink():
                tmp_link.unlink()
            (self.parent / "LATEST").write_text(self.run_id + "\n")
        return self.final

    def abort(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def command_line() -> str:
    """The command that started this process, for run records."""
    return " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else ""
