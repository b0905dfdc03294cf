"""The ``arclf`` command line: thin typer wrappers over the library functions.

Known errors (:class:`arclf.errors.ArclfError`) become one line on stderr and exit code 2 (usage)
or 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

import typer

from .errors import ArclfError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Arabic text classification: train from a config, compare runs, classify articles.")
data_app = typer.Typer(no_args_is_help=True, help="Find, inspect, export and download corpora.")
app.add_typer(data_app, name="data")

DataDir = typer.Option(None, "--data-dir", envvar="ARCLF_DATA", help="Folder holding the corpora (or set ARCLF_DATA).")
Quiet = typer.Option(False, "--quiet", "-q", help="No progress bars.")


def _fail(message: str, code: int) -> None:
    typer.echo(f"arclf: error: {message}", err=True)
    raise typer.Exit(code)


def handle_errors(func):
    """Turn known arclf errors into one line on stderr and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
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
    """Yield a ``progress(stage, done, total)`` callback drawing rich bars on a terminal, or a no-op."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bars: dict = {}
    with Progress(TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=False) as prog:
        def callback(stage: str, done: int, total: int) -> None:
            if stage not in bars:
                bars[stage] = prog.add_task(stage, total=total)
            prog.update(bars[stage], completed=done, total=total)

        yield callback


def _console(err: bool = False):
    from rich.console import Console

    return Console(stderr=err, soft_wrap=False)


@app.command()
@handle_errors
def train(
    config: Path = typer.Argument(..., help="YAML config (see configs/).", dir_okay=False),
    set_: List[str] = typer.Option([], "--set", help="Override a config key, e.g. --set cv.folds=3 (repeatable)."),
    data_dir: Optional[Path] = DataDir,
    output_dir: Optional[Path] = typer.Option(None, "--output-dir", "-o", help="Run folder to create (default experiments/runs/<name>/<time>-<hash>)."),
    no_cv: bool = typer.Option(False, "--no-cv", help="Fit and save the bundle only, no cross-validation."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not reuse or store cached features."),
    quiet: bool = Quiet,
):
    """Train every task of CONFIG, cross-validate it, and save a run folder with the model bundle."""
    from .train import train as train_fn

    with progress_bars(quiet) as progress:
        result = train_fn(config, overrides=set_, data_dir=data_dir, output_dir=output_dir, cv=not no_cv,
                          use_cache=False if no_cache else None, progress=progress)
    out = _console()
    for name, task in result.metrics["tasks"].items():
        cv = task.get("cv")
        if cv:
            out.print(f"[bold]{name}[/]: macro-F1 {cv['macro_f1']['mean']:.4f} ± {cv['macro_f1']['std']:.4f}, "
                      f"accuracy {cv['accuracy']['mean']:.4f} ± {cv['accuracy']['std']:.4f} "
                      f"[dim]({cv['split']}, {cv['folds']} folds, {task['n_examples']} examples)[/]")
            for group, v in cv.get("by_group", {}).items():
                out.print(f"  held out {group}: macro-F1 {v['macro_f1']:.4f}, accuracy {v['accuracy']:.4f}, n={v['n']}")
        else:
            out.print(f"[bold]{name}[/]: fitted on {task['n_examples']} examples (no CV)")
    out.print(f"wall {result.run['wall_seconds']:.1f} s, peak RSS {result.run['peak_rss_mb']:.0f} MB")
    if result.run_dir:
        out.print(f"run: {result.run_dir}")


def _render_predictions(preds, fmt: str, top_k: Optional[int]):
    if fmt == "jsonl":
        for p in preds:
            sys.stdout.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
        return
    if fmt == "csv":
        import csv

        tasks = list(preds[0].tasks) if preds else []
        writer = csv.writer(sys.stdout)
        writer.writerow(["id"] + [c for t in tasks for c in (t, f"{t}_proba", f"{t}_scores")])
        for p in preds:
            writer.writerow([p.id] + [v for t in tasks for v in (p.tasks[t].label, f"{p.tasks[t].proba:.4f}",
                                                                    json.dumps(p.tasks[t].scores, ensure_ascii=False))])
        return
    from rich.table import Table

    table = Table(show_lines=True)
    table.add_column("id")
    tasks = list(preds[0].tasks) if preds else []
    for t in tasks:
        table.add_column(t)
    k = top_k or 3
    for p in preds:
        cells = []
        for t in tasks:
            tp = p.tasks[t]
            rest = ", ".join(f"{lab} {s:.2f}" for lab, s in list(tp.scores.items())[1:k])
            cells.append(f"[bold]{tp.label}[/] {tp.proba:.2f}" + (f"\n[dim]{rest}[/]" if rest else ""))
        table.add_row(p.id, *cells)
    _console().print(table)
    notes = sorted({f"{p.id}: read as {p.info['encoding']}" for p in preds if p.info.get("encoding") not in (None, "utf-8", "utf_8")})
    for note in notes:
        typer.echo(note, err=True)


@app.command()
@handle_errors
def predict(
    bundle: Path = typer.Argument(..., help="A model.joblib, or a run folder (e.g. experiments/runs/<config>/latest)."),
    inputs: List[str] = typer.Argument(..., help="Files, folders, or - for standard input."),
    format: str = typer.Option("table", "--format", "-f", help="table, jsonl or csv."),
    top_k: Optional[int] = typer.Option(None, "--top-k", min=1, help="Keep the k most probable labels per task."),
    min_proba: Optional[float] = typer.Option(None, "--min-proba", min=0.0, max=1.0, help="Below this probability the label is 'unknown'."),
    explain: bool = typer.Option(False, "--explain", help="Show the n-grams that pushed each prediction most."),
):
    """Classify articles: plain text, ANT files, JSONL (text, id) or scraped article pages."""
    from .predict import predict_files

    if format not in ("table", "jsonl", "csv"):
        _fail(f"--format must be table, jsonl or csv, got {format!r}", 2)
    stdin = sys.stdin.buffer if "-" in inputs else None
    preds = predict_files(bundle, inputs, stdin=stdin, top_k=top_k, min_proba=min_proba)
    _render_predictions(preds, format, top_k)


@app.command()
@handle_errors
def env():
    """Print versions of Python, arclf and its libraries, and where data and caches are looked for."""
    from .data.base import cache_dir, data_dir
    from .runs import git_info, versions

    info = {**versions(), "git": git_info(), "ARCLF_DATA": str(data_dir()) if data_dir() else None, "cache": str(cache_dir())}
    for key, value in info.items():
        typer.echo(f"{key:14} {value}")


@data_app.command("fetch")
@handle_errors
def data_fetch(
    name: str = typer.Argument(..., help="Corpus name (ant)."),
    url: Optional[str] = typer.Option(None, "--url", help="Download from this address instead (file:// works)."),
    dest: Optional[Path] = typer.Option(None, "--dest", help="Folder to store it in (default: the arclf cache)."),
    quiet: bool = Quiet,
):
    """Download a public corpus into the cache folder and verify its SHA-256."""
    from .data.fetch import fetch

    with progress_bars(quiet) as progress:
        cb = (lambda done, total: progress(f"fetch {name}", done, total or done)) if progress else None
        path = fetch(name, url=url, dest_dir=dest, progress=cb)
    typer.echo(str(path))


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
