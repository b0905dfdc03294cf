"""Write small but complete run folders (the format of arclf.train) for compare/report tests.

Metrics come from the same functions the training loop uses (arclf.evaluation.folds), so the files
have exactly the shape a real run has; predictions are simulated with a chosen accuracy.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from arclf.config import apply_overrides, parse_config
from arclf.evaluation.folds import fold_fingerprint, fold_metrics, summarize_folds

LABELS = ["culture", "economy", "politics", "sport"]
N = 240
FINGERPRINT = "f" * 64


def gold(n: int = N, labels=LABELS, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.asarray(labels, dtype=object)[rng.integers(0, len(labels), n)]


def assign_folds(n: int = N, k: int = 5, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(1000 + seed)
    return rng.permutation(np.arange(n) % k)


def simulate(y: np.ndarray, accuracy: float, seed: int, labels=LABELS) -> np.ndarray:
    rng = np.random.default_rng(seed)
    wrong = rng.random(len(y)) > accuracy
    other = np.asarray(labels, dtype=object)[rng.integers(0, len(labels), len(y))]
    return np.where(wrong, other, y)


def write_run(parent: Path, run_id: str, *, name: str = "ant-topic", overrides=(), y=None, pred=None,
              folds=None, accuracy: float = 0.8, seed: int = 0, task: str = "topic", labels=LABELS,
              fingerprint: str = FINGERPRINT, scheme: str = "stratified_kfold", split: str = "cv-oof",
              proba: bool = True, sources=None) -> Path:
    """Write ``parent/<name>/<run_id>/`` and return it."""
    y = gold(labels=labels) if y is None else np.asarray(y, dtype=object)
    n = len(y)
    folds = assign_folds(n) if folds is None else np.asarray(folds)
    pred = simulate(y, accuracy, seed, labels) if pred is None else np.asarray(pred, dtype=object)
    ids = np.array([f"doc-{i:04d}" for i in range(n)], dtype=object)
    config = parse_config(apply_overrides({"name": name, "data": {"name": "ant"}, "tasks": [{"name": task}]},
                                          list(overrides))).resolved()
    per_fold = []
    for k in sorted(set(folds.tolist())):
        test = folds == k
        m = fold_metrics(list(y[test]), list(pred[test]), labels)
        per_fold.append({"fold": int(k), "held_out": None if sources is None else sources[k], "n_train": int((~test).sum()),
                         "n_test": int(test.sum()), **m, "seconds": 0.5})
    block = summarize_folds(per_fold, labels, y, pred, scheme=scheme, split=split)
    block["group_duplicates"] = True
    block["fold_fingerprint"] = fold_fingerprint(ids, folds)
    metrics = {"schema_version": 1, "tasks": {task: {
        "field": task, "level": None, "labels": list(labels), "n_examples": n, "dropped_classes": [],
        "cv": block, "folds": [{k: v for k, v in f.items() if k != "per_class"} for f in per_fold]}}}
    run = {"schema_version": 1, "kind": "train", "name": name, "run_id": run_id, "created": f"2026-11-{run_id[6:8]}T10:00:00+00:00",
           "config_hash": run_id[-8:], "overrides": list(overrides), "seed": config["seed"],
           "git": {"commit": "0123456789abcdef", "dirty": False}, "versions": {"python": "3.11"},
           "data": {"fingerprint": fingerprint, "n_examples": n,
                    "duplicates": {"groups": 3, "examples": 7, "conflicting_groups": 1}},
           "timing": {"load": {"seconds": 1.5, "peak_rss_mb": 210.0}}, "wall_seconds": 4.2}
    path = parent / name / run_id
    (path / "oof").mkdir(parents=True)
    (path / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    (path / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
    (path / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False), encoding="utf-8")
    oof = pd.DataFrame({"id": ids, "fold": folds.astype(int), "y_true": y, "y_pred": pred})
    if proba:
        rng = np.random.default_rng(seed + 7)
        raw = rng.random((n, len(labels)))
        top = np.array([labels.index(p) for p in pred])
        raw[np.arange(n), top] += 1.0 + 2 * rng.random(n)  # the prediction is the most probable label
        p = raw / raw.sum(axis=1, keepdims=True)
        for j, lab in enumerate(labels):
            oof[f"proba:{lab}"] = p[:, j]
    oof.to_parquet(path / "oof" / f"{task}.parquet", index=False)
    (path / "report.md").write_text("# placeholder\n", encoding="utf-8")
    return path
