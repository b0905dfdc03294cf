"""How far can any text classifier go on ANT sections? Two ceilings that need no model.

    python experiments/accuracy/ceiling.py --data-dir ../shared/corpora

1. Identical texts, different sections: exact duplicates (after normalization) are kept on one
   side of every split, and one text gets one label, so a group whose copies are filed under
   different sections is right at most for its most common section. Reported for the whole
   corpus (every row is tested once in k-fold CV) and for the benchmark's 20 % test rows.
2. The middleEast / internationalNews boundary: the share of each outlet's articles in each of
   the two sections, which shows the outlets draw the line in different places.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screen import load  # noqa: E402


def oracle(rows, groups, y):
    """Best accuracy and macro-F1 when every duplicate group gets its most common label."""
    from sklearn.metrics import f1_score

    by_group = collections.defaultdict(list)
    for i in rows:
        by_group[groups[i]].append(i)
    pred = {}
    for members in by_group.values():
        best = collections.Counter(str(y[i]) for i in members).most_common(1)[0][0]
        for i in members:
            pred[i] = best
    y_true = [str(y[i]) for i in rows]
    y_pred = [pred[i] for i in rows]
    conflicting = sum(len(m) for m in by_group.values() if len({str(y[i]) for i in m}) > 1)
    return {"n": len(rows), "rows_in_conflicting_groups": conflicting,
            "accuracy_ceiling": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))),
            "macro_f1_ceiling": float(f1_score(y_true, y_pred, average="macro"))}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=os.environ.get("ARCLF_DATA"))
    opts = ap.parse_args(argv)
    from arclf.config import CorpusSpec
    from arclf.corpus import load_corpora

    data = load(opts.data_dir)
    out = {"whole_corpus (k-fold CV)": oracle(np.arange(len(data["y"])), data["groups"], data["y"]),
           "benchmark test rows": oracle(data["test"], data["groups"], data["y"])}
    ds, _ = load_corpora([CorpusSpec(name="ant")], data_dir=opts.data_dir)
    pairs = collections.Counter((s, sec) for s, sec in zip(ds["source"], ds["section"]) if sec in ("middleEast", "internationalNews"))
    outlets = sorted({s for s, _ in pairs})
    out["middleEast share of the two political sections, per outlet"] = {
        s: {"middleEast": pairs[(s, "middleEast")], "internationalNews": pairs[(s, "internationalNews")],
            "share_middleEast": round(pairs[(s, "middleEast")] / max(1, pairs[(s, "middleEast")] + pairs[(s, "internationalNews")]), 3)}
        for s in outlets}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
