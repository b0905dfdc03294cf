"""Engines: where the work of a run goes (this process, a process pool, or a Dask cluster).

Names are imported from their modules on first use (:func:`arclf.util.lazy.lazy_exports`).
"""

from arclf.util.lazy import lazy_exports

__all__ = [
    "DaskEngine", "Engine", "EngineError", "EngineUnreachable", "LocalEngine", "close_engines", "current_engine", "open_engine", "use_engine",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "DaskEngine": "cluster", "Engine": "base", "EngineError": "base", "EngineUnreachable": "base", "LocalEngine": "base", "close_engines": "select",
    "current_engine": "select", "open_engine": "select", "use_engine": "select",
})
