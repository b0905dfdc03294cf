"""Print the articles of a list of ids for annotation: python show.py sample.csv [first [last]]

Title, then the text (cut at 2,000 characters), for each row of the csv from `first` to `last`
(0-based, inclusive). Reads the corpora from ARCLF_DATA; nothing is written.
"""

import csv
import sys

from arclf.corpus.cache import load_corpus_cached

if __name__ == "__main__":
    rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    last = int(sys.argv[3]) if len(sys.argv) > 3 else len(rows) - 1
    rows = rows[first:last + 1]
    by_corpus = {}
    for r in rows:
        by_corpus.setdefault(r["corpus"], set()).add(r["id"])
    texts = {}
    for corpus, wanted in by_corpus.items():
        ds, _ = load_corpus_cached(corpus)
        for rec in ds.select_columns(["id", "title", "text"]):
            if rec["id"] in wanted:
                texts[rec["id"]] = rec
    for k, r in enumerate(rows, first):
        rec = texts[r["id"]]
        print(f"=== [{k}] {r['id']} ({r['corpus']})")
        print(f"TITLE: {rec['title'] or ''}")
        print(rec["text"][:2000])
        print()
