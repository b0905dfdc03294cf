"""The classification service: a FastAPI app over one bundle, loaded once, before the first request.

:func:`create_app` loads the bundle (through :func:`arclf.bundle.load_predictor`, so a bad bundle
fails there, before any socket is opened) and returns the ASGI app; the numba kernels and the place
tagger are then warmed in a background thread, and ``GET /readyz`` answers 200 once they are.
Requests arriving before that are still answered, correctly, only slower. A request can never see
a half-loaded model: the app does not exist until the bundle is loaded.

Endpoints: ``POST /v1/classify``, ``GET /healthz``, ``GET /readyz``, ``GET /version``, and
FastAPI's ``/openapi.json``, ``/docs`` and ``/redoc``. Every 4xx answer is
``{"error": "<one line>", "records": [{"record": i, "id": ..., "message": ...}, ...]}``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform
import threading
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from arclf import __version__
from arclf.bundle import load_predictor
from arclf.errors import InputError
from arclf.prediction import predict
from arclf.serve.schemas import (RECORD_ERROR, ClassifyRequest, ClassifyResponse, ErrorBody, Health, Readiness,
                                 VersionInfo)

__all__ = ["create_app", "app_from_environment", "Service", "bundle_digest", "BodyLimit", "MAX_RECORDS",
           "MAX_BODY_BYTES", "ENVIRONMENT_VARIABLE"]

log = logging.getLogger("arclf.serve")

#: Default largest batch of one request (records).
MAX_RECORDS = 1000
#: Default largest request body (bytes): 1,000 long articles of about 16 KB of UTF-8 each.
MAX_BODY_BYTES = 16 * 1024 * 1024
#: How :func:`arclf.serve.server.serve` hands the settings to worker processes (JSON).
ENVIRONMENT_VARIABLE = "ARCLF_SERVE_SETTINGS"
#: Batches of more characters than this are scored one at a time: they may reach numba's parallel kernels
#: (from about a million n-grams), and numba's fallback threading layer (``workqueue``, used when neither
#: OpenMP nor TBB is available) aborts the process when two threads enter parallel code at once.
LARGE_BATCH_CHARS = 200_000
#: A body declared over the limit but within this many times it is read (and dropped) before the 413.
DRAIN_FACTOR = 8

# ALEF LAM QAF TEH SAD ALEF DAL (the economy), REH YEH ALEF DAD HAD (sport), MEEM SAD REH (Egypt),
# SEEN WAW REH YEH ALEF (Syria): words to warm the kernels with, 2.5 x the pure-Python threshold.
_WARM_WORDS = ("\u0627\u0644\u0627\u0642\u062a\u0635\u0627\u062f", "\u0631\u064a\u0627\u0636\u0629",
               "\u0645\u0635\u0631", "\u0633\u0648\u0631\u064a\u0627")
_WARM_TEXT = " ".join(_WARM_WORDS * 2000)


def bundle_digest(path: str | Path, meta: dict | None = None) -> str:
    """The bundle's id: the first 16 hex digits of the SHA-256 of its file.

    A run folder's ``model.*`` file is hashed; a folder without one gets the hash of the bundle's
    metadata (``meta``) instead.
    """
    path = Path(path)
    files = sorted(p for p in path.glob("model.*") if p.is_file()) if path.is_dir() else [path]
    digest = hashlib.sha256()
    if files:
        with open(files[0], "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    else:
        digest.update(json.dumps(meta or {}, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


class Service:
    """One loaded bundle and what the endpoints need of it.

    Parameters
    ----------
    bundle : str or Path
        A bundle file or a run folder, as ``arclf predict`` takes.
    max_records : int
        Largest batch one request may hold.

    Attributes
    ----------
    predictor : object
        What :func:`arclf.bundle.load_predictor` returned.
    bundle_id : str
        :func:`bundle_digest` of the bundle.
    ready : threading.Event
        Set once :meth:`warm` has run.

    Raises
    ------
    BundleError
        The bundle is missing, unreadable or of another format.
    """

    def __init__(self, bundle, *, max_records: int = MAX_RECORDS):
        self.path = Path(bundle)
        self.predictor = load_predictor(self.path)
        self.meta = dict(getattr(self.predictor, "meta", None) or {})
        self.bundle_id = bundle_digest(self.path, self.meta)
        self.max_records = int(max_records)
        self.ready = threading.Event()
        self._large_batch = threading.Lock()
        self.status = "warming the kernels"
        self.tasks: dict = {}

    @property
    def task_names(self) -> list[str]:
        """Every task the bundle answers: its model tasks, then rule tasks of its config."""
        names = list(self.predictor.tasks)
        return names + [t["name"] for t in (self.meta.get("config") or {}).get("tasks", []) if t["name"] not in names]

    def warm(self) -> None:
        """Score one long synthetic article once: compiles or loads the numba kernels, builds the place tagger."""
        try:
            (pred,) = predict(self.predictor, [{"text": _WARM_TEXT}], ids=["warm-up"])
            self.tasks = {name: {"answered_by": tp.answered_by, "labels": sorted(tp.scores)}
                          for name, tp in pred.tasks.items()}
            self.status = "ready"
            self.ready.set()
        except Exception as exc:  # a bug; /readyz says so, and requests are still served
            self.status = f"warm-up failed: {exc.__class__.__name__}: {exc}"
            log.exception("arclf serve: warm-up failed")

    def summary(self) -> dict:
        """The bundle as ``GET /version`` describes it."""
        cfg = self.meta.get("config") or {}
        return {"id": self.bundle_id, "run_id": self.meta.get("run_id"),  # (no file path: not the clients' business)
                "created": self.meta.get("created"), "arclf_version": self.meta.get("arclf_version"),
                "data_fingerprint": self.meta.get("data_fingerprint"), "n_examples": self.meta.get("n_examples"),
                "features": (cfg.get("features") or {}).get("kind"), "classifier": (cfg.get("classifier") or {}).get("kind"),
                "tasks": self.tasks or {name: {} for name in self.task_names}}

    def classify(self, req: ClassifyRequest) -> JSONResponse:
        """Answer one validated request (4xx for a batch too large or an unknown task)."""
        if len(req.texts) > self.max_records:
            return _error(413, f"too many records: {len(req.texts):,}, at most {self.max_records:,} per request")
        if req.tasks:
            unknown = [t for t in req.tasks if t not in self.task_names]
            if unknown:
                return _error(422, f"unknown task {unknown[0]!r}; this bundle answers {', '.join(self.task_names)}")
        # a record's text is read as a bare string is: a saved article page is parsed as `arclf predict` parses it
        texts = [t if isinstance(t, str) else t.text for t in req.texts]
        ids = [str(i) if isinstance(t, str) or t.id is None else str(t.id) for i, t in enumerate(req.texts)]
        large = sum(len(t) for t in texts) > LARGE_BATCH_CHARS
        try:
            with self._large_batch if large else contextlib.nullcontext():
                preds = predict(self.predictor, texts, ids=ids, top_k=req.top_k, min_proba=req.min_proba,
                                tasks=req.tasks, abstain=req.abstain)
        except InputError as exc:  # e.g. a saved page whose parsed body holds no Arabic
            return _error(422, str(exc))
        return JSONResponse({"bundle_id": self.bundle_id, "predictions": [p.to_dict() for p in preds]})


def _error(status: int, message: str, records: list | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "records": records or []}, status_code=status)


class BodyLimit:
    """Pure ASGI middleware: a request body over ``max_bytes`` gets 413 before the app reads it.

    A declared ``Content-Length`` is checked at once; a chunked body is read up to the limit.
    """

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = int(max_bytes)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None:
            if int(declared) > self.max_bytes:
                # read (and drop) a body of sane size first: a client that sends its whole body before
                # reading the answer (Python's http.client) would otherwise see a broken pipe, not the 413
                if headers.get(b"expect", b"").lower() != b"100-continue" and int(declared) <= DRAIN_FACTOR * self.max_bytes:
                    while (await receive()).get("more_body"):
                        pass
                return await self._too_large(scope, receive, send)
            return await self.app(scope, receive, send)
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                return await self._too_large(scope, receive, send)
            if not message.get("more_body"):
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        return await self.app(scope, replay, send)

    async def _too_large(self, scope, receive, send):
        response = _error(413, f"request body over {self.max_bytes:,} bytes; send fewer or shorter articles per request")
        response.headers["connection"] = "close"
        await response(scope, receive, send)


def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """Pydantic's errors as one line (and, for bad records, one entry per record)."""
    errors = exc.errors()
    for err in errors:
        if err.get("type") == RECORD_ERROR:
            problems = err["ctx"]["problems"]
            n = len(problems)
            head = f"{n} record{'s' if n > 1 else ''} cannot be classified; first: " if n > 1 else ""
            return _error(422, head + problems[0]["message"], problems)
    first = errors[0]
    if first.get("type") == "json_invalid":
        return _error(400, f"the body is not valid JSON: {first.get('ctx', {}).get('error', first.get('msg'))}")
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
    if where == "body" and first.get("type") in ("model_attributes_type", "dict_type", "missing"):
        return _error(422, 'the body must be a JSON object such as {"texts": ["article text", ...]} '
                           '(sent with Content-Type: application/json)')
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return _error(422, f"{where}: {first.get('msg')}{more}")


