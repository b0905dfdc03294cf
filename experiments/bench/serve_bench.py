"""Load benchmark of ``arclf serve`` on loopback: latency, throughput, errors and memory (issue 11).

Starts ``arclf serve BUNDLE`` on a free 127.0.0.1 port (one worker, no access log), waits for
``/readyz``, then, from one client on one keep-alive connection (``http.client``, request bodies
encoded before timing):

1. **single**: ``--single`` requests of one real ANT article each: p50 / p95 / p99 latency;
2. **batch**: ``--batches`` requests of 64 articles: latency, and throughput in articles/s;
3. **in-process**: ``arclf.predict`` on the same 64-article batches in this process (bundle loaded
   with ``arclf.bundle.load_predictor``, warmed first): the throughput the server is compared with;
4. **memory**: the server's RSS after warm-up, then after ``--rss-requests`` (10,000) more
   single-article requests, cycling through the articles.

Every answer's status is checked (anything but 200, or a connection error, is an error); each phase
stops early at ``--max-seconds``. The machine's load average is printed beside the figures, since
client, server and any other job share its cores.

    python experiments/bench/serve_bench.py experiments/runs/ant-multitask/latest --data-dir ../shared/corpora
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil

CLI = [sys.executable, "-c", "import sys; from arclf.cli import main; sys.exit(main(sys.argv[1:]))"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ant_articles(data_dir: Path, n: int) -> list[str]:
    """``n`` real ANT articles, every k-th of the corpus (all outlets and sections)."""
    from arclf.config import CorpusSpec
    from arclf.corpus.ant import read_ant
    from arclf.corpus.base import ReadStats

    records = [r for r in read_ant(CorpusSpec(name="ant"), stats=ReadStats(), data_dir=data_dir) if r["text"].strip()]
    step = max(1, len(records) // n)
    return [r["text"] for r in records[::step][:n]]


def start_server(bundle: Path, port: int, workers: int) -> subprocess.Popen:
    proc = subprocess.Popen([*CLI, "serve", str(bundle), "--port", str(port), "--workers", str(workers),
                             "--no-access-log", "--log-level", "warning"])
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"arclf serve exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    sys.exit("arclf serve never became ready")


def run_requests(port: int, bodies: list[bytes], count: int, max_seconds: float):
    """Send ``count`` requests cycling through ``bodies`` on one connection; ``(latencies s, errors, wall s)``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    latencies, errors = [], 0
    start = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        try:
            conn.request("POST", "/v1/classify", body=bodies[i % len(bodies)], headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies.append(time.perf_counter() - t0)
        if time.perf_counter() - start > max_seconds:
            break
    conn.close()
    return np.asarray(latencies), errors, time.perf_counter() - start


def server_cpu(server: psutil.Process) -> float:
    """CPU seconds (user + system) the server process has used, all threads (and worker children)."""
    procs = [server, *server.children(recursive=True)]
    return sum(sum(p.cpu_times()[:2]) for p in procs)


def percentiles_ms(latencies) -> dict:
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99]) * 1000
    return {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "p99_ms": round(p99, 2)}


