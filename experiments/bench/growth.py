"""Cost growth: train the ant-sections experiment on 1x, 2x, 5x and 10x ANT; wall time, peak RSS, macro-F1.

One command (about an hour on 2 idle cores, most of it the 10x run)::

    python experiments/bench/growth.py --data-dir ../shared/corpora --work /tmp/arclf-growth \\
        --scales 1 2 5 10 --out experiments/bench/growth.json

For each scale it

1. writes the corpus with ``make_corpus.py`` (ANT's articles plus ``scale - 1`` times as many new
   documents made of sentences of same-section, same-outlet articles; see its docstring) to
   ``WORK/ant-xN.jsonl`` unless it is there (never commit these files);
2. reads it once into arclf's corpus cache (``arclf.corpus.load_corpora``, in ``WORK/cache-xN``), timed
   and measured on its own as "first read";
3. runs ``arclf train`` on the ant-sections experiment of that table (5-fold stratified CV with
   duplicate groups, final fit, run folder written), in a process of its own, and records its
   wall time, its peak resident memory (``ru_maxrss`` of the process from ``wait4``; a child
   compiling kernels would count as well), the memory path arclf chose (``run.json``) and the CV
   macro-F1.

The load average is printed beside every figure: the machine may be shared. Results are appended
to ``--out`` as they come, so an interrupted run keeps its finished scales.
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
ROOT = HERE.parents[1]


def run_measured(cmd: list[str], env: dict, log: Path) -> dict:
    """Run ``cmd``; return its wall seconds, peak RSS (MiB) and exit code."""
    start = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"seconds": round(time.perf_counter() - start, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1), "exit": proc.returncode}


def arclf_command() -> list[str]:
    """The ``arclf`` command of this interpreter's environment."""
    return [sys.executable, "-c", "import sys; from arclf.cli.app import main; sys.exit(main())"]


def one_scale(scale: int, args) -> dict:
    import yaml

    sys.path.insert(0, str(HERE))
    from make_corpus import config_for

    work = args.work
    table = work / f"ant-x{scale}.jsonl"
    env = {**os.environ, "ARCLF_CACHE": str(work / f"cache-x{scale}")}
    if args.data_dir:
        env["ARCLF_DATA"] = str(args.data_dir)
    if args.budget:
        env["ARCLF_MEMORY_BUDGET"] = args.budget
    row = {"scale": scale}
    if not table.exists():
        made = run_measured([sys.executable, str(HERE / "make_corpus.py"), "--scale", str(scale), "--out", str(table),
                             "--seed", str(args.seed)], env, work / f"make-x{scale}.log")
        if made["exit"]:
            raise SystemExit(f"make_corpus failed, see {work / f'make-x{scale}.log'}")
    row["table_mb"] = round(table.stat().st_size / 2**20, 1)
    config = work / f"ant-x{scale}.yaml"
    config.write_text(yaml.safe_dump(config_for(table, args.seed), sort_keys=False), encoding="utf-8")
    read = ("import sys; from arclf.config import load_config; from arclf.corpus import load_corpora; "
            "load_corpora(load_config(sys.argv[1]).data.corpora)")
    row["first_read"] = {**run_measured([sys.executable, "-c", read, str(config)], env, work / f"read-x{scale}.log"),
                         "load": os.getloadavg()[0]}
    run_dir = work / "runs" / f"x{scale}-{time.strftime('%Y%m%dT%H%M%S')}"
    load_before = os.getloadavg()
    train = run_measured([*arclf_command(), "train", str(config), "--output-dir", str(run_dir)], env, work / f"train-x{scale}.log")
    row["train"] = {**train, "load_before": [round(v, 2) for v in load_before],
                    "load_after": [round(v, 2) for v in os.getloadavg()]}
    if train["exit"]:
        row["error"] = (work / f"train-x{scale}.log").read_text(encoding="utf-8", errors="replace")[-2000:]
        return row
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    cv = metrics["tasks"]["section"]["cv"]
    row.update(n_examples=run["data"]["n_examples"], nnz=run["data"]["nnz"],
               n_features_present=run["data"]["n_features_present"],
               duplicate_groups=run["data"]["duplicates"], memory=run.get("memory"),
               macro_f1=cv["macro_f1"]["mean"], macro_f1_std=cv["macro_f1"]["std"], split=cv["split"],
               stages={k: v for k, v in run["timing"].items()}, run_dir=str(run_dir))
    return row


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 2, 5, 10])
    ap.add_argument("--work", type=Path, required=True, help="folder for the generated tables, caches and runs")
    ap.add_argument("--data-dir", type=Path, default=None, help="folder holding ANT (default $ARCLF_DATA)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--budget", default=None, help="ARCLF_MEMORY_BUDGET for the training runs (default: arclf decides)")
    ap.add_argument("--out", type=Path, default=None, help="JSON file the rows are written to as they finish")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for scale in args.scales:
        row = one_scale(scale, args)
        rows.append(row)
        t = row["train"]
        print(f"{scale:>3}x  {row.get('n_examples', '?'):>8} docs  train {t['seconds']:>8.1f} s  "
              f"peak {t['peak_rss_mb']:>7.0f} MiB  macro-F1 {row.get('macro_f1', float('nan')):.4f}  "
              f"path {(row.get('memory') or {}).get('path')}  load {t['load_before'][0]:.1f}", flush=True)
        if args.out:
            args.out.write_text(json.dumps({"uname": os.uname().release, "cpus": os.cpu_count(), "rows": rows}, indent=1),
                                encoding="utf-8")


if __name__ == "__main__":
    main()
