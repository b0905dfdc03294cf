"""The ``arclf`` command line: the typer app, error handling and output helpers every command uses.

Each command group is a module of this package (:mod:`~arclf.cli.train`, :mod:`~arclf.cli.predict`,
:mod:`~arclf.cli.env`, :mod:`~arclf.cli.runs`, :mod:`~arclf.cli.data`): a thin typer wrapper over
a library function. Known errors (:class:`arclf.errors.ArclfError`) become one line on stderr and exit code 2 (usage)
or 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from contextlib import contextmanager
from pathlib import Path

import typer

from arclf.errors import ArclfError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="Arabic text classification: train from a config, compare runs, classify articles.")
data_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Find, inspect, export and download corpora.")
app.add_typer(data_app, name="data")



def _print_version(value: bool) -> None:
    if value:
        from arclf import __version__

        typer.echo(f"arclf {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                       help="Print arclf's version and exit."),
          offline: bool = typer.Option(False, "--offline", help="Never download a corpus (as ARCLF_OFFLINE=1).")) -> None:
    """Arabic text classification: train from a config, compare runs, classify articles."""
    if offline:
        import os

        os.environ["ARCLF_OFFLINE"] = "1"  # read by arclf.corpus.fetch, and inherited by worker processes


DataDir = typer.Option(None, "--data-dir", envvar="ARCLF_DATA", help="Folder holding the corpora (or set ARCLF_DATA).")
Quiet = typer.Option(False, "--quiet", "-q", help="No progress bars.")
EngineOpt = typer.Option(None, "--engine", help="Where the work runs: local (default), dask://local (a Dask LocalCluster "
                         "of this machine's cores) or dask://host:8786 (a running Dask scheduler); overrides the config's engine.")


def _fail(message: str, code: int) -> None:
    typer.echo(f"arclf: error: {message}", err=True)
    raise typer.Exit(code)


def handle_errors(func):
    """Turn known arclf errors into one line on stderr and a non-zero exit; show the progress of downloads."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            with download_bars():
                return func(*args, **kwargs)
        except ArclfError as exc:
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted; nothing was marked complete", 130)
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(0)

    return wrapper


@contextmanager
def progress_bars(quiet: bool):
    """Yield a ``progress(stage, done, total)`` callback: rich bars on a terminal, else one stderr line
    per stage as it starts (for logs and redirected output), or None with ``quiet``."""
    from arclf.util.progress import download_progress

    if quiet:
        with download_progress(None):
            yield None
        return
    if not sys.stderr.isatty():
        started: set = set()

        def log_line(stage: str, done: int, total: int) -> None:
            if stage not in started:
                started.add(stage)
                typer.echo(f"arclf: {stage}" + (f" ({total:,})" if total > 1 else ""), err=True)

        yield log_line
        return
    bars: dict = {}
    with _rich_progress() as prog, download_bars(prog):
        def callback(stage: str, done: int, total: int) -> None:
            if stage not in bars:
                bars[stage] = prog.add_task(stage, total=total)
            prog.update(bars[stage], completed=done, total=total)

        yield callback


def _rich_progress():
    """A rich progress display on stderr: counts and time for stages, bytes, rate and time left for downloads."""
    from rich.console import Console
    from rich.progress import (BarColumn, DownloadColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn, TransferSpeedColumn)
    from rich.text import Text

    class Amount(ProgressColumn):
        columns = {True: (DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn()),
                   False: (MofNCompleteColumn(), TimeElapsedColumn())}

        def render(self, task):
            return Text(" ").join(c.render(task) for c in self.columns[bool(task.fields.get("bytes"))])

    return Progress(TextColumn("{task.description:<18}"), BarColumn(), Amount(), console=Console(stderr=True),
                    transient=False)


@contextmanager
def download_bars(prog=None):
    """Show the progress of every download inside the block (bytes, rate, time left).

    On a terminal: a bar in ``prog`` (a rich ``Progress``), or in a display of its own opened at
    the first download. Otherwise (logs, redirected output): a line when a file starts, every
    :data:`LOG_EVERY` seconds, and when it is complete.
    """
    from arclf.util.progress import download_progress

    if not sys.stderr.isatty():
        with download_progress(_DownloadLog()):
            yield
        return
    state: dict = {"prog": prog, "own": None, "tasks": {}}

    def callback(label: str, done: int, total) -> None:
        if state["prog"] is None:
            state["prog"] = state["own"] = _rich_progress()
            state["own"].start()
        if label not in state["tasks"]:
            state["tasks"][label] = state["prog"].add_task(f"fetch {label}", total=total, completed=done, bytes=True)
        state["prog"].update(state["tasks"][label], completed=done, total=total)

    try:
        with download_progress(callback):
            yield
    finally:
        if state["own"] is not None:
            state["own"].stop()


