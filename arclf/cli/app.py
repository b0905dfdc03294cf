"""The ``arclf`` command line: thin typer wrappers over the library functions.

Known errors (:class:`arclf.errors.ArclfError`) become one line on stderr and exit code 2 (usage)
or 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

import typer

from arclf.errors import ArclfError, InputError

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
    """Yield a ``progress(stage, done, total)`` callback: rich bars on a terminal, else one stderr line
    per stage as it starts (for logs and redirected output), or None with ``quiet``."""
    if quiet:
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



@app.command()
@handle_errors
def train(
    config: Path = typer.Argument(..., help="YAML config (see configs/), or an experiment file (a YAML with base:).", dir_okay=False),
    set_: List[str] = typer.Option([], "--set", help="Override a config key, e.g. --set cv.folds=3 (repeatable)."),
    data_dir: Optional[Path] = DataDir,
    output_dir: Optional[Path] = typer.Option(None, "--output-dir", "-o", help="Run folder to create (default experiments/runs/<name>/<time>-<hash>)."),
    no_cv: bool = typer.Option(False, "--no-cv", help="Fit and save the bundle only, no cross-validation."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not reuse or store cached features."),
    quiet: bool = Quiet,
):
    """Train every task of CONFIG, cross-validate it, and save a run folder with the model bundle.

    An experiment file (base: plus variants: or grid:) trains every variant as its own run, all in experiments/runs/<experiment name>/.
    """
    from arclf.training.experiments import is_experiment
    from arclf.training.trainer import train as train_fn

    options = dict(overrides=set_, data_dir=data_dir, cv=not no_cv, use_cache=False if no_cache else None)
    if config.is_file() and is_experiment(config):
        return _train_experiment(config, output_dir, quiet, **options)
    with progress_bars(quiet) as progress:
        result = train_fn(config, output_dir=output_dir, progress=progress, **options)
    _print_training(result)


def _print_training(result) -> None:
    out = _console()
    out.soft_wrap = True  # one line per result, even when piped
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


def _encoding_notes(preds) -> None:
    """Name every input that was not UTF-8, on stderr (whatever the output format)."""
    for note in sorted({f"{p.id}: read as {p.info['encoding']}" for p in preds
                        if p.info.get("encoding") not in (None, "utf-8", "utf_8", "ascii")}):
        typer.echo(f"arclf: {note}", err=True)


def _render_predictions(preds, fmt: str, top_k: Optional[int], reasons: Optional[list] = None):
    """Print predictions; ``reasons`` (one ``{task: [(ngram, contribution), ...]}`` per prediction) adds explanations."""
    if fmt == "jsonl":
        for i, p in enumerate(preds):
            rec = p.to_dict()
            if reasons is not None:
                rec["explain"] = {t: [[g, round(c, 6)] for g, c in pairs] for t, pairs in reasons[i].items()}
            sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return
    if fmt == "csv":
        import csv

        tasks = list(preds[0].tasks) if preds else []
        writer = csv.writer(sys.stdout)
        writer.writerow(["id"] + [c for t in tasks for c in (t, f"{t}_proba", f"{t}_scores")]
                        + ([f"{t}_explain" for t in tasks] if reasons is not None else []))
        for i, p in enumerate(preds):
            writer.writerow([p.id] + [v for t in tasks for v in (p.tasks[t].label, f"{p.tasks[t].proba:.4f}",
                                                                    json.dumps(p.tasks[t].scores, ensure_ascii=False))]
                            + ([json.dumps(reasons[i][t], ensure_ascii=False) for t in tasks] if reasons is not None else []))
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
    out = _console()
    out.print(table)
    for p, why in zip(preds, reasons or []):
        out.print(_explanation_table(p, why))



def _explanation_table(pred, reasons: dict):
    """One small table: per task, the explained label and its n-grams with their contributions."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"why: {escape(pred.id)}", title_justify="left", show_lines=True)
    for col in ("task", "label", "n-gram", "contribution"):
        table.add_column(col, justify="right" if col == "contribution" else "left")
    for task, pairs in reasons.items():
        label = next(iter(pred.tasks[task].scores))
        table.add_row(task, label, "\n".join(escape(g) for g, _ in pairs), "\n".join(f"{c:+.4f}" for _, c in pairs))
    return table


def _rewindable(stream):
    """Standard input read once into memory, so the explanations can read the same articles again."""
    import io

    return None if stream is None else io.BytesIO(stream.read())


def _explain(model, inputs: List[str], stdin, preds, k: int, skip_bad: bool = False) -> list[dict]:
    """Per prediction and task, the n-grams that pushed its most probable label most."""
    from arclf.prediction.explain import explain_prediction
    from arclf.prediction.inputs import iter_inputs

    if stdin is not None:
        stdin.seek(0)
    pipelines = {t: model.pipeline(t) for t in (preds[0].tasks if preds else [])}
    return [{t: explain_prediction(pipe, rec["text"], k=k, label=next(iter(p.tasks[t].scores))) for t, pipe in pipelines.items()}
            for rec, p in zip(iter_inputs(inputs, stdin=stdin, skipped=[] if skip_bad else None), preds)]


