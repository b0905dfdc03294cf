"""Issue 11's bundle figures: file size and cold-start ``arclf predict`` of one page, median of N.

    python experiments/bench/bundle_cold_start.py --arclf PATH/TO/arclf --bundle BUNDLE --page PAGE [--repeats 5]

Runs ``arclf predict BUNDLE PAGE`` ``--repeats`` times, each in a fresh process (cold start:
imports, bundle loading and checking, featurizing, scoring), and prints the bundle's size,
every wall-clock time, their median and the load average before and after (the project's
machine is shared, so a figure means little without it). Run it once with the ``arclf`` of the
code before a change and once with the one after, on the same model.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arclf", required=True, help="the arclf executable to time")
    ap.add_argument("--bundle", required=True, help="bundle file (or run folder) to load")
    ap.add_argument("--page", required=True, help="the page to classify")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    bundle = Path(args.bundle)
    load_before = os.getloadavg()
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        subprocess.run([args.arclf, "predict", str(bundle), args.page, "--format", "jsonl"], check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    size = bundle.stat().st_size if bundle.is_file() else None
    print(json.dumps({"arclf": args.arclf, "bundle": str(bundle), "bundle_bytes": size,
                      "seconds": [round(t, 3) for t in times], "median_seconds": round(statistics.median(times), 3),
                      "load_average_before": [round(x, 2) for x in load_before],
                      "load_average_after": [round(x, 2) for x in os.getloadavg()]}, indent=1))


if __name__ == "__main__":
    main()
