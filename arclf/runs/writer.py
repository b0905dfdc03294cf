"""Run folders: where a training or evaluation run is recorded, written atomically.

A run is written into ``<parent>/.tmp-<run_id>.pid<pid>/`` and renamed to ``<parent>/<run_id>/`` only when
complete, so an interrupted run never looks finished; ``<parent>/latest`` then points to it.
"""

from __future__ import annotations

import datetime as _dt
import os
import secrets
import shutil
import warnings
from pathlib import Path
from typing import Callable

from arclf.runs.provenance import StageMonitor
from arclf.util.files import atomic_write_text, remove_stale_temporaries, temporary_name, write_json

__all__ = ["RunWriter", "check_new_run_dir", "write_run_folder"]

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

    Raises
    ------
    ConfigError
        ``parent / run_id`` exists already (another run into the same ``--output-dir`` finished first).
    """

    def __init__(self, parent: Path, run_id: str):
        self.parent = Path(parent)
        self.run_id = run_id
        self.final = self.parent / run_id
        if self.final.exists():  # another run into the same --output-dir finished first
            raise self._taken()
        self.path = self.parent / temporary_name(f"tmp-{run_id}")
        self.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.parent)  # what killed runs left behind
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir()

    @staticmethod
    def new_id(config_hash: str) -> str:
        """``<YYYYmmdd-HHMMSS>-<config hash>-<4 random hex digits>``: unique even for runs started in one second."""
        return f"{_dt.datetime.now():%Y%m%d-%H%M%S}-{config_hash}-{secrets.token_hex(2)}"

    def commit(self, *, link_latest: bool = True) -> Path:
        """Rename the finished run into place; point ``latest`` at it unless ``link_latest`` is False.

        Raises
        ------
        ConfigError
            Another process created the run folder meanwhile (two runs into one ``--output-dir``);
            this run is not kept (the caller aborts it).
        """
        if self.final.exists():  # os.replace would merge into, or fail on, another run's folder
            raise self._taken()
        try:
            os.replace(self.path, self.final)
        except OSError as exc:  # lost the race between the check and the rename
            raise self._taken(f" ({exc.strerror})") from None
        if not link_latest:
            return self.final
        link = self.parent / "latest"
        if link.exists() and not link.is_symlink():  # not ours: a user's file or folder is never replaced
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

    def _taken(self, detail: str = ""):
        """The one-line error for a run folder another run created meanwhile."""
        from arclf.errors import ConfigError

        return ConfigError(f"--output-dir {self.final} was created by another run while this one ran; "
                           f"this run was not kept: name a new folder{detail}")

    def abort(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def write_run_folder(folder: Path, *, config: dict, metrics: dict, run: dict, monitor: StageMonitor, oofs: dict | None = None,
                     save_model: Callable[[Path, str], None] | None = None, summary: Callable[[dict], str] | None = None,
                     link_latest: bool = False) -> Path:
    """Write a complete run folder atomically: the one way training and evaluation record a run.

    Everything is written into a temporary sibling folder (:class:`RunWriter`) and renamed to
    ``folder`` at the end, so a failure or Ctrl-C leaves no folder that looks finished.

    Parameters
    ----------
    folder : Path
        The run folder to create (must not exist); its parent is created if needed.
    config : dict
        The resolved config, written as ``config.yaml``.
    metrics, run : dict
        Written as ``metrics.json`` and ``run.json``; ``run['run_id']`` is set to the folder's
        name and ``run['timing']``, ``wall_seconds``, ``peak_rss_mb`` from ``monitor``.
    monitor : StageMonitor
        Times the writing as stage ``save``.
    oofs : dict of str to pandas.DataFrame, optional
        Out-of-fold predictions per task, written as ``oof/<task>.parquet``.
    save_model : callable(path, run_id), optional
        Writes the model to ``path`` (``model.arclf``); ``run['bundle_bytes']`` records its size.
    summary : callable(run) -> str, optional
        Makes the markdown written as ``report.md`` from the finished ``run`` record.
    link_latest : bool, default=False
        Point ``<parent>/latest`` at the new run.

    Returns
    -------
    Path
        The finished run folder.

    Raises
    ------
    OSError, FileExistsError
        The folder cannot be written; nothing is left behind. Report figures that fail are a
        warning only (``arclf report`` redoes them).
    """
    import yaml

    folder = Path(folder)
    writer = RunWriter(folder.parent, folder.name)
    try:
        path = writer.path
        with monitor.stage("save"):
            atomic_write_text(path / "config.yaml", yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
            if oofs:
                (path / "oof").mkdir()
                for name, oof in oofs.items():
                    oof.to_parquet(path / "oof" / f"{name}.parquet", index=False)
            if save_model is not None:
                save_model(path / "model.arclf", writer.final.name)
            run["run_id"] = writer.final.name
            write_json(path / "metrics.json", metrics)
        run["timing"], run["wall_seconds"], run["peak_rss_mb"] = monitor.stages, monitor.wall_seconds, monitor.peak_rss_mb
        if save_model is not None:
            run["bundle_bytes"] = (path / "model.arclf").stat().st_size
        write_json(path / "run.json", run)
        if summary is not None:
            atomic_write_text(path / "report.md", summary(run))
        try:
            from arclf.runs.report import write_report

            write_report(path)
        except Exception as exc:  # the run is complete without its figures; `arclf report` redoes them
            warnings.warn(f"report figures not written ({exc.__class__.__name__}: {exc}); run `arclf report {writer.final}`")
        return writer.commit(link_latest=link_latest)
    except BaseException:
        writer.abort()
        raise
