"""Run the classification service with uvicorn: :func:`serve`, what ``arclf serve`` calls.

uvicorn handles SIGINT and SIGTERM by closing the listening socket, letting every request in
flight finish and running the app's shutdown (its graceful shutdown); :func:`serve` then returns,
and ``arclf serve`` exits 0. With ``workers > 1`` uvicorn starts that many processes sharing one socket, each
loading the bundle once (the settings travel in ``$ARCLF_SERVE_SETTINGS``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import threading
from pathlib import Path

from arclf.errors import ArclfError
from arclf.serve.app import ENVIRONMENT_VARIABLE, MAX_BODY_BYTES, MAX_RECORDS, create_app

__all__ = ["serve", "ServeError"]


class ServeError(ArclfError):
    """The service cannot start: the address is taken, or a setting is impossible."""

    exit_code = 2


def _check_address(host: str, port: int) -> None:
    """Fail with one line now, rather than uvicorn's ``sys.exit`` later, when ``host:port`` cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _ignore(signum, frame) -> None:
    """Stands for the default SIGTERM action after uvicorn's graceful shutdown (see :func:`_sigterm_returns`)."""


@contextlib.contextmanager
def _sigterm_returns():
    """Let SIGTERM end :func:`serve` by returning, as Ctrl-C does.

    uvicorn handles SIGTERM itself (graceful shutdown), then restores the previous handler and
    raises the signal again; with the default handler the process would die at that point, its
    work done, with status -15. Here the restored handler does nothing, so ``serve`` returns and
    ``arclf serve`` exits 0.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _ignore)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(bundle: str | Path, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          max_records: int = MAX_RECORDS, max_body_bytes: int = MAX_BODY_BYTES, log_level: str = "info",
          access_log: bool = True, timeout_graceful_shutdown: int | None = None) -> None:
    """Serve ``bundle`` over HTTP until SIGINT or SIGTERM, then finish the requests in flight and return.

    Parameters
    ----------
    bundle : str or Path
        A bundle file or a run folder; loaded (and checked) before the socket is opened.
    host, port : str, int
        Where to listen (default: loopback only, port 8000).
    workers : int, default=1
        Processes, each with its own copy of the bundle.
    max_records, max_body_bytes : int
        Limits of one request (see :func:`arclf.serve.app.create_app`).
    log_level : str, default='info'
        uvicorn's log level (its log goes to stderr).
    access_log : bool, default=True
        One log line per request.
    timeout_graceful_shutdown : int, optional
        Seconds to wait for requests in flight on shutdown (default: as long as they take).

    Raises
    ------
    BundleError
        The bundle cannot be loaded.
    ServeError
        ``workers < 1``, or the address cannot be bound.
    """
    import uvicorn

    if workers < 1:
        raise ServeError(f"workers must be at least 1, got {workers}")
    options = dict(host=host, port=port, log_level=log_level, access_log=access_log,
                   timeout_graceful_shutdown=timeout_graceful_shutdown)
    if workers == 1:
        app = create_app(bundle, max_records=max_records, max_body_bytes=max_body_bytes)
        _check_address(host, port)
        with _sigterm_returns():
            uvicorn.run(app, **options)
        return
    from arclf.bundle import load_predictor

    load_predictor(bundle)  # a bad bundle fails here, once, not in every worker
    _check_address(host, port)
    settings = {"bundle": str(Path(bundle).resolve()), "max_records": max_records, "max_body_bytes": max_body_bytes}
    previous = os.environ.get(ENVIRONMENT_VARIABLE)
    os.environ[ENVIRONMENT_VARIABLE] = json.dumps(settings)
    try:
        with _sigterm_returns():
            uvicorn.run("arclf.serve.app:app_from_environment", factory=True, workers=workers, **options)
    finally:
        if previous is None:
            os.environ.pop(ENVIRONMENT_VARIABLE, None)
        else:
            os.environ[ENVIRONMENT_VARIABLE] = previous
