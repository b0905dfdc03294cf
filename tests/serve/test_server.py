"""``arclf serve``: the real server process on 127.0.0.1, spoken to over HTTP.

The bundle is the multitask ANT config trained on a sample of real articles (``trained_run``);
the articles classified are real ANT articles (``ant_sample``).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

import arclf  # noqa: E402
from arclf.serve.app import bundle_digest  # noqa: E402

CLI = [sys.executable, "-c", "import sys; from arclf.cli import main; sys.exit(main(sys.argv[1:]))"]
MAX_RECORDS = 20
MAX_BODY_MB = 0.25


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body=None, raw: bytes | None = None, timeout: float = 60):
    """``(status, decoded JSON or text)`` of one request on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = raw if raw is not None else (None if body is None else json.dumps(body, ensure_ascii=False).encode())
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data is not None else {})
        resp = conn.getresponse()
        text = resp.read().decode()
        kind = resp.getheader("content-type", "")
        return resp.status, (json.loads(text) if kind.startswith("application/json") else text)
    finally:
        conn.close()


class Server:
    """``arclf serve`` in a child process; :meth:`wait_ready` polls ``/readyz``."""

    def __init__(self, bundle, *args: str):
        self.port = free_port()
        self.log = tempfile.TemporaryFile()  # not a pipe: a full pipe nobody reads would block the server
        self.proc = subprocess.Popen([*CLI, "serve", str(bundle), "--port", str(self.port), "--no-access-log", *args],
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def wait_ready(self, timeout: float = 180.0) -> "Server":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"arclf serve exited with {self.proc.returncode}: {self.output()}")
            try:
                status, body = request(self.port, "GET", "/readyz", timeout=5)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("arclf serve never became ready")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture(scope="module")
def bundle(trained_run):
    return trained_run.run_dir


@pytest.fixture(scope="module")
def server(bundle):
    srv = Server(bundle, "--max-records", str(MAX_RECORDS), "--max-body-mb", str(MAX_BODY_MB)).wait_ready()
    yield srv
    assert srv.stop() == 0


@pytest.fixture(scope="module")
def articles(ant_sample):
    """Six real ANT articles from different outlet/section folders."""
    seen, out = set(), []
    for rec in ant_sample:
        key = (rec["source"], rec["section"])
        if key not in seen and len(out) < 6:
            seen.add(key)
            out.append(rec)
    return out


def test_classify_answers_as_arclf_predict(server, bundle, articles):
    texts = [a["text"] for a in articles]
    status, body = request(server.port, "POST", "/v1/classify", {"texts": texts})
    assert status == 200, body
    expected = [p.to_dict() for p in arclf.predict(bundle, texts)]
    assert body["predictions"] == expected
    assert body["bundle_id"] == bundle_digest(bundle) and len(body["bundle_id"]) == 16
    assert set(body["predictions"][0]) == {"id", "topic", "region", "source_type"}


def test_records_keep_their_ids(server, bundle, articles):
    records = [{"id": a["id"], "text": a["text"]} for a in articles[:3]] + [{"text": articles[3]["text"]}]
    status, body = request(server.port, "POST", "/v1/classify", {"texts": records})
    assert status == 200, body
    assert [p["id"] for p in body["predictions"]] == [a["id"] for a in articles[:3]] + ["3"]
    expected = arclf.predict(bundle, [a["text"] for a in articles[:4]])
    assert [p["topic"] for p in body["predictions"]] == [p.to_dict()["topic"] for p in expected]


def test_a_page_in_a_record_is_parsed_as_a_bare_page_is(server, seed_page):
    # a {id, text} record was scored as plain text: the page's credited outlet was lost
    page = seed_page.read_text(encoding="utf-8")
    status, body = request(server.port, "POST", "/v1/classify", {"texts": [page, {"id": "seed", "text": page}]})
    assert status == 200, body
    bare, record = body["predictions"]
    assert record["id"] == "seed" and {k: v for k, v in record.items() if k != "id"} == {k: v for k, v in bare.items() if k != "id"}
    assert record["source_type"]["answered_by"] == "attribution"
    assert record["source_type"]["label"] == "translated_foreign_press"