def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return _error(exc.status_code, str(exc.detail))


def create_app(bundle, *, max_records: int = MAX_RECORDS, max_body_bytes: int = MAX_BODY_BYTES,
               warm: bool = True) -> FastAPI:
    """The ASGI app serving one bundle; the bundle is loaded here, once.

    Parameters
    ----------
    bundle : str or Path
        A bundle file or a run folder.
    max_records : int, default=1000
        Largest batch per request (more: 413).
    max_body_bytes : int, default=16 MiB
        Largest request body (more: 413, before the body is read).
    warm : bool, default=True
        Warm the kernels in a background thread when the app starts (``/readyz`` waits for it).

    Returns
    -------
    fastapi.FastAPI

    Raises
    ------
    BundleError
        The bundle cannot be loaded.
    """
    service = Service(bundle, max_records=max_records)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if warm:
            threading.Thread(target=service.warm, name="arclf-warm-up", daemon=True).start()
        yield

    app = FastAPI(title="arclf", version=__version__, lifespan=lifespan,
                  description="Arabic text classification: topic, region and source type of news articles.")
    app.state.service = service
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    bad = {413: {"model": ErrorBody, "description": "Too many records, or a body over the size limit."},
           422: {"model": ErrorBody, "description": "A record cannot be classified (each one named), or a bad field."},
           400: {"model": ErrorBody, "description": "The body is not JSON."}}

    @app.post("/v1/classify", response_model=ClassifyResponse, responses=bad, summary="Classify a batch of articles")
    def classify(req: ClassifyRequest):
        """Every task's label and scores for each article, in input order (the records of
        ``arclf predict --format jsonl``), with the id of the bundle that answered."""
        return service.classify(req)

    @app.get("/healthz", response_model=Health, summary="The process is up")
    def healthz():
        return {"status": "ok"}

    @app.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}},
             summary="The bundle is loaded and the kernels are warm")
    def readyz():
        ok = service.ready.is_set()
        return JSONResponse({"ready": ok, "status": service.status, "bundle_id": service.bundle_id},
                            status_code=200 if ok else 503)

    @app.get("/version", response_model=VersionInfo, summary="arclf's version and the bundle served")
    def version():
        return {"arclf": __version__, "bundle": service.summary(), "versions": _versions()}

    return app


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("numpy", "fastapi", "starlette", "pydantic", "uvicorn"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def app_from_environment() -> FastAPI:
    """:func:`create_app` with the settings :func:`arclf.serve.server.serve` left in
    ``$ARCLF_SERVE_SETTINGS`` (JSON): how each worker process of ``--workers N`` builds its app."""
    settings = json.loads(os.environ[ENVIRONMENT_VARIABLE])
    return create_app(settings.pop("bundle"), **settings)
