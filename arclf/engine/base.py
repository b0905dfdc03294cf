"""Where work runs: the engine interface, the local engine, and the engine a run is using.

An engine maps a function over items, in order, with a bounded number of items in flight::

    for result in engine.map(func, items, *shared):   # func(item, *shared), results in item order
        ...

``shared`` values (a count matrix, a fitted featurizer, a bundle) reach each worker once per
``map`` call, whatever the number of items. :class:`LocalEngine` runs in this process (or, with
``jobs > 1``, in a pool of processes from :mod:`concurrent.futures`); :class:`arclf.engine.cluster.DaskEngine`
runs on a Dask cluster. Stages that can spread their work ask :func:`arclf.engine.select.current_engine`,
which :func:`arclf.engine.select.use_engine` sets for a block of code.
"""

from __future__ import annotations

import os
import warnings
from collections import deque
from typing import Callable, Iterable, Iterator

from arclf.errors import ArclfError, ConfigError

__all__ = ["Engine", "LocalEngine", "EngineError", "EngineUnreachable", "ordered_results"]


class EngineError(ArclfError):
    """The engine could not run the work: the scheduler is unreachable, or a task killed its workers."""

    exit_code = 1


class EngineUnreachable(EngineError):
    """The scheduler named by ``--engine`` / ``engine:`` does not answer: a usage error (exit code 2)."""

    exit_code = 2


class Engine:
    """What every engine offers (see the module docstring).

    Attributes
    ----------
    kind : str
        ``local`` or ``dask``.
    distributed : bool
        True when work leaves this process for workers of a cluster.
    n_workers : int
        How many items run at once.
    """

    kind = "local"
    distributed = False
    n_workers = 1

    def map(self, func: Callable, items: Iterable, *shared, window: int | None = None) -> Iterator:
        """Yield ``func(item, *shared)`` for each item, in item order.

        Parameters
        ----------
        func : callable
            A module-level function (it may be pickled to another process).
        items : iterable
            Read lazily: at most ``window`` items are in flight (default: twice the workers).
        *shared
            Arguments every call receives; sent to each worker once.
        window : int, optional
            Items submitted ahead of the one being waited for.

        Raises
        ------
        EngineError
            A task could not run (its workers died too often, or the cluster went away).
        Exception
            What ``func`` raised, re-raised here.
        """
        raise NotImplementedError

    def each_worker(self, func: Callable, *args) -> list:
        """Run ``func(*args)`` once on every worker (e.g. to compile kernels there); returns the results."""
        return [func(*args)]

    def describe(self) -> dict:
        """``{'kind', 'address', 'n_workers'}`` for run records."""
        return {"kind": self.kind, "address": None, "n_workers": self.n_workers}

    def close(self) -> None:
        """Release what the engine started (processes, a cluster)."""


def ordered_results(submit: Callable, items: Iterable, window: int, cancel: Callable | None = None) -> Iterator:
    """Submit items ``window`` ahead and yield their futures' results in item order.

    ``submit(item)`` returns a future with ``result()``; ``cancel(futures)`` is called on the
    ones still pending if the consumer stops early or a result raises.
    """
    pending: deque = deque()
    try:
        for item in items:
            pending.append(submit(item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        if pending and cancel is not None:
            cancel(list(pending))


_SHARED: tuple = ()


def _init_process(shared: tuple) -> None:
    global _SHARED
    _SHARED = shared


def _call_shared(func: Callable, item):
    return func(item, *_SHARED)


class LocalEngine(Engine):
    """Run in this process, or in ``jobs`` processes of a :class:`concurrent.futures.ProcessPoolExecutor`.

    Parameters
    ----------
    jobs : int, default=1
        Processes for :meth:`map`; 1 runs every call here, one after another; -1 uses every core.
        The pool's processes are started by ``spawn`` (never ``fork`` of a process that runs
        threads) and get ``shared`` once, when they start. More processes than cores is allowed
        (a :class:`UserWarning` says it only slows the run down).

    Raises
    ------
    ConfigError
        ``jobs`` is 0 or below -1.
    """

    def __init__(self, jobs: int = 1):
        jobs = int(jobs)
        cores = os.cpu_count() or 1
        if jobs == 0 or jobs < -1:
            raise ConfigError(f"jobs {jobs}: give a number of processes of 1 or more, or -1 for every core ({cores})")
        if jobs > cores:
            warnings.warn(f"jobs {jobs}: this machine has {cores} cores; processes beyond that only slow the run down",
                          stacklevel=2)
        self.jobs = jobs
        self.n_workers = cores if jobs == -1 else jobs

    def map(self, func, items, *shared, window=None):
        if self.n_workers == 1:
            return (func(item, *shared) for item in items)
        return self._pool_map(func, items, shared, window or 2 * self.n_workers)

    def _pool_map(self, func, items, shared, window):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(self.n_workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_process, initargs=(shared,))
        try:
            yield from ordered_results(lambda item: pool.submit(_call_shared, func, item), items, window,
                                       cancel=lambda futures: [f.cancel() for f in futures])
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
