"""Draw the articles of the place-tagger evaluation set: python sample.py > sample.csv

80 ANT, 80 SaudiNewsNet and 40 ASND records, uniformly at random (seed 2026) from each corpus as
arclf reads it (ARCLF_DATA must point at the corpora). Only ids are written: the texts stay in the corpora.
"""

import csv
import sys

import numpy as np

from arclf.corpus.cache import load_corpus_cached

PLAN = {"ant": 80, "saudinewsnet": 80, "asnd": 40}

if __name__ == "__main__":
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["id", "corpus"])
    rng = np.random.default_rng(2026)
    for corpus, n in PLAN.items():
        ds, _ = load_corpus_cached(corpus)
        ids = ds["id"]
        for i in sorted(rng.choice(len(ids), size=n, replace=False)):
            out.writerow([ids[i], corpus])
