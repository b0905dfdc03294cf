"""``arclf serve``: classify articles over HTTP (FastAPI + uvicorn, the ``serve`` extra)."""

from __future__ import annotations

from pathlib import Path

import typer

from arclf.cli.app import app, handle_errors
from arclf.errors import ArclfError


@app.command()
@handle_errors
def serve(
    bundle: Path = typer.Argument(..., metavar="BUNDLE", exists=True,
                                  help="A bundle file, or a run folder (e.g. experiments/runs/<config>/latest)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes, each with its own copy of the bundle."),
    max_records: int = typer.Option(1000, "--max-records", min=1, help="Largest batch one request may hold."),
    max_body_mb: float = typer.Option(16.0, "--max-body-mb", min=0.001, help="Largest request body, in MiB."),
    log_level: str = typer.Option("info", "--log-level", help="critical, error, warning, info, debug or trace."),
    access_log: bool = typer.Option(True, "--access-log/--no-access-log", help="One log line per request."),
):
    """Serve a bundle over HTTP: POST /v1/classify, GET /healthz, /readyz, /version, /docs.

    The bundle is loaded once, before the port is opened. Ctrl-C or SIGTERM lets the requests in
    flight finish, then exits.
    """
    try:
        from arclf.serve.server import serve as run
    except ImportError as exc:
        raise ArclfError(f"arclf serve needs FastAPI and uvicorn ({exc.name} is missing): "
                         "pip install 'arclf[serve]'") from None
    run(bundle, host=host, port=port, workers=workers, max_records=max_records,
        max_body_bytes=int(max_body_mb * 1024 * 1024), log_level=log_level, access_log=access_log)
