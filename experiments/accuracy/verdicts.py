"""Significance and ceiling on the benchmark split's 20 % test rows, from ``screen.py --stage outer`` predictions.

    python experiments/accuracy/verdicts.py --data-dir ../shared/corpora A B [C ...]

A, B, ... are variant names run with ``--stage outer`` (their predictions are under
$ARCLF_CACHE/screen). For every other variant against A: macro-F1 difference with a paired
bootstrap CI and McNemar's test (arclf.evaluation.significance). Then the ceiling of each:
macro-F1 with middleEast and internationalNews merged into one class (what a perfect boundary
between the two would give at most), the share of errors on that boundary, and macro-F1 on the
test articles that have no near-copy (MinHash-verified Jaccard >= 0.5 over character 5-shingles, arclf.evaluation.duplicates) in training.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screen import load  # noqa: E402

BOUNDARY = {"middleEast", "internationalNews"}


def main(argv=None):
    from sklearn.metrics import f1_score

    from arclf.evaluation.significance import mcnemar, paired_bootstrap_macro_f1

    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=os.environ.get("ARCLF_DATA"))
    ap.add_argument("variants", nargs="+")
    opts = ap.parse_args(argv)
    cache = Path(os.environ.get("ARCLF_CACHE", "/tmp")) / "screen"
    data = load(opts.data_dir)
    y = np.asarray([str(v) for v in data["y"][data["test"]]], dtype=object)
    preds = {v: np.load(cache / f"pred-{v.replace(' ', '_').replace('/', '-')}.npy", allow_pickle=False).astype(object)
             for v in opts.variants}
    near = near_copies(data)
    out_ceiling = conflict_ceiling(data)
    base = opts.variants[0]
    out = {"n_test": len(y), "test_rows_with_a_near_copy_in_training": int(near.sum()), **out_ceiling, "variants": {}}
    for v, p in preds.items():
        merged_true = np.where(np.isin(y, list(BOUNDARY)), "politics", y)
        merged_pred = np.where(np.isin(p, list(BOUNDARY)), "politics", p)
        wrong = p != y
        rec = {"macro_f1": f1_score(y, p, average="macro"), "accuracy": float(np.mean(~wrong)),
               "macro_f1_boundary_merged": f1_score(merged_true, merged_pred, average="macro"),
               "errors_on_boundary": float(np.mean(np.isin(y[wrong], list(BOUNDARY)) & np.isin(p[wrong], list(BOUNDARY)))),
               "macro_f1_no_near_copy": f1_score(y[~near], p[~near], average="macro")}
        if v != base:
            b = paired_bootstrap_macro_f1(y, preds[base], p, seed=0)
            m = mcnemar(y, preds[base], p)
            rec["vs_" + base] = {"points": 100 * b["difference"], "ci": [100 * b["ci_low"], 100 * b["ci_high"]],
                                 "bootstrap_p": b["p_value"], "mcnemar_p": m["p_value"], "right_only_here": m["b_only"],
                                 "right_only_in_base": m["a_only"]}
        out["variants"][v] = rec
    print(json.dumps(out, indent=1))


def conflict_ceiling(data):
    """The best accuracy any text classifier can reach on the test rows: identical texts get one label.

    Exact duplicates sit on one side of the split; a test group whose copies carry different
    sections (an article an outlet filed under two sections, or two outlets filing it differently)
    can be right at most for its most common label.
    """
    import collections

    test = data["test"]
    by_group = collections.defaultdict(list)
    for i in test:
        by_group[data["groups"][i]].append(str(data["y"][i]))
    best = sum(max(collections.Counter(labs).values()) for labs in by_group.values())
    conflicting = sum(len(labs) for labs in by_group.values() if len(set(labs)) > 1)
    return {"test_rows_in_conflicting_duplicate_groups": conflicting,
            "accuracy_ceiling_identical_texts": best / len(test)}


def near_copies(data, threshold=0.5):
    """Test rows with a near-duplicate (Jaccard >= threshold over character 5-shingles) among the training rows."""
    from arclf.evaluation.duplicates import near_duplicate_groups

    rows = np.concatenate([data["train"], data["test"]])
    groups = near_duplicate_groups([data["texts"][i] for i in rows], threshold=threshold, seed=0)
    g_train, g_test = groups[:len(data["train"])], groups[len(data["train"]):]
    return np.isin(g_test, g_train)


if __name__ == "__main__":
    main()
