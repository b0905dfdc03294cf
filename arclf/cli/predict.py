"""``arclf predict``: classify articles with a trained bundle (and explain why)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from arclf.errors import InputError
from arclf.cli.app import EngineOpt, _fail, _print_wide, app, handle_errors


def _encoding_notes(preds) -> None:
    """Name every input that was not UTF-8, on stderr (whatever the output format)."""
    for note in sorted({f"{p.id}: read as {p.info['encoding']}" for p in preds
                        if p.info.get("encoding") not in (None, "utf-8", "utf_8", "ascii")}):
        typer.echo(f"arclf: {note}", err=True)


def _render_predictions(preds, fmt: str, top_k: Optional[int], reasons: Optional[list] = None):
    """Print predictions; ``reasons`` (one ``{task: [(ngram, contribution), ...]}`` per prediction) adds explanations."""
    if fmt in ("jsonl", "csv"):
        _stream_predictions(preds, fmt, reasons)
        return
    from rich.table import Table

    table = Table(show_lines=True)
    table.add_column("id")
    tasks = list(preds[0].tasks) if preds else []
    for t in tasks:
        table.add_column(t)
    k = top_k or 3
    for p in preds:
        table.add_row(p.id, *(_cell(p.tasks[t], k) for t in tasks))
    _print_wide(table, *(_explanation_table(p, why) for p, why in zip(preds, reasons or [])))  # a pipe gets the full width


def _stream_predictions(results, fmt: str, reasons: Optional[list] = None):
    """Write JSONL or CSV predictions as they come (the one writer of both formats); ``reasons``, aligned
    with ``results``, adds the explanations. Returns (count, the predictions read from non-UTF-8 inputs)."""
    import csv

    n, noted, writer, tasks, explained = 0, [], None, None, []
    for i, p in enumerate(results):
        why = reasons[i] if reasons is not None else None
        if fmt == "jsonl":
            rec = p.to_dict()
            if why is not None:
                rec["explain"] = {t: [[g, round(c, 6)] for g, c in pairs] for t, pairs in why.items()}
            sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
        else:
            if writer is None:
                tasks, writer = list(p.tasks), csv.writer(sys.stdout)
                explained = [t for t in tasks if why is not None and t in why]  # rule tasks have nothing to explain
                writer.writerow(["id"] + [c for t in tasks for c in (t, f"{t}_proba", f"{t}_scores", f"{t}_answered_by",
                                                                       f"{t}_evidence")]
                                + [f"{t}_explain" for t in explained])
            writer.writerow([p.id] + [v for t in tasks for v in (p.tasks[t].label, _proba_text(p.tasks[t].proba),
                                                                  json.dumps(p.tasks[t].scores, ensure_ascii=False),
                                                                  p.tasks[t].answered_by,
                                                                  json.dumps(p.tasks[t].evidence, ensure_ascii=False)
                                                                  if p.tasks[t].evidence is not None else "")]
                            + [json.dumps(why[t], ensure_ascii=False) for t in explained])
        n += 1
        if p.info.get("encoding") not in (None, "utf-8", "utf_8", "ascii"):
            noted.append(p)
        if n % 256 == 0 or n <= 16:  # the first answers are seen at once (predict_iter scores 16 first)
            sys.stdout.flush()
    sys.stdout.flush()
    return n, noted


def _proba_text(proba) -> str:
    return "" if proba is None else f"{proba:.4f}"


def _cell(tp, k: int) -> str:
    """One task's answer in the table: the label, and what gave it."""
    from rich.markup import escape

    if tp.answered_by == "mentions":
        ev = tp.evidence
        coarser = " · ".join(x for x in (ev.get("subregion"), ev.get("scope")) if x and x != tp.label)
        mentions = ", ".join(f"{c} {s}" for c, s in ev["mentions"].items())
        why = "" if tp.label != "unknown" or not mentions else " (no country scores 3)"
        return (f"[bold]{tp.label}[/]" + (f" ({coarser})" if coarser else "") + why
                + f"\n[dim]mention score (title 3, lead 2, body 1): {mentions or 'no place named'}[/]")
    if tp.answered_by == "attribution":
        ev = tp.evidence
        return f"[bold]{tp.label}[/]\n[dim]credited: {escape(ev['name'])} ({ev['country']}, {ev['kind']})[/]"
    if tp.label == "unknown":  # say which label scored what, and why it was not given
        why = "below the model's threshold" if tp.answered_by.endswith("(abstained)") else "below --min-proba"
        best = ", ".join(f"{lab} {s:.2f}" for lab, s in list(tp.scores.items())[:k])
        return f"[bold]unknown[/] ({why})\n[dim]{best}[/]"
    rest = ", ".join(f"{lab} {s:.2f}" for lab, s in list(tp.scores.items())[1:k])
    return f"[bold]{tp.label}[/] {tp.proba:.2f}" + (f"\n[dim]{rest}[/]" if rest else "")


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
    # rule-answered tasks (region from mentions) have no model to explain; their evidence is in the output
    pipelines = {t: model.pipeline(t) for t in (preds[0].tasks if preds else []) if t in model.tasks}
    return [{t: explain_prediction(pipe, rec["text"], k=k, label=next(iter(p.tasks[t].scores))) for t, pipe in pipelines.items()}
            for rec, p in zip(iter_inputs(inputs, stdin=stdin, skipped=[] if skip_bad else None), preds)]


