"""Which abstention signal separates unseen classes best? python compare_rules.py SECTION...

A quick comparison (not the shipped protocol): for each left-out ANT section, fit the default
pipeline (uncalibrated) on 8,000 random articles of the other five, fit per-class thresholds
(5 % of right answers) on 2,000 more and measure on another 2,000 in-domain and 2,000 unseen
articles, for four signals: softmax of the decision values, the top decision value (margin), the
mean cosine similarity to the 10 nearest training articles (knn10) and to the nearest (knn1).
Results of 2026-12-02 (2-core machine) are in results.md.
"""
import numpy as np, sys
from arclf.config import load_config
from arclf.corpus.cache import load_corpus_cached
from arclf.models.pipeline import build_pipeline
ds,_ = load_corpus_cached("ant")
rows = ds.select_columns(["section","text"]).to_dict()
sec = np.array(rows["section"]); texts = np.array(rows["text"], dtype=object)
rng = np.random.default_rng(0)
cfg = load_config("/work/main/configs/ant-sections.yaml", ["classifier.calibration=none"])
for held in sys.argv[1:]:
    known = np.flatnonzero(sec != held); unseen = np.flatnonzero(sec == held)
    known = rng.permutation(known)[:12000]; unseen = rng.permutation(unseen)[:2000]
    tr, a, b = known[:8000], known[8000:10000], known[10000:]
    pipe = build_pipeline(cfg).fit(list(texts[tr]), sec[tr])
    feats = pipe[:-1]; clf = pipe[-1]
    def parts(idx):
        X = feats.transform(list(texts[idx])); d = clf.decision_function(X)
        return X, d
    Xa, da = parts(a); Xb, db = parts(b); Xu, du = parts(unseen)
    classes = clf.classes_
    # centroids of training rows
    Xt = feats.transform(list(texts[tr]))
    cent = np.vstack([np.asarray(Xt[sec[tr]==c].mean(axis=0)).ravel() for c in classes])
    cent /= np.linalg.norm(cent, axis=1, keepdims=True)
    def scores(X, d):
        top = d.argmax(1); margin = d.max(1)
        z = d - d.max(1, keepdims=True); p = np.exp(z); p /= p.sum(1, keepdims=True)
        sim = (X @ Xt.T).toarray()
        sim.sort(axis=1)
        knn = sim[:, -10:].mean(1)
        # kNN among training rows of the predicted class only
        return top, {"softmax": p.max(1), "margin": margin, "knn10": knn, "knn1": sim[:, -1]}
    ta, sa = scores(Xa, da); tb, sb = scores(Xb, db); tu, su = scores(Xu, du)
    ya, yb = sec[a], sec[b]
    out = []
    for kind in sa:
        thr = {}
        for j, c in enumerate(classes):
            right = (ta == j) & (ya == c)
            thr[j] = np.quantile(sa[kind][right], 0.05) if right.any() else -np.inf
        lim_b = np.array([thr[j] for j in tb]); lim_u = np.array([thr[j] for j in tu])
        lost_b = sb[kind] < lim_b; ab_u = su[kind] < lim_u
        rightb = classes[tb] == yb
        out.append(f"{kind}: unseen {ab_u.mean():.1%} in-domain {lost_b.mean():.1%} right-lost {(lost_b & rightb).sum()/rightb.sum():.1%}")
    print(held, " | ".join(out), flush=True)