#: Seconds between two progress lines of a download when stderr is not a terminal.
LOG_EVERY = 10.0


class _DownloadLog:
    """Download progress as lines on stderr: started (or resumed), every :data:`LOG_EVERY` s, complete."""

    def __init__(self):
        self.files: dict = {}

    def __call__(self, label: str, done: int, total) -> None:
        import time

        now = time.monotonic()
        if label not in self.files:
            self.files[label] = [now, done, now]  # started, bytes at start, last line
            resumed = f"resuming at {_mb(done)} of " if done else ""
            typer.echo(f"arclf: downloading {label} ({resumed}{_mb(total) if total else 'size unknown'})", err=True)
            return
        started, first, last = self.files[label]
        rate = (done - first) / max(now - started, 1e-6)
        if total is not None and done >= total:
            typer.echo(f"arclf: {label}: {_mb(done - first)} in {now - started:.1f} s ({_mb(rate)}/s), verifying", err=True)
            del self.files[label]
        elif now - last >= LOG_EVERY:
            self.files[label][2] = now
            left = f", {(total - done) / rate:.0f} s left" if total and rate > 0 else ""
            of = f" of {_mb(total)}" if total else ""
            typer.echo(f"arclf: {label}: {_mb(done)}{of}, {_mb(rate)}/s{left}", err=True)


def _mb(n: float) -> str:
    if n >= 1e5:
        return f"{n / 1e6:,.1f} MB"
    return f"{n / 1e3:,.0f} kB" if n >= 1e3 else f"{n:,.0f} bytes"


def _console(err: bool = False):
    from rich.console import Console

    return Console(stderr=err, soft_wrap=False)


_MAX_WIDTH = 400  # columns of a table printed into a pipe or file


def _print_wide(*renderables) -> None:
    """Print rich tables on stdout; into a pipe or file they get their natural width instead of 80 columns."""
    from rich.console import Console, Group
    from rich.measure import Measurement

    out = _console()
    if not out.is_terminal:
        width = Measurement.get(out, out.options.update(width=_MAX_WIDTH), Group(*renderables)).maximum
        out = Console(width=min(max(width, 80), _MAX_WIDTH), soft_wrap=False)
    for item in renderables:
        out.print(item, soft_wrap=isinstance(item, str))


RunsRoot = typer.Option(Path("experiments") / "runs", "--root", help="Where experiment folders live (for names and globs).")
COMPARE_FORMATS = ("table", "markdown", "json", "csv")


def _choice(value: str, allowed: tuple, option: str = "--format") -> str:
    if value not in allowed:
        _fail(f"{option} must be {', '.join(allowed[:-1])} or {allowed[-1]}, got {value!r}", 2)
    return value


def _print_json(data) -> None:
    from arclf.util.files import json_default

    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=json_default))


def _hush_datasets() -> None:
    """No 'Saving the dataset' bars from the datasets library when stderr is not a terminal."""
    if not sys.stderr.isatty():
        import datasets

        datasets.disable_progress_bars()


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> str:
    return f"arclf: warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    """The console script: ``app`` with usage errors as one line on stderr (exit code 2), warnings as one line each."""
    import warnings

    warnings.formatwarning = _one_line_warning
    try:
        rv = app(args=argv, standalone_mode=False)
    except Exception as exc:
        # typer vendors its own click, so its exceptions are recognized by interface, not class
        names = {c.__name__ for c in type(exc).__mro__}
        if "Abort" in names:
            typer.echo("arclf: interrupted", err=True)
            return 130
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            raise
        ctx, message = getattr(exc, "ctx", None), exc.format_message()
        if message:  # (no message: a group called without a command, whose help is already shown)
            hint = f" (see `{ctx.command_path} --help`)" if "UsageError" in names and ctx is not None else ""
            typer.echo(f"arclf: error: {message}{hint}", err=True)
        return exc.exit_code
    return rv if isinstance(rv, int) else 0


def _console_script() -> None:  # pragma: no cover  (the `arclf` executable)
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
