"""``arclf export mlflow``: log finished runs to an MLflow tracking store."""

from __future__ import annotations

from typing import List

import typer

from arclf.cli.app import RunsRoot, app, handle_errors

export_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Export finished runs to other tools.")
app.add_typer(export_app, name="export")


@export_app.command("mlflow")
@handle_errors
def mlflow(runs: List[str] = typer.Argument(..., metavar="RUN...", help="Run folders, globs or experiment names (as for `arclf compare`)."),
           tracking_uri: str = typer.Option(None, "--tracking-uri",
                                            help="MLflow tracking URI (default $MLFLOW_TRACKING_URI, else the local folder ./mlruns)."),
           experiment: str = typer.Option(None, "--experiment", help="MLflow experiment name (default: each run's config name)."),
           root=RunsRoot):
    """Log runs to MLflow: config as params, headline, per-class and per-fold metrics, report, figures and
    bundle as artifacts, tagged with the data fingerprint and git commit. A run already exported is not
    logged again. Needs `pip install 'arclf[mlflow]'`."""
    import logging

    from arclf.export.mlflow_export import export_mlflow

    for name in ("mlflow", "alembic"):  # MLflow announces creating its database tables at INFO
        logging.getLogger(name).setLevel(logging.WARNING)
    result = export_mlflow(runs, tracking_uri=tracking_uri, experiment=experiment, root=root)
    for r in result.runs:
        what = f"{r.n_params} params, {r.n_metrics} metric values, {len(r.artifacts)} artifacts" if r.n_params else "nothing new"
        typer.echo(f"{r.status:16} {r.arclf_run_id} -> mlflow run {r.mlflow_run_id} ({what})")
    names = ", ".join(f"{n} (id {i})" for n, i in result.experiments.items())
    typer.echo(f"tracking URI {result.tracking_uri}; experiment {names}")
