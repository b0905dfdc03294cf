"""``arclf train``: train a config or every variant of an experiment file."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from arclf.cli.app import DataDir, EngineOpt, Quiet, _console, _fail, app, handle_errors, progress_bars


@app.command()
@handle_errors
def train(
    config: Path = typer.Argument(..., metavar="CONFIG", help="YAML config (see configs/), or an experiment file (a YAML with base:).", dir_okay=False),
    set_: List[str] = typer.Option([], "--set", help="Override a config key, e.g. --set cv.folds=3 (repeatable)."),
    data_dir: Optional[Path] = DataDir,
    output_dir: Optional[Path] = typer.Option(None, "--output-dir", "-o", help="Run folder to create (default experiments/runs/<name>/<time>-<hash>)."),
    no_cv: bool = typer.Option(False, "--no-cv", help="Fit and save the bundle only, no cross-validation."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not reuse or store cached features."),
    quiet: bool = Quiet,
    engine: Optional[str] = EngineOpt,
    memory_budget: Optional[str] = typer.Option(
        None, "--memory-budget", metavar="SIZE",
        help="Memory budget, e.g. 2GB or 512MiB (default $ARCLF_MEMORY_BUDGET, else the memory available): a count "
             "matrix over half of it is kept on disk, memory-mapped. Python, the libraries and the model need a few "
             "hundred MB beyond what the budget governs."),
):
    """Train every task of CONFIG, cross-validate it, and save a run folder with the model bundle.

    An experiment file (base: plus variants: or grid:) trains every variant as its own run, all in experiments/runs/<experiment name>/.
    """
    from arclf.training.experiments import is_experiment
    from arclf.training.trainer import train as train_fn

    options = dict(overrides=set_, data_dir=data_dir, cv=not no_cv, use_cache=False if no_cache else None, engine=engine,
                   memory_budget=memory_budget)
    if config.is_file() and is_experiment(config):
        return _train_experiment(config, output_dir, quiet, **options)
    with progress_bars(quiet) as progress:
        result = train_fn(config, output_dir=output_dir, progress=progress, **options)
    _print_training(result)


def _score_line(cv: dict, n_examples: int) -> str:
    """A task's headline scores and the split that made them, as one line."""
    f1, acc = cv["macro_f1"], cv["accuracy"]
    periods = cv.get("periods")
    if periods:  # one train/test split in time: no spread to show
        train, test = periods["train"], periods["test"]
        return (f"macro-F1 {f1['mean']:.4f}, accuracy {acc['mean']:.4f} [dim]({cv['split']}: trained on "
                f"{train['n']:,} articles {train['from']}..{train['to']}, tested on {test['n']:,})[/]")
    if cv.get("folds") == 1:
        return f"macro-F1 {f1['mean']:.4f}, accuracy {acc['mean']:.4f} [dim]({cv['split']}, {n_examples} examples)[/]"
    folds = cv["folds"]
    if cv.get("repeats", 1) > 1:
        k = folds // cv["repeats"]
        ci = cv.get("interval", {}).get("macro_f1")
        interval = f", corrected 95 % interval [{ci['low']:.4f}, {ci['high']:.4f}]" if ci else ""
        return (f"macro-F1 {f1['mean']:.4f} ± {f1['std']:.4f}{interval}, accuracy {acc['mean']:.4f} ± {acc['std']:.4f} "
                f"[dim]({cv['split']}, {k} folds × {cv['repeats']} repeats, {n_examples} examples)[/]")
    return (f"macro-F1 {f1['mean']:.4f} ± {f1['std']:.4f}, accuracy {acc['mean']:.4f} ± {acc['std']:.4f} "
            f"[dim]({cv['split']}, {folds} folds, {n_examples} examples)[/]")


def _print_training(result) -> None:
    out = _console()
    out.soft_wrap = True  # one line per result, even when piped
    for name, task in result.metrics["tasks"].items():
        cv = task.get("cv")
        if cv:
            out.print(f"[bold]{name}[/]: {_score_line(cv, task['n_examples'])}")
            for group, v in cv.get("by_group", {}).items():
                out.print(f"  held out {group}: macro-F1 {v['macro_f1']:.4f}, accuracy {v['accuracy']:.4f}, n={v['n']}")
        else:
            out.print(f"[bold]{name}[/]: fitted on {task['n_examples']} examples (no CV)")
    memory = result.run.get("memory") or {}
    on_disk = (f" (count matrix, {memory['matrix_mb']:.0f} MB, memory-mapped from disk: over half of the "
               f"{memory['budget_mb']:.0f} MB budget)") if memory.get("path") == "disk" else ""
    out.print(f"wall {result.run['wall_seconds']:.1f} s, peak RSS {result.run['peak_rss_mb']:.0f} MB{on_disk}")
    if result.run_dir:
        out.print(f"run: {result.run_dir}")


def _train_experiment(path: Path, output_dir: Optional[Path], quiet: bool, **options) -> None:
    """Train every variant of an experiment file; one line per variant with its headline."""
    from arclf.training.experiments import run_experiment

    if output_dir is not None:
        _fail("--output-dir names one run folder, but an experiment writes one per variant "
              "(into experiments/runs/<experiment name>/); leave it out", 2)
    from rich.markup import escape

    err = _console(err=True)

    def announce(i: int, total: int, name: str) -> None:
        if not quiet:
            err.print(f"[dim]variant {i + 1}/{total}: {escape(name)}[/]")

    with progress_bars(quiet) as progress:
        results = run_experiment(path, on_variant=announce, progress=progress, **options)
    out = _console()
    for result in results:
        heads = [result.headline(t) for t in result.metrics["tasks"]]
        scores = "; ".join(f"{h['task']} macro-F1 {h['macro_f1']:.4f} ± {h['std']:.4f}" if h["split"] else f"{h['task']} (no CV)"
                           for h in heads)
        split = next((h["split"] for h in heads if h["split"]), None)
        out.print(f"[bold]{escape(str(result.run.get('variant')))}[/]: {scores}" + (f" [dim]({split})[/]" if split else "")
                  + (f" → {escape(str(result.run_dir))}" if result.run_dir else ""), soft_wrap=True)
