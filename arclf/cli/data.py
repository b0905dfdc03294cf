"""``arclf data list | inspect | export | fetch``: find, inspect, export and download corpora."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from arclf.cli.app import DataDir, Quiet, _choice, _hush_datasets, _print_json, _print_wide, data_app, handle_errors, progress_bars


@data_app.command("fetch")
@handle_errors
def data_fetch(
    name: str = typer.Argument(..., metavar="NAME", help="Corpus name (ant, saudinewsnet, asnd)."),
    url: Optional[str] = typer.Option(None, "--url", help="Download from this address instead (file:// works)."),
    dest: Optional[Path] = typer.Option(None, "--dest", help="Folder to store it in (default: the arclf cache)."),
    quiet: bool = Quiet,
):
    """Download a public corpus into the cache folder and verify every file's SHA-256.

    ARCLF_MIRROR=<base URL> fetches <base URL>/<file name> instead; ARCLF_OFFLINE=1 forbids it.
    """
    from arclf.corpus.fetch import fetch
    from arclf.corpus.registry import CORPORA

    with progress_bars(quiet):  # bytes, rate and time left of each file
        path = fetch(name, url=url, dest_dir=dest)
    typer.echo(str(path))
    entry = CORPORA[name]
    typer.echo(f"arclf: {name}: licence {entry.licence}; cite: {entry.citation}", err=True)


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
    source: str = typer.Argument(..., metavar="SOURCE", help="A corpus name (ant, saudinewsnet, asnd), a config file, or a file or folder."),
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
    examples = c.get("skipped_examples") or {}
    other.add_row("skipped", "\n".join(f"{n} {reason}" + (f", e.g. {', '.join(examples[reason][:2])}" if examples.get(reason) else "")
                                       for reason, n in (c.get("skipped") or {}).items()) or "none")
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
    source: str = typer.Argument(..., metavar="SOURCE", help="A corpus name (ant, saudinewsnet, asnd), a config file, or a file or folder."),
    out: Path = typer.Argument(..., metavar="OUT", dir_okay=False, help="File to write: .parquet or .jsonl."),
    data_dir: Optional[Path] = DataDir,
):
    """Write a corpus's records, normalized to arclf's schema with derived labels, to a .parquet or .jsonl file."""
    from arclf.evaluation.inspection import export_corpus

    _hush_datasets()
    result = export_corpus(source, out, data_dir=data_dir)
    typer.echo(f"{result['records']} records ({', '.join(result['corpora'])}) written to {result['path']}")
