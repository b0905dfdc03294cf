"""Serving: an HTTP classification service over one bundle (FastAPI + uvicorn, the ``serve`` extra).

``create_app(bundle)`` returns the ASGI app; ``serve(bundle, host=..., port=...)`` runs it with
uvicorn (what ``arclf serve`` calls). Names are imported from their modules on first use
(:func:`arclf.util.lazy.lazy_exports`), so ``import arclf.serve`` needs neither FastAPI nor uvicorn.
"""

from arclf.util.lazy import lazy_exports

__all__ = ["ServeError", "create_app", "serve"]

__getattr__, __dir__ = lazy_exports(__name__, {"create_app": "app", "serve": "server", "ServeError": "server"})
