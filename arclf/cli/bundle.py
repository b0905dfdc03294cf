"""``arclf bundle info|verify|convert``: look into a bundle, check it, convert an old pickled one."""

from __future__ import annotations

from pathlib import Path

import typer

from arclf.cli.app import _print_json, app, handle_errors

bundle_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                         help="Inspect, check and convert model bundles (model.arclf).")
app.add_typer(bundle_app, name="bundle")

BundleArg = typer.Argument(..., metavar="BUNDLE", help="A model.arclf, or a run folder holding one.")


def _score(s: dict | None) -> str:
    if not s:
        return "no scores recorded"
    std = f" ± {s['macro_f1_std']:.3f}" if s.get("macro_f1_std") is not None else ""
    return (f"macro-F1 {s['macro_f1']:.3f}{std}, accuracy {s['accuracy']:.3f} "
            f"({s.get('split')}, {s.get('scheme')}, {s.get('folds')} folds, {s.get('n_examples'):,} examples)")


def _info_lines(summary: dict) -> list[str]:
    c = summary["config"]
    lines = [f"bundle        {summary['path']} ({summary['bytes']:,} bytes, format {summary['format_version']})",
             f"made by       arclf {summary['arclf_version']}, {summary['created']}, run {summary['run_id']}",
             f"trained on    {', '.join(map(str, c['corpora']))}: {summary['n_examples']:,} examples"
             + (f" (sample {c['sample']})" if c["sample"] else "") + f", data fingerprint {summary['data_fingerprint']}",
             f"config        {c['name']}, seed {c['seed']}, cv {c['cv']}",
             f"features      {c['features']}",
             f"classifier    {c['classifier']}"]
    for name, t in summary["tasks"].items():
        level = f", level {t['level']}" if t["level"] else ""
        lines += [f"task {name}", f"  field       {t['field']}{level}",
                  f"  labels      {', '.join(map(str, t['labels']))}",
                  f"  model       {t['classifier']} on {t['n_columns']:,} columns, probabilities {t['probabilities']}",
                  f"  scores      {_score(t['scores'])}"]
        per_class = (t["scores"] or {}).get("per_class_f1") or {}
        if per_class:
            lines.append("  F1 by class " + ", ".join(f"{k} {v:.3f}" for k, v in per_class.items() if v is not None))
    return lines


@bundle_app.command("info")
@handle_errors
def info(bundle: Path = BundleArg,
         as_json: bool = typer.Option(False, "--json", help="Print the whole manifest as JSON.")):
    """Print what a bundle holds: tasks, labels, config summary, training-data fingerprint, the run's scores.

    Reads the manifest only (format and sizes checked); `arclf bundle verify` checks every array.
    """
    from arclf.bundle.manage import bundle_info

    result = bundle_info(bundle)
    if as_json:
        _print_json(result.manifest)
        return
    for line in _info_lines(result.summary()):
        typer.echo(line)


@bundle_app.command("verify")
@handle_errors
def verify(bundle: Path = BundleArg):
    """Check a bundle whole: format version, sizes, the SHA-256 of every array, shapes, and that it loads.

    Exit code 0 and one line when it is intact; one error line and exit code 2 otherwise.
    """
    from arclf.bundle.manage import verify_bundle

    report = verify_bundle(bundle)
    total = sum(m["bytes"] for m in report.members.values())
    typer.echo(f"ok: {report.path}: format {report.format_version}, {len(report.members)} arrays ({total:,} bytes) "
               f"match their SHA-256 and shapes; tasks {', '.join(report.tasks)}")


@bundle_app.command("convert")
@handle_errors
def convert(old: Path = typer.Argument(..., metavar="OLD", help="A pickled model.joblib of an earlier arclf, or its run folder."),
            new: Path = typer.Argument(..., metavar="NEW", help="The bundle file to write (e.g. model.arclf)."),
            trust_pickle: bool = typer.Option(False, "--trust-pickle",
                                              help="Required: unpickling runs any code the file holds; pass it only "
                                                   "for a file whose origin you trust.")):
    """Rewrite a pickled bundle of an earlier arclf in the safe format.

    This is the only arclf command that unpickles a file, and unpickling runs any code the file
    holds: convert only bundles you made yourself or whose origin you trust.
    """
    from arclf.bundle.manage import convert_bundle

    path = convert_bundle(old, new, trust_pickle=trust_pickle)
    typer.echo(f"wrote {path} (unpickled {old}; verified)")
