"""Choosing the engine: the one a setting names (opened once per process), and the one a block of code uses."""

from __future__ import annotations

import atexit
import contextvars
from contextlib import contextmanager

from arclf.config import EngineSpec
from arclf.engine.base import Engine, LocalEngine

__all__ = ["current_engine", "use_engine", "open_engine", "close_engines"]

_CURRENT: contextvars.ContextVar = contextvars.ContextVar("arclf_engine", default=None)
_OPEN: dict[str, Engine] = {}


def current_engine() -> Engine:
    """The engine set by the innermost :func:`use_engine` (a one-process :class:`LocalEngine` outside any)."""
    return _CURRENT.get() or LocalEngine()


def open_engine(spec: EngineSpec | str | None, jobs: int = 1) -> Engine:
    """The engine a spec names: local, or a Dask client (one per address per process, reused, closed at exit).

    Parameters
    ----------
    spec : EngineSpec, str or None
        ``local``, ``dask://local``, ``dask://host:port``, or an :class:`arclf.config.EngineSpec`.
    jobs : int, default=1
        Processes of the local engine (ignored by Dask, whose workers set the parallelism).

    Raises
    ------
    ConfigError
        ``spec`` is not an engine.
    EngineError
        dask is not installed, or the scheduler cannot be reached.
    """
    if not isinstance(spec, EngineSpec):
        from pydantic import ValidationError

        from arclf.errors import ConfigError

        try:
            spec = EngineSpec.model_validate(spec or "local")
        except ValidationError as exc:
            raise ConfigError(f"--engine: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None
    if spec.kind == "local":
        return LocalEngine(jobs)
    key = spec.url() + (f"?n_workers={spec.n_workers}" if spec.n_workers else "")
    engine = _OPEN.get(key)
    if engine is None or engine.closed:
        from arclf.engine.cluster import DaskEngine  # imports dask.distributed: only when asked

        engine = _OPEN[key] = DaskEngine(spec)
        atexit.unregister(close_engines)  # registered after distributed's own exit hooks, so it runs before them
        atexit.register(close_engines)
    return engine


@contextmanager
def use_engine(engine: Engine | EngineSpec | str | None, jobs: int = 1):
    """Make ``engine`` (or the one a spec names, see :func:`open_engine`) the current engine for a block.

    Yields
    ------
    Engine
    """
    if not isinstance(engine, Engine):
        engine = open_engine(engine, jobs)
    token = _CURRENT.set(engine)
    try:
        yield engine
    finally:
        _CURRENT.reset(token)


def close_engines() -> None:
    """Close every Dask client (and ``LocalCluster``) :func:`open_engine` started in this process."""
    while _OPEN:
        _, engine = _OPEN.popitem()
        engine.close()
