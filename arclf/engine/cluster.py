"""The Dask engine: work runs as tasks of a ``dask.distributed`` cluster.

Nothing here schedules, pools or talks to workers itself: :class:`distributed.Client` does
(``submit``, ``scatter``, ``gather``), against a scheduler started with ``dask scheduler`` and
workers started with ``dask worker`` (or a :class:`distributed.LocalCluster` for ``dask://local``).
See the Dask documentation, "Futures" and "Data locality" (scatter).

Shared values are scattered with ``broadcast=True``: each worker gets them once per
:meth:`DaskEngine.map` call, and a worker that dies does not take the only copy with it (Dask
cannot recompute scattered data). A task whose worker dies is run again elsewhere by Dask (up to
``distributed.scheduler.allowed-failures`` times, 3 by default); past that, or if the cluster
goes away, :class:`~arclf.engine.base.EngineError` says so in one line.
"""

from __future__ import annotations

import logging
import os
import warnings

from arclf.config import EngineSpec
from arclf.engine.base import Engine, EngineError, EngineUnreachable, ordered_results
from arclf.errors import ConfigError

__all__ = ["DaskEngine", "NO_WORKER_SECONDS"]

#: A result not ready while the cluster has had no worker this long stops the run (one line, not a hang).
NO_WORKER_SECONDS = 120.0


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ConfigError("the Dask engine needs dask.distributed: pip install 'arclf[dask]'") from None
    return distributed


class _Watched:
    """A task's future whose ``result()`` gives up when the cluster has had no worker for :data:`NO_WORKER_SECONDS`.

    Dask waits for workers without limit; a ``LocalCluster`` whose workers a task killed may never get them back.
    """

    def __init__(self, client, future):
        self.client, self.future = client, future

    def result(self):
        idle = 0.0
        while True:
            try:
                return self.future.result(timeout=5)
            except TimeoutError:
                if self.future.done():  # the task's own TimeoutError
                    raise
                idle = 0.0 if self.client.nthreads() else idle + 5
                if idle >= NO_WORKER_SECONDS:
                    raise EngineError(f"dask: no worker left on the cluster for {NO_WORKER_SECONDS:.0f} s (did a task kill "
                                      f"them?); nothing was saved") from None


class DaskEngine(Engine):
    """Run work on a Dask cluster.

    Parameters
    ----------
    spec : arclf.config.EngineSpec
        ``kind: dask``; ``address`` names a running scheduler (``tcp://host:8786``), or None for a
        :class:`distributed.LocalCluster` of ``n_workers`` processes (default: one per core), each
        with one thread, started here and stopped by :meth:`close`.

    Attributes
    ----------
    client : distributed.Client
    cluster : distributed.LocalCluster or None
        The cluster started here, if any.

    Raises
    ------
    EngineError
        dask.distributed is not installed, or the scheduler cannot be reached within 30 s, or it has no worker after 60 s.
    """

    kind = "dask"
    distributed = True

    def __init__(self, spec: EngineSpec):
        distributed = _import_distributed()
        self.spec, self.cluster = spec, None
        if spec.address is None:
            n = spec.n_workers or os.cpu_count() or 1
            with warnings.catch_warnings():  # its status page moves to a free port when 8787 is taken: not our user's concern
                warnings.filterwarnings("ignore", message="Port .* is already in use")
                self.cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                                                        silence_logs=logging.ERROR)  # our errors say what went wrong
            address = self.cluster.scheduler_address
        else:
            address = spec.address
        try:
            self.client = distributed.Client(address, timeout="30s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise EngineUnreachable(f"dask: cannot reach the scheduler at {address} ({exc}); start one with "
                              f"`dask scheduler` and workers with `dask worker {address}`") from None
        try:
            self.client.wait_for_workers(1, timeout=60)
        except TimeoutError:
            self.close()
            raise EngineError(f"dask: the scheduler at {address} has no worker after 60 s; start some with "
                              f"`dask worker {address}`") from None

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` ran (or the client lost its scheduler for good)."""
        return self.client.status in ("closed", "closing")

    @property
    def n_workers(self) -> int:
        """Threads over all workers: how many tasks run at once."""
        return max(1, sum(w["nthreads"] for w in self.client.scheduler_info()["workers"].values()))

    def describe(self) -> dict:
        return {"kind": "dask", "address": None if self.cluster else self.spec.address,
                "local_cluster": self.cluster is not None, "n_workers": len(self.client.scheduler_info()["workers"]),
                "threads": self.n_workers}

    def map(self, func, items, *shared, window=None):
        return self._map(func, items, shared, window or 2 * self.n_workers)

    def _map(self, func, items, shared, window):
        from asyncio import CancelledError

        from distributed.scheduler import KilledWorker

        client = self.client
        try:  # one list each: scatter splits a list it is given into items
            shared_futures = [client.scatter([value], broadcast=True, hash=False)[0] for value in shared]
            yield from ordered_results(lambda item: _Watched(client, client.submit(func, item, *shared_futures, pure=False)),
                                       items, window, cancel=lambda pending: client.cancel([w.future for w in pending]))
        except KilledWorker as exc:
            raise EngineError(f"dask: a {getattr(func, '__name__', 'task')} task killed its worker too often "
                              f"({exc.__class__.__name__}: {exc}); nothing was saved") from None
        except (CancelledError, OSError) as exc:
            if isinstance(exc, OSError) and not type(exc).__module__.startswith("distributed"):
                raise  # the task's own I/O error
            raise EngineError(f"dask: lost the cluster while running {getattr(func, '__name__', 'a task')} "
                              f"({exc.__class__.__name__}: {exc}); nothing was saved") from None
        finally:
            shared_futures = None  # releases the scattered copies on the workers

    def each_worker(self, func, *args) -> list:
        workers = list(self.client.scheduler_info()["workers"])
        futures = [self.client.submit(func, *args, workers=[w], allow_other_workers=False, pure=False) for w in workers]
        return self.client.gather(futures)

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()