def test_concurrent_requests_get_the_same_answers(server, bundle, articles):
    """Requests run in the threadpool at once share one predictor: every answer must still be its own."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [a["text"] for a in articles]
    expected = {t: p.to_dict() for t, p in zip(texts, arclf.predict(bundle, texts))}
    jobs = [texts[i % len(texts):] + texts[:i % len(texts)] for i in range(24)]  # 24 batches, rotated
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda batch: request(server.port, "POST", "/v1/classify", {"texts": batch}), jobs))
    for batch, (status, body) in zip(jobs, answers):
        assert status == 200
        assert [{**p, "id": "0"} for p in body["predictions"]] == [{**expected[t], "id": "0"} for t in batch]


def test_top_k_tasks_and_min_proba(server, articles):
    texts = [a["text"] for a in articles[:2]]
    status, body = request(server.port, "POST", "/v1/classify", {"texts": texts, "top_k": 1, "tasks": ["topic"]})
    assert status == 200, body
    for pred in body["predictions"]:
        assert set(pred) == {"id", "topic"}
        assert list(pred["topic"]["scores"]) == [pred["topic"]["label"]]
    status, body = request(server.port, "POST", "/v1/classify", {"texts": texts, "min_proba": 1.0})
    assert status == 200, body
    assert {p["topic"]["label"] for p in body["predictions"]} == {"unknown"}


def test_health_readiness_and_version(server, bundle):
    assert request(server.port, "GET", "/healthz") == (200, {"status": "ok"})
    status, ready = request(server.port, "GET", "/readyz")
    assert status == 200 and ready == {"ready": True, "status": "ready", "bundle_id": bundle_digest(bundle)}
    status, version = request(server.port, "GET", "/version")
    assert status == 200
    assert version["arclf"] == arclf.__version__
    summary = version["bundle"]
    assert summary["id"] == bundle_digest(bundle)
    assert list(summary["tasks"]) == ["topic", "region", "source_type"]
    assert summary["tasks"]["topic"]["labels"] == sorted(["culture", "economy", "politics", "sport", "technology"])
    assert summary["tasks"]["topic"]["answered_by"] == "model"
    assert summary["n_examples"] > 0 and summary["data_fingerprint"]


def test_openapi_schema_and_docs(server):
    status, schema = request(server.port, "GET", "/openapi.json")
    assert status == 200
    assert {"/v1/classify", "/healthz", "/readyz", "/version"} <= set(schema["paths"])
    assert {"ClassifyRequest", "ClassifyResponse", "ErrorBody"} <= set(schema["components"]["schemas"])
    status, page = request(server.port, "GET", "/docs")
    assert status == 200 and "swagger" in page.lower()


ARABIC = "\u0645\u0628\u0627\u0631\u0627\u0629 \u0643\u0631\u0629 \u0627\u0644\u0642\u062f\u0645"  # a football match


@pytest.mark.parametrize("body, status, message, record", [
    ({"texts": [ARABIC, "   "]}, 422, "record 1: empty text", 1),
    ({"texts": ["hello world", ARABIC]}, 422, "record 0: no Arabic letters", 0),
    ({"texts": [ARABIC, 42]}, 422, "record 1: expected a string or an {id, text} object, got int", 1),
    ({"texts": [{"id": "a7", "text": 5}]}, 422, "record 0: text must be a string, got int", 0),
    ({"texts": [ARABIC, "", "abc"]}, 422, "2 records cannot be classified; first: record 1: empty text", 1),
    ({"texts": [ARABIC] * (MAX_RECORDS + 1)}, 413, f"too many records: {MAX_RECORDS + 1}, at most {MAX_RECORDS}", None),
    ({"texts": [ARABIC * 20_000]}, 413, "request body over 262,144 bytes", None),
    ({"texts": [ARABIC], "tasks": ["sentiment"]}, 422, "unknown task 'sentiment'; this bundle answers topic, region", None),
    ({"texts": [ARABIC], "top_k": 0}, 422, "top_k: Input should be greater than or equal to 1", None),
    ({"text": [ARABIC]}, 422, 'body: no "texts" field (the body has text); send {"texts": ["article text", ...]} '
                              'or {"texts": [{"id": ..., "text": ...}]}', None),
    ({"texts": []}, 422, "texts: List should have at least 1 item", None),
    ([ARABIC], 422, 'the body must be a JSON object such as {"texts": ["article text", ...]}', None),
    ("x", 422, 'the body must be a JSON object such as {"texts"', None),
    (b"", 422, 'the body must be a JSON object such as {"texts"', None),
    (b'{"texts": ["', 400, "the body is not valid JSON", None),
], ids=["empty", "no-arabic", "not-a-string", "text-not-a-string", "two-bad", "too-many", "body-too-large",
        "unknown-task", "bad-top-k", "unknown-field", "no-records", "a-list", "a-string", "no-body", "broken-json"])
def test_bad_requests_get_one_line_and_the_server_keeps_serving(server, body, status, message, record):
    raw = body if isinstance(body, bytes) else None
    got, answer = request(server.port, "POST", "/v1/classify", None if raw else body, raw=raw)
    assert got == status, answer
    assert answer["error"].startswith(message)
    assert "\n" not in answer["error"]
    if record is not None:
        assert answer["records"][0]["record"] == record
        assert answer["records"][0]["message"].startswith(f"record {record}: ")
    if body == {"texts": [{"id": "a7", "text": 5}]}:
        assert answer["records"][0]["id"] == "a7"
    assert request(server.port, "POST", "/v1/classify", {"texts": [ARABIC]})[0] == 200


def test_unknown_path_is_a_json_404(server):
    assert request(server.port, "GET", "/v2/classify") == (404, {"error": "Not Found", "records": []})


def test_sigterm_lets_the_request_in_flight_finish(bundle, articles):
    srv = Server(bundle).wait_ready()
    body = json.dumps({"texts": [a["text"] for a in articles]}, ensure_ascii=False).encode()
    half = len(body) // 2
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
    try:
        sock.sendall(b"POST /v1/classify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:half])
        time.sleep(1.0)  # the request has started: headers and half the body are in
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(OSError):  # no new connections once shutting down
            socket.create_connection(("127.0.0.1", srv.port), timeout=5).close()
        sock.sendall(body[half:])
        reply = b""
        while chunk := sock.recv(1 << 16):
            reply += chunk
    finally:
        sock.close()
    head, _, payload = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    assert len(json.loads(payload)["predictions"]) == len(articles)
    assert srv.stop() == 0
    assert "Waiting for connections to close" in srv.output()  # uvicorn's graceful shutdown waited for it


def test_two_workers(bundle):
    srv = Server(bundle, "--workers", "2").wait_ready()
    try:
        status, body = request(srv.port, "POST", "/v1/classify", {"texts": [ARABIC]})
        assert status == 200 and body["predictions"][0]["id"] == "0"
    finally:
        assert srv.stop() == 0


def test_a_bad_bundle_is_one_line_before_listening(tmp_path):
    junk = tmp_path / "model.joblib"
    junk.write_bytes(os.urandom(2048))
    port = free_port()
    done = subprocess.run([*CLI, "serve", str(junk), "--port", str(port)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arclf: error: ") and str(junk) in lines[0]


def test_a_taken_port_is_one_line(bundle):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([*CLI, "serve", str(bundle), "--port", str(port)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"arclf: error: cannot listen on 127.0.0.1:{port}: Address already in use"]


def asgi_call(app, method: str, path: str, body=None):
    """``(status, decoded JSON)`` of one request to an ASGI app, in this process."""
    import asyncio

    sent = []
    data = b"" if body is None else json.dumps(body).encode()

    async def call():
        messages = [{"type": "http.request", "body": data, "more_body": False}]

        async def receive():
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
                 "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())],
                 "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
                 "root_path": "", "app": app}
        await app(scope, receive, send)

    asyncio.run(call())
    return sent[0]["status"], json.loads(b"".join(m.get("body", b"") for m in sent[1:]))


def test_serve_is_a_library_function(bundle):
    """What the CLI wraps, without a process: the app answers over ASGI, and is not ready before its warm-up."""
    from arclf.serve import create_app

    app = create_app(bundle, warm=False)
    assert asgi_call(app, "GET", "/readyz") == (503, {"ready": False, "status": "warming the kernels",
                                                      "bundle_id": bundle_digest(bundle)})
    status, body = asgi_call(app, "POST", "/v1/classify", {"texts": [ARABIC]})  # answered while warming, correctly
    assert status == 200
    assert body["predictions"] == [p.to_dict() for p in arclf.predict(bundle, [ARABIC])]
    app.state.service.warm()
    assert asgi_call(app, "GET", "/readyz")[0] == 200


def test_large_batches_are_scored_one_at_a_time(bundle, monkeypatch):
    import arclf.serve.app as serve_app

    app = serve_app.create_app(bundle, warm=False)
    monkeypatch.setattr(serve_app, "LARGE_BATCH_CHARS", 10)  # every batch counts as large
    lock = app.state.service._large_batch
    seen = []
    real_predict = serve_app.predict
    monkeypatch.setattr(serve_app, "predict", lambda *a, **kw: seen.append(lock.locked()) or real_predict(*a, **kw))
    assert asgi_call(app, "POST", "/v1/classify", {"texts": [ARABIC, ARABIC]})[0] == 200
    monkeypatch.setattr(serve_app, "LARGE_BATCH_CHARS", 10**9)
    assert asgi_call(app, "POST", "/v1/classify", {"texts": [ARABIC]})[0] == 200
    assert seen == [True, False]


def test_the_command_passes_its_options_to_serve(monkeypatch, tmp_path):
    import arclf.serve.server as server
    from arclf.cli import main

    got = {}
    monkeypatch.setattr(server, "serve", lambda bundle, **kw: got.update(bundle=bundle, **kw))
    (tmp_path / "model.joblib").write_bytes(b"x")
    assert main(["serve", str(tmp_path), "--host", "0.0.0.0", "--port", "9123", "--workers", "3", "--max-records", "7",
                 "--max-body-mb", "0.5", "--no-access-log", "--log-level", "warning"]) == 0
    assert got == {"bundle": tmp_path, "host": "0.0.0.0", "port": 9123, "workers": 3, "max_records": 7,
                   "max_body_bytes": 512 * 1024, "log_level": "warning", "access_log": False}


def test_without_the_serve_extra_the_command_says_what_to_install(monkeypatch, tmp_path, capsys):
    from arclf.cli import main

    monkeypatch.setitem(sys.modules, "fastapi", None)  # as if FastAPI were not installed
    for name in ("arclf.serve.server", "arclf.serve.app"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert main(["serve", str(tmp_path)]) == 1
    assert capsys.readouterr().err == ("arclf: error: arclf serve needs FastAPI and uvicorn (fastapi is missing): "
                                       "pip install 'arclf[serve]'\n")
