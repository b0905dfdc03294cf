"""Evaluate arclf's place tagger: python evaluate.py [--ant] > results.md

1. On the 200 annotated articles (annotations.csv, GUIDELINE.md): the coverage country against the
   annotators' primary country, precision and recall per country, and the kinds of errors.
2. With --ant: on ANT's two news sections, agreement of the coverage country's side (the Arab
   world, Iran, Israel and Turkey = ANT's middleEast; elsewhere = internationalNews) with the
   section, per outlet. Reads the corpora from ARCLF_DATA.
"""

import collections
import csv
import sys
from pathlib import Path

from arclf.corpus.cache import load_corpus_cached
from arclf.corpus.labels import region_at
from arclf.text.places import place_tagger

HERE = Path(__file__).resolve().parent


def texts_of(wanted: dict) -> dict:
    out = {}
    for corpus, ids in wanted.items():
        ds, _ = load_corpus_cached(corpus)
        for rec in ds.select_columns(["id", "title", "text"]):
            if rec["id"] in ids:
                out[rec["id"]] = rec
    return out


def annotated_set() -> list[str]:
    rows = list(csv.DictReader(open(HERE / "annotations.csv", encoding="utf-8")))
    wanted = collections.defaultdict(set)
    for r in rows:
        wanted[r["corpus"]].add(r["id"])
    recs = texts_of(wanted)
    tagger = place_tagger()
    tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
    kinds = collections.Counter()
    found_any, n_annotated = 0, 0
    for r in rows:
        gold_all = [] if r["countries"] == "none" else r["countries"].split("|")
        gold = gold_all[0] if gold_all else None
        rec = recs[r["id"]]
        res = tagger.tag(rec["text"], rec["title"])
        pred = res.country
        if gold_all:
            n_annotated += 1
            found_any += bool(set(gold_all) & set(res.mentions))
        if pred == gold:
            if gold:
                tp[gold] += 1
            kinds["right" if gold else "right: no country"] += 1
            continue
        if pred:
            fp[pred] += 1
        if gold:
            fn[gold] += 1
        if gold is None:
            kinds["country given, annotators saw none"] += 1
        elif pred is None:
            if gold not in res.mentions:
                kinds["no country: the covered one is " + ("implied, never named" if r["implied"] == "yes" else "named in forms the tagger lacks")] += 1
            else:
                kinds["no country: mentions below the threshold"] += 1
        elif pred in gold_all:
            kinds["a secondary covered country chosen"] += 1
        elif gold in res.mentions:
            kinds["another mentioned country outscored the covered one"] += 1
        else:
            kinds["covered country not found, another chosen"] += 1
    n = len(rows)
    right = sum(v for k, v in kinds.items() if k.startswith("right"))
    lines = [f"## Annotated set: {n} articles ({', '.join(f'{k} {v}' for k, v in collections.Counter(r['corpus'] for r in rows).items())})", "",
             f"Coverage country equal to the annotators' primary country (or both none): {right} / {n} = {right / n:.1%}.",
             f"Articles with a covered country: {n_annotated}; one of their covered countries among the tagger's mentions: "
             f"{found_any} ({found_any / max(n_annotated, 1):.1%}).", "",
             "| country | annotated | tagged | right | precision | recall |", "|---|---|---|---|---|---|"]
    countries = sorted(set(tp) | set(fp) | set(fn), key=lambda c: -(tp[c] + fn[c]))
    for c in countries:
        support, tagged = tp[c] + fn[c], tp[c] + fp[c]
        prec = f"{tp[c] / tagged:.2f}" if tagged else "—"
        rec = f"{tp[c] / support:.2f}" if support else "—"
        lines.append(f"| {c} | {support} | {tagged} | {tp[c]} | {prec} | {rec} |")
    all_tp, all_fp, all_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    lines.append(f"| **all (micro)** | {all_tp + all_fn} | {all_tp + all_fp} | {all_tp} | {all_tp / max(all_tp + all_fp, 1):.2f} | "
                 f"{all_tp / max(all_tp + all_fn, 1):.2f} |")
    lines += ["", "| outcome | articles |", "|---|---|"] + [f"| {k} | {v} |" for k, v in kinds.most_common()]
    return lines


def ant_agreement() -> list[str]:
    ds, _ = load_corpus_cached("ant")
    tagger = place_tagger()
    per = collections.defaultdict(collections.Counter)
    for rec in ds.select_columns(["source", "section", "title", "text"]):
        if rec["section"] not in ("middleEast", "internationalNews"):
            continue
        res = tagger.tag(rec["text"], rec["title"])
        key = per[rec["source"]]
        key["n"] += 1
        if res.country is None:
            key["no country"] += 1
            continue
        side = "middleEast" if region_at(res.country, "scope") == "arab_world" or res.country in ("IR", "IL", "TR") else "internationalNews"
        key["tagged"] += 1
        key["agree"] += side == rec["section"]
    lines = ["## Agreement with ANT's news sections", "",
             "Coverage country -> ANT's side (middleEast: the Arab world, Iran, Israel, Turkey); agreement among tagged articles.", "",
             "| outlet | articles | with a coverage country | agree with the section |", "|---|---|---|---|"]
    total = collections.Counter()
    for src, c in sorted(per.items()):
        total.update(c)
        lines.append(f"| {src} | {c['n']} | {c['tagged'] / c['n']:.1%} | {c['agree'] / max(c['tagged'], 1):.1%} |")
    lines.append(f"| **all** | {total['n']} | {total['tagged'] / total['n']:.1%} | {total['agree'] / max(total['tagged'], 1):.1%} |")
    return lines


if __name__ == "__main__":
    out = annotated_set()
    if "--ant" in sys.argv:
        out += [""] + ant_agreement()
    print("\n".join(out))
