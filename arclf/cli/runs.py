"""``arclf compare``, ``arclf report``, ``arclf evaluate``: read, compare and extend runs."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from arclf.cli.app import COMPARE_FORMATS, DataDir, EngineOpt, Quiet, RunsRoot, _choice, _console, _fail, _hush_datasets, _print_json, _print_wide, app, handle_errors, progress_bars


@app.command()
@handle_errors
def compare(
    runs: List[str] = typer.Argument(..., metavar="RUN", help="Run folders, globs, or experiment names (all their finished runs)."),
    root: Path = RunsRoot,
    task: Optional[str] = typer.Option(None, "--task", help="Task to compare (default: the first one all runs share)."),
    metric: str = typer.Option("macro_f1", "--metric", help="accuracy, macro_f1 or weighted_f1: ranks the runs."),
    sort_by: Optional[str] = typer.Option(None, "--sort-by", help="Sort by a metric, <metric>_std, run, created or a dotted config key."),
    ascending: bool = typer.Option(False, "--ascending", help="Sort ascending (default: best first)."),
    all_keys: bool = typer.Option(False, "--all", help="Show every config key, not only those that differ."),
    table: bool = typer.Option(False, "--table", help="With two runs, show the ranked table too."),
    format: str = typer.Option("table", "--format", "-f", help="table, markdown, json or csv (csv: the ranked table)."),
    plot: Optional[Path] = typer.Option(None, "--plot", dir_okay=False, help="Also draw the metric per run into this PNG file."),
):
    """Compare finished runs: their differing settings and metrics, ranked within comparable groups.

    With two runs: what changed from the first to the second (settings, metrics, per-class and confusion deltas) and whether it is significant.
    """
    from arclf.runs.compare import compare_runs, compare_two, plot_comparison
    from arclf.runs.reader import resolve_runs

    _choice(format, COMPARE_FORMATS)
    found = resolve_runs(runs, root)
    if len(runs) >= 2 and len(found) == 1:
        _fail(f"{' and '.join(runs)} {'both name' if len(runs) == 2 else 'all name'} the same run ({found[0].run_id}); "
              "give two different runs", 2)
    pair = compare_two(*found, task=task) if len(found) == 2 and format != "csv" else None
    ranked = None if pair is not None and not table else compare_runs(
        found, task=task, metric=metric, sort_by=sort_by, ascending=ascending, all_keys=all_keys)
    _render_comparison(ranked, pair, format)
    if plot is not None:
        typer.echo(f"plot: {plot_comparison(found, plot, task=task, metric=metric)}", err=True)


def _render_comparison(ranked, pair, fmt: str) -> None:
    """Print the ranked table and/or the pair view (either may be None)."""
    if fmt == "json":
        if ranked is not None and pair is not None:
            return _print_json({"comparison": ranked.to_dict(), "pair": pair.to_dict()})
        return _print_json((pair or ranked).to_dict())
    if fmt == "csv":
        return typer.echo(ranked.to_csv(), nl=False)
    parts = [x for x in (ranked, pair) if x is not None]
    if fmt == "markdown":
        return typer.echo("\n".join(x.to_markdown() for x in parts), nl=False)
    _print_wide(*(x.to_rich() for x in parts))


@app.command()
@handle_errors
def report(
    runs: List[str] = typer.Argument(..., metavar="RUN", help="Run folders, globs, or experiment names (all their finished runs)."),
    root: Path = RunsRoot,
):
    """Write the figures and report.md of finished runs into their folders and print the paths written."""
    from arclf.runs.report import write_report
    from arclf.runs.reader import resolve_runs

    for run in resolve_runs(runs, root):
        written = write_report(run.path)
        for path in [written, *sorted(run.path.glob("*.png"))]:
            typer.echo(str(path))


@app.command()
@handle_errors
def evaluate(
    bundle: Path = typer.Argument(..., metavar="BUNDLE", help="A model.arclf, or a run folder (e.g. experiments/runs/<config>/latest)."),
    data: Path = typer.Option(..., "--data", exists=True, dir_okay=False,
                              help="YAML config naming the data to score (its data section; tasks may be left out)."),
    set_: List[str] = typer.Option([], "--set", help="Override a key of the --data config, e.g. --set data.sample=500 (repeatable)."),
    data_dir: Optional[Path] = DataDir,
    output_dir: Optional[Path] = typer.Option(None, "--output-dir", "-o", help="Run folder to create (default experiments/runs/<name>/<time>-eval-<hash>)."),
    quiet: bool = Quiet,
    engine: Optional[str] = EngineOpt,
):
    """Score a trained model on other data (cross-corpus) and save the scores as a run folder.

    Each model task whose label field the data has is scored on the rows whose true label the model knows; other rows are counted per label.
    """
    from arclf.training.crosscorpus import evaluate_bundle

    _hush_datasets()
    with progress_bars(quiet) as progress:
        result = evaluate_bundle(bundle, data, overrides=set_, data_dir=data_dir, output_dir=output_dir, progress=progress,
                                 engine=engine)
    _print_evaluation(result)


def _print_evaluation(result) -> None:
    from rich.markup import escape

    out = _console()
    for name, entry in result.metrics["tasks"].items():
        cv = entry["cv"]
        excluded = escape(", ".join(f"{lab} {n}" for lab, n in entry["excluded"].items()))
        out.print(f"[bold]{name}[/]: macro-F1 {cv['macro_f1']['mean']:.4f}, accuracy {cv['accuracy']['mean']:.4f} "
                  f"[dim]({cv['split']}, {entry['n_examples']} rows scored)[/]", soft_wrap=True)
        if excluded:
            out.print(f"  excluded (label unknown to the model): {excluded}", soft_wrap=True)
    for name, why in result.run.get("skipped_tasks", {}).items():
        out.print(f"[bold]{name}[/]: not scored: {escape(why)}", soft_wrap=True)
    for note in result.run.get("notes", []):
        out.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    if result.run_dir:
        out.print(f"run: {escape(str(result.run_dir))}", soft_wrap=True)
