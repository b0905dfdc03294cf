"""Print the articles of a list of ids for annotation: python show.py sample.csv [first [last]]

Title, then the text (cut at 2,000 characters), for each row of the csv from `first` to `last`
(0-based, inclusive). Reads the corpora from ARCLF_DATA; nothing is written.
"""

import csv
import sys

from evaluate import texts_of  # the same lookup the evaluation uses

if __name__ == "__main__":
    rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    last = int(sys.argv[3]) if len(sys.argv) > 3 else len(rows) - 1
    rows = rows[first:last + 1]
    wanted = {}
    for r in rows:
        wanted.setdefault(r["corpus"], set()).add(r["id"])
    texts = texts_of(wanted)
    for k, r in enumerate(rows, first):
        rec = texts[r["id"]]
        print(f"=== [{k}] {r['id']} ({r['corpus']})")
        print(f"TITLE: {rec['title'] or ''}")
        print(rec["text"][:2000])
        print()
