"""Make an ANT-like corpus ``scale`` times the size of ANT, for the cost-growth benchmark.

Not a copy of ANT: copies of an article would become duplicate groups and change the task.
The corpus written is

* every real ANT article (31,525; the text ``arclf`` reads from ANT, its section and outlet), and
* ``(scale - 1) * 31,525`` new documents. Each new document takes a *template*: an ANT article
  drawn at random (seeded), whose section and outlet it gets. Its title is one title drawn from
  the template section's titles, and its body has as many sentences as the template's body,
  each drawn independently from the sentences of all articles of the template's section *and
  outlet* (sentences: the body split after ``.``, ``!``, ``?``, ``؟`` and at line ends).
  Drawn within one (section, outlet) pool, so the task stays what it is: sections, with the
  outlets' house style as a confound as in ANT itself.

A new document is almost never equal to another (it would need every one of its sentences
drawn alike), so exact-duplicate grouping finds about what it finds in ANT. What the generated
documents share with each other and with ANT is *sentences*: a sentence of a test document is
often in training documents of other folds. Cross-validated scores on the larger corpora are
therefore optimistic and only meant to show that the pipeline still learns; the benchmark is
about cost (time, memory), which depends on the number and length of documents and on how many
distinct n-grams they hold: reused sentences bring few new n-grams (only across sentence
borders), so the feature space grows less than it would with new text. This is said beside
the figures.

Output: one JSON Lines table (``id``, ``title``, ``text``, ``section``, ``source``), loaded by a
config with ``name: table`` (see :func:`config_for`). Ids are ``ant:<DOCNO>`` and
``gen<scale>-<n>``. The same ``--seed`` and ``--scale`` give the same file, byte for byte.

    python experiments/bench/make_corpus.py --scale 10 --out /tmp/arclf-growth/ant-x10.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

_SENTENCE_END = re.compile(r"(?<=[.!?\u061F])\s+|\n+")  # \u061F: Arabic question mark


def sentences(body: str) -> list[str]:
    """The non-empty sentences of a body, in order."""
    return [s.strip() for s in _SENTENCE_END.split(body) if s and s.strip()]


def read_ant(data_dir: str | None):
    """``(ids, texts, titles, bodies, sections, sources)`` of ANT as ``arclf`` reads it."""
    from arclf.corpus import load_corpora
    from arclf.config import CorpusSpec

    ds, _ = load_corpora([CorpusSpec(name="ant")], data_dir=data_dir)
    cols = ds.select_columns(["id", "text", "title", "body", "section", "source"]).to_dict()
    return cols["id"], cols["text"], cols["title"], cols["body"], cols["section"], cols["source"]


def write_corpus(out: Path, scale: int, seed: int, data_dir: str | None = None) -> dict:
    """Write the corpus of ``scale`` times ANT's size to ``out`` (JSON Lines); return its counts."""
    ids, texts, titles, bodies, sections, sources = read_ant(data_dir)
    n = len(ids)
    split = [sentences(b or "") for b in bodies]
    pools: dict[tuple, list[str]] = {}
    title_pools: dict[str, list[str]] = {}
    for sents, sec, src, title in zip(split, sections, sources, titles):
        pools.setdefault((sec, src), []).extend(sents)
        if title:
            title_pools.setdefault(sec, []).append(title)
    rng = np.random.default_rng(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    written = 0
    with open(tmp, "w", encoding="utf-8") as fh:
        for i in range(n):
            # the text arclf reads from ANT, as is (title empty: it is already in the text)
            fh.write(json.dumps({"id": f"ant:{ids[i]}", "title": "", "text": texts[i] or "",
                                 "section": sections[i], "source": sources[i]}, ensure_ascii=False) + "\n")
        written = n
        for k in range((scale - 1) * n):
            t = int(rng.integers(n))
            pool = pools.get((sections[t], sources[t])) or []
            m = max(len(split[t]), 1)
            if not pool:
                continue
            body = " ".join(pool[j] for j in rng.integers(len(pool), size=m))
            tpool = title_pools.get(sections[t]) or [""]
            title = tpool[int(rng.integers(len(tpool)))]
            fh.write(json.dumps({"id": f"gen{scale}-{k}", "title": title, "text": body, "section": sections[t],
                                 "source": sources[t]}, ensure_ascii=False) + "\n")
            written += 1
    tmp.replace(out)
    return {"path": str(out), "scale": scale, "seed": seed, "ant_articles": n, "documents": written,
            "bytes": out.stat().st_size}


def config_for(table: Path, seed: int = 13) -> dict:
    """The ``configs/ant-sections.yaml`` experiment on a generated table (a dict to dump as YAML)."""
    return {"name": f"growth-{table.stem}", "seed": seed,
            "data": {"name": "table", "path": str(table), "text_column": "text", "title_column": "title",
                     "id_column": "id", "label_columns": {"section": "section", "source": "source"}},
            "tasks": [{"name": "section"}]}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, required=True, help="size in multiples of ANT (1 = ANT itself)")
    ap.add_argument("--out", type=Path, required=True, help="JSON Lines file to write (never commit it)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--data-dir", default=None, help="folder holding the corpora (default $ARCLF_DATA)")
    args = ap.parse_args(argv)
    if args.scale < 1:
        ap.error("--scale must be >= 1")
    print(json.dumps(write_corpus(args.out, args.scale, args.seed, args.data_dir)))


if __name__ == "__main__":
    main()