@app.command()
@handle_errors
def predict(
    bundle: Path = typer.Argument(..., metavar="BUNDLE", help="A model.arclf, or a run folder (e.g. experiments/runs/<config>/latest)."),
    inputs: List[str] = typer.Argument(..., metavar="INPUT", help="Files, folders, or - for standard input."),
    format: str = typer.Option("table", "--format", "-f", help="table, jsonl or csv."),
    top_k: Optional[int] = typer.Option(None, "--top-k", min=1, help="Keep the k most probable labels per task."),
    min_proba: Optional[float] = typer.Option(None, "--min-proba", min=0.0, max=1.0, help="Below this probability the label is 'unknown'."),
    explain: bool = typer.Option(False, "--explain", help="Show the n-grams that pushed each prediction most."),
    explain_k: int = typer.Option(10, "--explain-k", min=1, help="How many n-grams --explain shows per task."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Skip inputs that cannot be read (named on stderr) instead of stopping."),
    no_abstain: bool = typer.Option(False, "--no-abstain", help="Always give the model's best label, even below its threshold."),
    text_column: str = typer.Option("text", "--text-column", help="CSV/TSV/Parquet inputs (one article per row): the text column."),
    id_column: Optional[str] = typer.Option(None, "--id-column", help="CSV/TSV/Parquet inputs: the id column (default: id, else file:row)."),
    title_column: Optional[str] = typer.Option(None, "--title-column", help="CSV/TSV/Parquet inputs: a title column, put on the text's first line (as training tables' title_column)."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Processes scoring at once (-1: every core); the local engine only."),
    engine: Optional[str] = EngineOpt,
):
    """Classify articles: plain text, ANT files, JSONL (text, id) or scraped article pages."""
    from arclf.prediction.predictor import predict_iter

    if format not in ("table", "jsonl", "csv"):
        _fail(f"--format must be table, jsonl or csv, got {format!r}", 2)
    stdin = sys.stdin.buffer if "-" in inputs else None
    if explain:  # the bundle is loaded once, and standard input kept, for the explanations
        from arclf.bundle.model import load_bundle

        bundle, stdin = load_bundle(bundle), _rewindable(stdin)
    skipped = [] if skip_bad else None
    results = predict_iter(bundle, inputs, stdin=stdin, top_k=top_k, min_proba=min_proba, skipped=skipped,
                           abstain=not no_abstain, text_column=text_column, id_column=id_column, title_column=title_column, jobs=jobs,
                           engine=engine)
    try:
        if format in ("jsonl", "csv") and not explain:  # written as they are scored: flat memory, output at once
            n, noted = _stream_predictions(results, format)
        else:
            preds = list(results)
            reasons = _explain(bundle, inputs, stdin, preds, explain_k, skip_bad) if explain else None
            _render_predictions(preds, format, top_k, reasons)
            n, noted = len(preds), preds
    except InputError:
        for _, reason in skipped or []:  # nothing was readable: still name every input and why
            typer.echo(f"arclf: skipped {reason}", err=True)
        raise
    _encoding_notes(noted)
    for _, reason in skipped or []:
        typer.echo(f"arclf: skipped {reason}", err=True)
    if skipped:
        typer.echo(f"arclf: {len(skipped)} input(s) skipped, {n} article(s) classified", err=True)
