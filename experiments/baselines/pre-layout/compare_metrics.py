#!/usr/bin/env python
"""Compare two metrics.json files, ignoring per-fold `seconds`: python compare_metrics.py A B"""
import json, sys
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k != "seconds"}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
a, b = (strip(json.load(open(p))) for p in sys.argv[1:3])
diffs = []
def walk(x, y, path):
    if type(x) != type(y): diffs.append((path, x, y)); return
    if isinstance(x, dict):
        for k in set(x) | set(y): walk(x.get(k), y.get(k), f"{path}.{k}")
    elif isinstance(x, list):
        if len(x) != len(y): diffs.append((path, len(x), len(y))); return
        for i, (u, v) in enumerate(zip(x, y)): walk(u, v, f"{path}[{i}]")
    elif x != y: diffs.append((path, x, y))
walk(a, b, "")
print("identical (ignoring per-fold seconds)" if not diffs else f"{len(diffs)} differences, e.g. {diffs[:5]}")
