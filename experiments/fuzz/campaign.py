"""A long fuzzing campaign over the targets of tests/fuzz/targets.py: python experiments/fuzz/campaign.py [N] [TARGET...]

Runs each target on N generated inputs (default 100,000; hypothesis, no example database, no
deadline) and prints one line per target: inputs run, arclf errors raised (expected: one-line
refusals), seconds, and the first failure if any (a failure stops that target).
"""

import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.fuzz.targets import TARGETS  # noqa: E402

from arclf.errors import ArclfError  # noqa: E402


def run(name: str, n: int) -> str:
    target, strategy = TARGETS[name]
    counts = {"inputs": 0, "refused": 0}

    def counted(x):
        counts["inputs"] += 1
        try:
            target(x)
        except ArclfError:
            counts["refused"] += 1
            raise

    start = time.perf_counter()
    check = settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))(given(strategy)(counted))
    try:
        check()
        result = "no failure"
    except Exception as exc:  # a target's own failure, with hypothesis's minimal example
        result = f"FAILURE: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return f"| {name} | {counts['inputs']:,} | {time.perf_counter() - start:.0f} | {result} |"


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    names = sys.argv[2:] or list(TARGETS)
    print("| target | inputs | seconds | result |\n|---|---|---|---|", flush=True)
    for name in names:
        print(run(name, n), flush=True)
