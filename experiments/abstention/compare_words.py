"""Word-level nearest-neighbour similarity as the abstention signal (a check of the outlet-style explanation):
python compare_words.py SECTION...  (same protocol as compare_rules.py; results in results.md)"""
import numpy as np, sys
from sklearn.feature_extraction.text import TfidfVectorizer
from arclf.corpus.cache import load_corpus_cached
from arclf.text.normalize import normalize_text
from arclf.config import load_config
from arclf.models.pipeline import build_pipeline
ds,_ = load_corpus_cached("ant")
rows = ds.select_columns(["section","text","source"]).to_dict()
sec = np.array(rows["section"]); texts = np.array(rows["text"], dtype=object)
rng = np.random.default_rng(0)
cfg = load_config("/work/main/configs/ant-sections.yaml", ["classifier.calibration=none"])
for held in sys.argv[1:]:
    known = rng.permutation(np.flatnonzero(sec != held))[:12000]; unseen = rng.permutation(np.flatnonzero(sec == held))[:2000]
    tr, a, b = known[:8000], known[8000:10000], known[10000:]
    pipe = build_pipeline(cfg).fit(list(texts[tr]), sec[tr]); classes = pipe[-1].classes_
    vec = TfidfVectorizer(min_df=3, max_df=0.3, sublinear_tf=True, token_pattern=r"(?u)\b[^\W\d_]{3,}\b").fit([normalize_text(t) for t in texts[tr]])
    Wt = vec.transform([normalize_text(t) for t in texts[tr]])
    def sig(idx):
        d = pipe.decision_function(list(texts[idx])); top = d.argmax(1)
        W = vec.transform([normalize_text(t) for t in texts[idx]])
        sim = (W @ Wt.T).toarray(); sim.sort(axis=1)
        return top, {"wknn10": sim[:, -10:].mean(1), "wknn1": sim[:, -1]}
    ta, sa = sig(a); tb, sb = sig(b); tu, su = sig(unseen)
    out=[]
    for kind in sa:
        thr = {j: (np.quantile(sa[kind][(ta == j) & (sec[a] == c)], 0.05) if ((ta == j) & (sec[a] == c)).any() else -np.inf) for j, c in enumerate(classes)}
        lb = sb[kind] < np.array([thr[j] for j in tb]); lu = su[kind] < np.array([thr[j] for j in tu])
        rb = classes[tb] == sec[b]
        out.append(f"{kind}: unseen {lu.mean():.1%} in-domain {lb.mean():.1%} right-lost {(lb & rb).sum()/rb.sum():.1%}")
    print(held, " | ".join(out), flush=True)