def in_process(bundle: Path, batches: list[list[str]], count: int, max_seconds: float) -> dict:
    import arclf
    from arclf.bundle import load_predictor

    predictor = load_predictor(bundle)
    arclf.predict(predictor, [" ".join(batches[0]) * 3])  # warm: compiled kernels, place tagger
    n, start, cpu = 0, time.perf_counter(), time.process_time()
    for i in range(count):
        arclf.predict(predictor, batches[i % len(batches)])
        n += len(batches[i % len(batches)])
        if time.perf_counter() - start > max_seconds:
            break
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"articles": n, "wall_s": round(wall, 2), "articles_per_s": round(n / wall, 1),
            "cpu_ms_per_request": round(cpu / max(1, n // 64) * 1000, 3)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle", type=Path)
    ap.add_argument("--data-dir", type=Path, default=os.environ.get("ARCLF_DATA"))
    ap.add_argument("--articles", type=int, default=640, help="Distinct ANT articles used.")
    ap.add_argument("--single", type=int, default=2000, help="Single-article requests timed.")
    ap.add_argument("--batches", type=int, default=200, help="64-article requests timed.")
    ap.add_argument("--rss-requests", type=int, default=10_000)
    ap.add_argument("--max-seconds", type=float, default=240.0, help="Cap on each phase.")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, help="Write the results as JSON here.")
    args = ap.parse_args(argv)

    texts = ant_articles(args.data_dir, args.articles)
    singles = [json.dumps({"texts": [t]}, ensure_ascii=False).encode() for t in texts]
    batches = [texts[i:i + 64] for i in range(0, len(texts) - 63, 64)]
    batch_bodies = [json.dumps({"texts": b}, ensure_ascii=False).encode() for b in batches]
    port = free_port()
    load = {"start": os.getloadavg()}
    proc = start_server(args.bundle, port, args.workers)
    server = psutil.Process(proc.pid)
    try:
        run_requests(port, singles, 200, 30)  # let the first requests settle (connection, caches)
        rss_start = server.memory_info().rss
        cpu0 = server_cpu(server)
        lat1, err1, wall1 = run_requests(port, singles, args.single, args.max_seconds)
        cpu1 = server_cpu(server)
        load["single"] = os.getloadavg()
        lat64, err64, wall64 = run_requests(port, batch_bodies, args.batches, args.max_seconds)
        cpu64 = server_cpu(server)
        load["batch"] = os.getloadavg()
        rss_samples, latr, errr, deadline = [rss_start], [], 0, time.monotonic() + args.max_seconds
        for _ in range(5):  # RSS after each fifth of the requests: growth, or a plateau?
            lat, err, _ = run_requests(port, singles, args.rss_requests // 5, max(1.0, deadline - time.monotonic()))
            latr, errr = latr + list(lat), errr + err
            rss_samples.append(server.memory_info().rss)
        rss_end = rss_samples[-1]
        load["rss"] = os.getloadavg()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    inproc = in_process(args.bundle, batches, len(lat64), args.max_seconds)
    load["end"] = os.getloadavg()
    served = 64 * len(lat64) / wall64
    results = {
        "single": {"requests": len(lat1), "errors": err1, "articles_per_s": round(len(lat1) / wall1, 1), **percentiles_ms(lat1),
                   "server_cpu_ms_per_request": round((cpu1 - cpu0) / len(lat1) * 1000, 3)},
        "batch64": {"requests": len(lat64), "errors": err64, "articles_per_s": round(served, 1), **percentiles_ms(lat64),
                    "server_cpu_ms_per_request": round((cpu64 - cpu1) / len(lat64) * 1000, 3)},
        "in_process_batch64": inproc,
        "throughput_ratio": round(served / inproc["articles_per_s"], 3),
        "rss": {"requests": len(latr), "errors": errr, "start_mib": round(rss_start / 2**20, 1),
                "end_mib": round(rss_end / 2**20, 1), "growth_mib": round((rss_end - rss_start) / 2**20, 1),
                "samples_mib": [round(x / 2**20, 1) for x in rss_samples]},
        "server_exit_code": code, "load_average_1_5_15": {k: [round(x, 2) for x in v] for k, v in load.items()},
        "machine": f"{os.cpu_count()} cores", "workers": args.workers, "articles": len(texts),
        "mean_article_chars": round(float(np.mean([len(t) for t in texts]))),
    }
    print("| requests | n | errors | p50 ms | p95 ms | p99 ms | articles/s | server CPU ms/request | load (1-min) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, key in (("1 article", "single"), ("64 articles", "batch64")):
        r = results[key]
        print(f"| {name} | {r['requests']:,} | {r['errors']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
              f"{r['articles_per_s']:,} | {r['server_cpu_ms_per_request']} | {load['single' if key == 'single' else 'batch'][0]:.1f} |")
    print(f"| in-process arclf.predict, 64 | {len(lat64):,} | 0 | | | | {inproc['articles_per_s']:,} | "
          f"{inproc['cpu_ms_per_request']} | {load['end'][0]:.1f} |")
    print(f"\nbatch throughput served / in-process: {results['throughput_ratio']:.0%}")
    r = results["rss"]
    print(f"RSS: {r['start_mib']} MiB at start, {r['end_mib']} MiB after {r['requests']:,} more requests "
          f"({r['errors']} errors; growth {r['growth_mib']:+} MiB; load {load['rss'][0]:.1f})")
    print(f"RSS every {r['requests'] // 5:,} requests (MiB): {', '.join(map(str, r['samples_mib']))}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
