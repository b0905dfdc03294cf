"""Compile the numba kernels of a training run in a short-lived child process, once.

numba compiles a kernel on its first call and writes the machine code to its on-disk cache
(``cache=True``); later processes load it from there. Compiling leaves about 110 MB of LLVM
state in the process that did it, for good. So the first ``arclf train`` after an install
would peak about 110 MB higher than every later one (984 MiB instead of 868 MiB on ANT).
:func:`compile_kernels` runs the training path on a small synthetic corpus in a child process,
which fills the cache and exits; the training process then only loads compiled code.

A marker file beside numba's cache, one per (arclf, numba, Python, kernel sources, featurizer
and classifier settings), records that this was done, so later runs skip the child; so does a
process that has compiled kernels already. Any failure falls back to compiling
in the training process, as before: slower to start, never wrong.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from arclf.util.jit import any_compiled

__all__ = ["compile_kernels"]

_SOURCES = ("features/kernels.py", "models/solver.py", "training/featurize.py", "training/cv.py", "features/hashing.py", "features/analyzers.py",
            "evaluation/duplicates.py")


def _marker(cfg) -> Path:
    """The marker file, beside numba's cache of the kernels (``$NUMBA_CACHE_DIR`` or ``arclf/__pycache__``)."""
    import numba

    from arclf import __version__

    here = Path(__file__).resolve().parents[1]  # the arclf package
    root = Path(numba.config.CACHE_DIR) if numba.config.CACHE_DIR else here / "__pycache__"
    stamp = [__version__, numba.__version__, sys.version, sys.executable]
    stamp += [f"{name}:{(here / name).stat().st_mtime_ns}:{(here / name).stat().st_size}" for name in _SOURCES]
    resolved = cfg.resolved()
    stamp.append(json.dumps({**{k: resolved[k] for k in ("features", "classifier")}, "near_duplicates": resolved["cv"]["near_duplicates"]},
                            sort_keys=True, default=str))
    key = hashlib.sha256("\n".join(stamp).encode()).hexdigest()[:24]
    return root / f"arclf-kernels-{key}.done"


def compile_kernels(cfg, *, timeout: float = 600.0, notify=None) -> bool:
    """Make sure the kernels ``cfg`` trains with are in numba's cache, compiling them in a child.

    Parameters
    ----------
    cfg : arclf.config.Config
    timeout : float
        Seconds to give the child.
    notify : callable(done: bool), optional
        Called with False before the child starts and True when it ends (not when skipped).

    Returns
    -------
    bool
        True if the kernels were already compiled or the child compiled them; False if the
        child failed (the caller's process then compiles them itself).
    """
    if any_compiled():  # this process already holds compiled kernels
        return True
    try:
        marker = _marker(cfg)
    except OSError:
        return False
    if marker.exists():
        return True
    payload = json.dumps(cfg.resolved(), default=str)
    if notify:
        notify(False)
    try:
        done = subprocess.run([sys.executable, "-c", "from arclf.training.warmup import _child; _child()"], input=payload,
                              text=True, capture_output=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        if notify:
            notify(True)
    if done.returncode != 0:
        return False
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass
    return True


def _synthetic_texts(n: int = 300, length: int = 1200) -> tuple[list[str], list[str]]:
    """Deterministic Arabic-letter texts and labels: enough n-grams to reach the parallel kernels."""
    import numpy as np

    rng = np.random.default_rng(0)
    letters = np.array(list("ابتثجحخدذرزسشصضطظعغفقكلمنهوي") + [" "] * 6)
    texts = ["".join(rng.choice(letters, size=length)) for _ in range(n)]
    return texts, [("a", "b", "c")[i % 3] for i in range(n)]


def _child() -> None:
    """Run the training kernels of the config on stdin on synthetic data (in the child process)."""
    import numpy as np
    from datasets import Dataset

    from arclf.config import parse_config
    from arclf.models.solver import compact_columns
    from arclf.training.cv import fit_svm_scaled, uses_shared_counts
    from arclf.training.dataset import no_progress
    from arclf.training.featurize import featurize_counts

    cfg = parse_config(json.load(sys.stdin))
    texts, labels = _synthetic_texts()
    ds = Dataset.from_dict({"text": texts})
    keep = np.arange(len(texts))
    _, X, _ = featurize_counts(cfg, ds, keep, "warmup", no_progress, False)
    X, kept = compact_columns(X, 1, by_frequency=uses_shared_counts(cfg))
    if uses_shared_counts(cfg):
        y = np.asarray(labels, dtype=object)
        rows = np.arange(len(texts))
        fit_svm_scaled(cfg, X, rows[:200], y[:200], rows[200:], kept)
    if cfg.cv.near_duplicates:
        from arclf.evaluation.duplicates import near_duplicate_groups

        near_duplicate_groups(texts, threshold=cfg.cv.near_duplicates, seed=cfg.seed)
