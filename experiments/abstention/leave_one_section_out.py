"""Does a model say `unknown` for a class it never saw? python leave_one_section_out.py [SAMPLE [SECTION...]] > results.md

For each of ANT's six sections: train `configs/ant-sections.yaml` without that section (5-fold CV,
`abstain: 0.05, abstain_by: novelty`, a stratified sample of SAMPLE articles, default 12000, of the
other five), then predict every article of the left-out section with the bundle. One training run
gives both rules, so they are compared on the same model:

- probability: per-class thresholds on the top calibrated probability (the rule of `abstain_by: probability`);
- novelty: a detector of unseen classes fitted on simulated ones (`abstain_by: novelty`, arclf.evaluation.novelty).

Reported per section and rule:

- unseen abstained: share of the left-out section's articles that get `unknown` (the goal: high);
- in-domain abstained / right answers lost: the same rule's cost on the five known sections,
  measured on out-of-fold predictions with thresholds fitted on the other folds (the goal: low).

At most MAX_UNSEEN (3,000) articles of the left-out section are predicted, drawn at random (seed 13).
SECTION... runs only those sections (to run them in parallel processes). Reads the corpora from
ARCLF_DATA; writes nothing but stdout.
"""

import sys
import time
from pathlib import Path

import numpy as np

import arclf
from arclf.config import load_config
from arclf.corpus.cache import load_corpus_cached
from arclf.evaluation.abstention import abstains
from arclf.evaluation.novelty import novel

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ["culture", "economy", "internationalNews", "middleEast", "sport", "technology"]
MAX_UNSEEN = 3000

if __name__ == "__main__":
    sample = int(sys.argv[1]) if len(sys.argv) > 1 else 12000
    sections = sys.argv[2:] or SECTIONS
    ds, _ = load_corpus_cached("ant")
    rows = ds.select_columns(["id", "section", "text"]).to_dict()
    print(f"ANT, {sample} training articles per run (stratified sample of the five known sections), 5-fold CV, "
          f"abstain: 0.05, seed 13.\n")
    print("| section left out | rule | unseen articles | unseen abstained | in-domain abstained | right answers lost "
          "| in-domain accuracy when answered | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for held in sections:
        start = time.perf_counter()
        known = [s for s in SECTIONS if s != held]
        cfg = load_config(ROOT / "configs" / "ant-sections.yaml", [
            f"data={{corpora: [{{name: ant, where: {{section: [{', '.join(known)}]}}}}], sample: {sample}}}",
            "tasks=[{name: section, abstain: 0.05, abstain_by: novelty}]", "cache=false"])
        result = arclf.train(cfg, save=False)
        ab = result.metrics["tasks"]["section"]["abstention"]
        texts = [t for t, s in zip(rows["text"], rows["section"]) if s == held and len(t.strip()) >= cfg.data.min_chars]
        n_unseen = len(texts)
        pick = np.sort(np.random.default_rng(13).permutation(len(texts))[:MAX_UNSEEN])
        texts = [texts[i] for i in pick]
        classes, proba, decision = result.bundle.predict_scores(texts, ["section"])["section"]
        unseen = {"probability": abstains(classes, proba, ab["thresholds"]).mean(),
                  "novelty": novel(classes, decision, ab["novelty"]["detector"], ab["novelty"]["thresholds"]).mean()}
        seconds = time.perf_counter() - start
        for rule, cost in (("probability", ab["probability_rule"]), ("novelty", ab)):
            print(f"| {held} | {rule} | {n_unseen} ({len(texts)} scored) | {unseen[rule]:.1%} | {cost['abstained']:.1%} "
                  f"| {cost['right_answers_lost']:.1%} | {cost['accuracy_when_answered']:.1%} | {seconds:.0f} |", flush=True)
