"""Streaming prediction: ``arclf predict`` on 100,000 and 1,000,000-line JSON Lines files.

One command (the 1,000,000 lines take about 10 minutes a core)::

    python experiments/bench/stream.py --bundle experiments/runs/ant-sections/latest --data-dir ../shared/corpora \\
        --work /tmp/arclf-stream --lines 100000 1000000 --out experiments/bench/stream.json

Inputs: ANT's texts (as ``arclf`` reads them) cycled to the number of lines, each with a fresh
id (``s<line>``), one ``{"id", "text"}`` object a line, written to ``WORK/stream-N.jsonl``
unless there (never commit them). For each size it runs ``arclf predict BUNDLE FILE --format
jsonl`` in a process of its own, reads its standard output as it comes, and records

* the time from start to the first output line (``first_output_s``; the process's start-up and
  bundle loading included),
* lines out, wall time, articles per second, and articles per CPU-second (``per_core``: CPU
  time of the process, user + system, so the figure does not depend much on other load), and
  both again counted from the first output line on (``sustained_*``: start-up left out),
* peak resident memory of the process (``ru_maxrss`` from ``wait4``).

The same run measures today's in-memory batch path for comparison: ``arclf.predict(bundle,
texts)`` on a Python list of the first ``--batch`` texts (default 31,525, all of ANT) in a
process of its own (texts read before the clock starts), with its throughput and peak memory.
The load average is recorded beside every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

_BATCH = r"""
import json, os, resource, sys, time
import arclf
bundle_path, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
texts = []
with open(path, encoding="utf-8") as fh:
    for line in fh:
        texts.append(json.loads(line)["text"])
        if len(texts) >= n:
            break
from arclf.bundle.model import load_predictor
bundle = load_predictor(bundle_path)
arclf.predict(bundle, texts[:64])  # loads what the first call loads, as the stream does before its first line
t0, c0 = time.perf_counter(), time.process_time()
out = arclf.predict(bundle, texts)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"articles": len(out), "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
                  "per_second": round(len(out) / wall, 1), "per_core": round(len(out) / cpu, 1),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def write_lines(path: Path, n: int, data_dir) -> None:
    """``n`` lines of ``{"id": "s<i>", "text": <ANT text>}``, ANT's texts cycled."""
    from arclf.config import CorpusSpec
    from arclf.corpus import load_corpora

    ds, _ = load_corpora([CorpusSpec(name="ant")], data_dir=data_dir)
    texts = ds.data.column("text").to_pylist()
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"s{i}", "text": texts[i % len(texts)]}, ensure_ascii=False) + "\n")
    tmp.replace(path)


def stream_run(bundle: str, path: Path, extra: list[str], max_seconds: float | None = None) -> dict:
    """Run ``arclf predict`` on ``path``; time the first line, count the lines, measure the process.

    Resident memory is also sampled every half second (``rss_samples_mb``: at each tenth of the
    lines read so far, to show it flat). With ``max_seconds`` the process is stopped after that
    long and the figures are those of the lines written so far (``stopped_early``).
    """
    import threading

    import psutil

    cmd = [sys.executable, "-c", "import sys; from arclf.cli.app import main; sys.exit(main())", "predict", bundle, str(path), "--format", "jsonl", *extra]
    load = os.getloadavg()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = None
    lines = 0
    samples, peak, stop = [], [0.0], threading.Event()
    ps = psutil.Process(proc.pid)

    def sample():
        while not stop.wait(0.5):
            try:
                rss = ps.memory_info().rss / 2**20
            except psutil.Error:
                return
            peak[0] = max(peak[0], rss)
            samples.append((lines, round(rss, 1)))

    threading.Thread(target=sample, daemon=True).start()
    stopped = False
    cpu_first = 0.0
    for _ in proc.stdout:
        if first is None:
            first = time.perf_counter() - start
            t = ps.cpu_times()
            cpu_first = t.user + t.system
        lines += 1
        if max_seconds and lines % 1000 == 0 and time.perf_counter() - start > max_seconds:
            stopped = True
            proc.terminate()
            break
    if stopped:
        for _ in proc.stdout:  # what was already written
            lines += 1
    stop.set()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    err = proc.stderr.read().decode("utf-8", "replace")[-500:]
    return {"lines_out": lines, "exit": os.waitstatus_to_exitcode(status), "first_output_s": round(first or -1, 3),
            "seconds": round(wall, 1), "cpu_seconds": round(cpu, 1), "per_second": round(lines / wall, 1),
            "per_core": round(lines / cpu, 1) if cpu else None,
            # after the first line: start-up (imports, bundle loading) left out
            "sustained_per_second": round((lines - 1) / (wall - first), 1) if first and wall > first else None,
            "sustained_per_core": round((lines - 1) / (cpu - cpu_first), 1) if cpu > cpu_first else None,
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "load_before": [round(v, 2) for v in load], "load_after": [round(v, 2) for v in os.getloadavg()],
            "stopped_early": stopped, "sampled_peak_rss_mb": round(peak[0], 1),
            "rss_samples_mb": [s for i, s in enumerate(samples) if i % max(len(samples) // 10, 1) == 0],
            "stderr_tail": err if os.waitstatus_to_exitcode(status) and not stopped else ""}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", required=True, help="a run folder or model.arclf (e.g. of configs/ant-sections.yaml)")
    ap.add_argument("--work", type=Path, required=True, help="folder for the generated inputs")
    ap.add_argument("--lines", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--batch", type=int, default=31_525, help="texts in the in-memory batch comparison")
    ap.add_argument("--data-dir", default=None, help="folder holding ANT (default $ARCLF_DATA)")
    ap.add_argument("--max-seconds", type=float, default=None,
                    help="stop a streaming run after this long and report its figures so far (a loaded machine)")
    ap.add_argument("--predict-args", nargs=argparse.REMAINDER, default=[], help="more arguments for arclf predict (last)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    result = {"uname": os.uname().release, "cpus": os.cpu_count(), "bundle": args.bundle, "runs": []}
    for n in sorted(args.lines):
        path = args.work / f"stream-{n}.jsonl"
        if not path.exists():
            write_lines(path, n, args.data_dir)
        if "batch" not in result:  # the in-memory path, same machine, same run
            load = os.getloadavg()
            out = subprocess.run([sys.executable, "-c", _BATCH, args.bundle, str(path), str(args.batch)],
                                 capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(f"batch comparison failed:\n{out.stderr[-2000:]}")
            result["batch"] = {**json.loads(out.stdout.strip().splitlines()[-1]), "load_before": [round(v, 2) for v in load]}
            b = result["batch"]
            print(f"batch  {b['articles']:>9,} in memory  {b['per_second']:>8.1f}/s  {b['per_core']:>8.1f}/CPU-s  "
                  f"peak {b['peak_rss_mb']:>7.0f} MiB  load {load[0]:.1f}", flush=True)
        run = {"lines": n, **stream_run(args.bundle, path, args.predict_args, args.max_seconds)}
        result["runs"].append(run)
        print(f"stream {n:>9,} lines  {run['per_second']:>8.1f}/s  {run['per_core']:>8.1f}/CPU-s  "
              f"sustained {run['sustained_per_core']}/CPU-s  "
              f"peak {run['peak_rss_mb']:>7.0f} MiB  first line {run['first_output_s']:.2f} s  "
              f"load {run['load_before'][0]:.1f}  exit {run['exit']}"
              + (f"  (stopped after {run['lines_out']:,} lines)" if run["stopped_early"] else ""), flush=True)
        if args.out:
            args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