@app.command()
@handle_errors
def predict(
    bundle: Path = typer.Argument(..., help="A model.joblib, or a run folder (e.g. experiments/runs/<config>/latest)."),
    inputs: List[str] = typer.Argument(..., help="Files, folders, or - for standard input."),
    format: str = typer.Option("table", "--format", "-f", help="table, jsonl or csv."),
    top_k: Optional[int] = typer.Option(None, "--top-k", min=1, help="Keep the k most probable labels per task."),
    min_proba: Optional[float] = typer.Option(None, "--min-proba", min=0.0, max=1.0, help="Below this probability the label is 'unknown'."),
    explain: bool = typer.Option(False, "--explain", help="Show the n-grams that pushed each prediction most."),
    explain_k: int = typer.Option(10, "--explain-k", min=1, help="How many n-grams --explain shows per task."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Skip inputs that cannot be read (named on stderr) instead of stopping."),
):
    """Classify articles: plain text, ANT files, JSONL (text, id) or scraped article pages."""
    from arclf.prediction.predictor import predict_files

    if format not in ("table", "jsonl", "csv"):
        _fail(f"--format must be table, jsonl or csv, got {format!r}", 2)
    stdin = sys.stdin.buffer if "-" in inputs else None
    if explain:  # the bundle is loaded once, and standard input kept, for the explanations
        from arclf.bundle.model import load_bundle

        bundle, stdin = load_bundle(bundle), _rewindable(stdin)
    skipped = [] if skip_bad else None
    try:
        preds = predict_files(bundle, inputs, stdin=stdin, top_k=top_k, min_proba=min_proba, skipped=skipped)
    except InputError:
        for _, reason in skipped or []:  # nothing was readable: still name every input and why
            typer.echo(f"arclf: skipped {reason}", err=True)
        raise
    reasons = _explain(bundle, inputs, stdin, preds, explain_k, skip_bad) if explain else None
    _render_predictions(preds, format, top_k, reasons)
    _encoding_notes(preds)
    for _, reason in skipped or []:
        typer.echo(f"arclf: skipped {reason}", err=True)
    if skipped:
        typer.echo(f"arclf: {len(skipped)} input(s) skipped, {len(preds)} article(s) classified", err=True)


@app.command()
@handle_errors
def env():
    """Print versions of Python, arclf and its libraries, and where data and caches are looked for."""
    from arclf.corpus.base import cache_dir, data_dir
    from arclf.runs.provenance import git_info, versions

    git = git_info()
    info = {**versions(), "git": f"{git['commit'] or 'not a git checkout'}{' (uncommitted changes)' if git['dirty'] else ''}",
            "ARCLF_DATA": str(data_dir()) if data_dir() else "not set (pass --data-dir, or set ARCLF_DATA)",
            "cache": str(cache_dir())}
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
    from arclf.corpus.fetch import fetch

    with progress_bars(quiet) as progress:
        cb = (lambda done, total: progress(f"fetch {name}", done, total or done)) if progress else None
        path = fetch(name, url=url, dest_dir=dest, progress=cb)
    typer.echo(str(path))


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


@app.command()
@handle_errors
def compare(
    runs: List[str] = typer.Argument(..., help="Run folders, globs, or experiment names (all their finished runs)."),
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
    runs: List[str] = typer.Argument(..., help="Run folders, globs, or experiment names (all their finished runs)."),
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
    bundle: Path = typer.Argument(..., help="A model.joblib, or a run folder (e.g. experiments/runs/<config>/latest)."),
    data: Path = typer.Option(..., "--data", exists=True, dir_okay=False,
                              help="YAML config naming the data to score (its data section; tasks may be left out)."),
    set_: List[str] = typer.Option([], "--set", help="Override a key of the --data config, e.g. --set data.sample=500 (repeatable)."),
    data_dir: Optional[Path] = DataDir,
    output_dir: Optional[Path] = typer.Option(None, "--output-dir", "-o", help="Run folder to create (default experiments/runs/<name>/<time>-eval-<hash>)."),
    quiet: bool = Quiet,
):
    """Score a trained model on other data (cross-corpus) and save the scores as a run folder.

    Each model task whose label field the data has is scored on the rows whose true label the model knows; other rows are counted per label.
    """
    from arclf.training.crosscorpus import evaluate_bundle

    _hush_datasets()
    with progress_bars(quiet) as progress:
        result = evaluate_bundle(bundle, data, overrides=set_, data_dir=data_dir, output_dir=output_dir, progress=progress)
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


@data_app.command("list")
@handle_errors
def data_list(
    data_dir: Optional[Path] = DataDir,
    format: str = typer.Option("table", "--format", "-f", help="table or json."),
):
    """List the corpora arclf knows by name: where each was found, its licence and how to cite it."""
    from arclf.evaluation.inspection import list_corpora

    _choice(format, ("table", "json"))
    corpora = list_corpora(data_dir)
    if format == "json":
        return _print_json(corpora)
    _print_wide(_corpora_table(corpora))


def _corpora_table(corpora: list):
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Known corpora", title_justify="left", show_lines=True)
    for col in ("name", "found at", "description", "licence"):
        table.add_column(col, overflow="fold")
    for c in corpora:
        table.add_row(f"[bold]{c['name']}[/]", escape(c["path"]) if c["found"] else "[red]not found[/]",
                      escape(c["description"]), escape(c["licence"]))
    return table


@data_app.command("inspect")
@handle_errors
def data_inspect(
    source: str = typer.Argument(..., help="A corpus name (ant, saudinewsnet, asnd), a config file, or a file or folder."),
    data_dir: Optional[Path] = DataDir,
    format: str = typer.Option("table", "--format", "-f", help="table or json."),
    near: float = typer.Option(0.8, "--near", min=0.0, max=1.0, help="Jaccard threshold of near duplicates; 0 skips them."),
):
    """Describe a corpus before training: labels per field and source, lengths, duplicates, encodings, skips, unmapped labels."""
    from arclf.evaluation.inspection import inspect_corpus

    _choice(format, ("table", "json"))
    _hush_datasets()
    found = inspect_corpus(source, data_dir=data_dir, near_threshold=near or None)
    if format == "json":
        return _print_json(found)
    _print_wide(*(item for corpus in found["corpora"] for item in _corpus_view(corpus)))


def _counts_text(counts: dict, limit: int = 6) -> str:
    from rich.markup import escape

    items = list(counts.items())
    text = ", ".join(f"{escape(str(k))} {n}" for k, n in items[:limit])
    return text + (f", … {len(items) - limit} more" if len(items) > limit else "")


def _corpus_view(c: dict) -> list:
    """Rich renderables describing one corpus of :func:`arclf.evaluation.inspection.inspect_corpus`."""
    from rich.markup import escape
    from rich.table import Table

    def table(title, *columns):
        t = Table(title=title, title_justify="left")
        for col in columns:
            t.add_column(col, overflow="fold")
        return t

    splits = f"; splits: {_counts_text(c['splits'])}" if c.get("splits") else ""
    items = [f"[bold]{escape(c['corpus'])}[/] ({c['reader']} reader, {escape(str(c['path']))}): {c['records']} record{'s' if c['records'] != 1 else ''}{splits}"]
    labels = table("Labels per field", "field", "records per value")
    for field, counts in c["labels"].items():
        labels.add_row(field, _counts_text(counts, limit=15))
    items.append(labels)
    per_source = table("Per source", "source", "records", "length p50", "sections", "topics")
    for src, s in c["per_source"].items():
        per_source.add_row(escape(src), str(s["records"]), f'{s["length"]["p50"]:.0f}', _counts_text(s.get("section", {}), 4),
                           _counts_text(s.get("topic", {}), 4))
    items.append(per_source)
    length = table("Length (characters)", "p5", "p50", "p95", "min", "max", "mean", "empty texts")
    length.add_row(*[f"{c['length'][k]:.0f}" for k in ("p5", "p50", "p95", "min", "max", "mean")], str(c["empty_texts"]))
    items.append(length)
    dups = table("Duplicates", "kind", "groups", "articles", "groups with conflicting labels")
    for kind, d in c["duplicates"].items():
        name = kind if kind == "exact" else f"{kind} (Jaccard ≥ {d.get('threshold')})"
        dups.add_row(name, str(d["groups"]), str(d["examples"]), _counts_text(d.get("conflicting_groups") or {}))
    items.append(dups)
    other = table("Reading", "what", "details")
    other.add_row("encodings", _counts_text(c.get("encodings") or {}) or "—")
    other.add_row("skipped", _counts_text(c.get("skipped") or {}) or "none")
    unknown = c.get("unknown_labels") or []
    other.add_row("unknown raw labels", ", ".join(escape(f"{u['field']}={u['value']} ({u['count']})") for u in unknown[:10])
                  + (f", … {len(unknown) - 10} more" if len(unknown) > 10 else "") if unknown else "none")
    other.add_row("label map", escape(str((c.get("label_map") or "—"))))
    for note in c.get("notes") or []:
        other.add_row("note", escape(note))
    items.append(other)
    return items


@data_app.command("export")
@handle_errors
def data_export(
    source: str = typer.Argument(..., help="A corpus name (ant, saudinewsnet, asnd), a config file, or a file or folder."),
    out: Path = typer.Argument(..., dir_okay=False, help="File to write: .parquet or .jsonl."),
    data_dir: Optional[Path] = DataDir,
):
    """Write a corpus's records, normalized to arclf's schema with derived labels, to a .parquet or .jsonl file."""
    from arclf.evaluation.inspection import export_corpus

    _hush_datasets()
    result = export_corpus(source, out, data_dir=data_dir)
    typer.echo(f"{result['records']} records ({', '.join(result['corpora'])}) written to {result['path']}")


def main(argv: list[str] | None = None) -> int:
    """The console script: ``app`` with usage errors as one line on stderr (exit code 2)."""
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
