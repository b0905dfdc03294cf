"""``arclf tune``: search a config's hyperparameters within a time budget (a thin wrapper over :func:`arclf.tuning.tune`)."""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

import typer

from arclf.cli.app import DataDir, Quiet, _console, app, handle_errors, progress_bars


@app.command()
@handle_errors
def tune(
    config: Path = typer.Argument(..., metavar="CONFIG", help="YAML config, optionally with a search: section.", dir_okay=False),
    budget: str = typer.Option("10m", "--budget", help="Wall-clock budget of the whole search: 90s, 10m, 1h."),
    metric: Optional[str] = typer.Option(None, "--metric", help="What to maximize: macro_f1 (default), accuracy or weighted_f1."),
    max_model_mb: Optional[float] = typer.Option(None, "--max-model-mb", min=0.001, help="Skip candidates whose model bundle is estimated larger (MB)."),
    space: Optional[Path] = typer.Option(None, "--space", exists=True, dir_okay=False, help="Search space file (default: the config's search:, CONFIG_STEM.search.yaml beside it, or the shipped default)."),
    task: Optional[str] = typer.Option(None, "--task", help="Task to tune (default: the config's first trained task)."),
    set_: List[str] = typer.Option([], "--set", help="Override a config key, e.g. --set data.sample=5000 (repeatable)."),
    data_dir: Optional[Path] = DataDir,
    output_dir: Optional[Path] = typer.Option(None, "--output-dir", "-o", help="Folder to create (default experiments/tune/<name>/<time>-<hash>)."),
    quiet: bool = Quiet,
):
    """Search CONFIG's hyperparameters by successive halving within --budget; write the leaderboard and best.yaml.

    The winner is chosen on inner folds of the selection rows and scored once on held-out rows the
    search never saw: that score, not the leaderboard's, is the estimate. Ctrl-C stops the search
    and keeps the best so far.
    """
    from arclf.tuning import tune as tune_fn

    if metric is not None and metric not in ("macro_f1", "accuracy", "weighted_f1"):
        from arclf.errors import ConfigError

        raise ConfigError(f"--metric must be macro_f1, accuracy or weighted_f1, got {metric!r}")
    stop = threading.Event()
    with progress_bars(quiet) as progress, _search_display(quiet) as on_status, _first_interrupt_stops(stop):
        result = tune_fn(config, budget=budget, metric=metric, max_model_mb=max_model_mb, overrides=set_, space=space,
                         task=task, data_dir=data_dir, output_dir=output_dir, progress=progress, on_status=on_status,
                         stop=stop)
    _print_result(result)


@contextmanager
def _first_interrupt_stops(stop: threading.Event):
    """The first Ctrl-C sets ``stop`` (the search ends with the best so far); a second one interrupts."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("arclf: stopping: the fits running now finish, then the best so far is scored (Ctrl-C again to abort)",
              file=sys.stderr)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _search_display(quiet: bool):
    """Yield an ``on_status`` callback: one rich bar per rung with candidates left, best so far and time left."""
    if quiet:
        yield None
        return
    if not sys.stderr.isatty():
        seen: set = set()

        def log_line(s) -> None:
            key = (s.phase, s.rung)
            if key in seen or s.phase == "search" and s.done:
                return
            seen.add(key)
            best = f", best {s.best:.4f} ({s.best_id})" if s.best is not None else ""
            if s.phase == "held-out fit":
                typer.echo(f"arclf: refitting the winner on the selection rows, scoring the held-out rows ({s.seconds_left:.0f} s left)", err=True)
            elif s.phase == "search":
                typer.echo(f"arclf: rung {s.rung + 1}/{s.n_rungs}: {s.candidates} candidates on {s.rows:,} rows{best}, "
                           f"{s.seconds_left:.0f} s left", err=True)

        yield log_line
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bars: dict = {}
    with Progress(TextColumn("{task.description:<34}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[note]}"),
                  console=Console(stderr=True), transient=False) as prog:
        def callback(s) -> None:
            best = f"best {s.best:.4f} ({s.best_id})" if s.best is not None else "best —"
            note = f"{best} · {s.seconds_left:.0f} s left"
            if s.phase == "held-out fit":
                prog.add_task("held-out fit of the winner", total=None, note=note)
                return
            key = s.rung
            if key not in bars:
                desc = f"rung {s.rung + 1}/{s.n_rungs}: {s.candidates} cand. × {s.rows:,} rows"
                bars[key] = prog.add_task(desc, total=s.total, note=note)
            prog.update(bars[key], completed=s.done, total=s.total, note=note)

        yield callback


def _print_result(result) -> None:
    out = _console()
    out.soft_wrap = True
    s, est = result.summary, result.estimate
    out.print(f"[bold]winner {s['winner']['id']}[/]: {est['metric']} {est['value']:.4f} on held-out rows "
              f"[dim]({est['split']}: {est['n_test']} rows never seen by the search; model refitted on {est['n_train']})[/]")
    params = ", ".join(f"{k}={v}" for k, v in result.best_params.items()) or "the config as given"
    out.print(f"  settings: {params}")
    inner = s["winner"]["inner_cv"]
    out.print(f"  search score (inner CV, rung {s['winner']['rung'] + 1}, {inner['rows']} rows; optimistic, not the estimate): "
              f"{inner['mean']:.4f} ± {inner['std']:.4f}")
    if result.baseline:
        boot = s["winner_vs_baseline"]["bootstrap"]
        out.print(f"  config as given, same held-out rows: {result.baseline['value']:.4f}; difference "
                  f"{boot['difference']:+.4f} (95 % CI [{boot['ci_low']:+.4f}, {boot['ci_high']:+.4f}], p = {boot['p_value']:.3g})")
    out.print(f"stopped: {s['stopped']}; {s['schedule']['candidates']} candidates; wall {s['wall_seconds']:.0f} s "
              f"of a {s['budget_seconds']:.0f} s budget")
    if result.output_dir:
        out.print(f"leaderboard: {result.output_dir / 'leaderboard.md'}")
        out.print(f"best config: {result.output_dir / 'best.yaml'}  (arclf train {result.output_dir / 'best.yaml'})")
