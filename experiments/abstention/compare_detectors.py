"""Which novelty detector says `unknown` for a section the model never saw? python compare_detectors.py [SECTION...]

A quick comparison (not the shipped protocol, see leave_one_section_out.py). For each left-out
ANT section: the default char n-gram pipeline (uncalibrated linear SVM) is fitted on 8,000 random
articles of the other five; thresholds are set on 2,000 more in-domain articles so that 5 % of
their right answers are given up, and measured on another 2,000 in-domain articles and up to
2,000 articles of the left-out section. Detectors (higher = more novel):

- ``softmax``: 1 - top softmax probability of the decision values, one threshold per predicted class
  (the shipped rule's signal);
- ``energy``: minus the log-sum-exp of the decision values (Liu et al. 2020, "Energy-based
  out-of-distribution detection");
- ``ovr``: minus the top one-vs-rest decision value (open-set: no class claims the article);
- ``svd_resid``: share of the article's word TF-IDF outside the training articles' top 200
  TruncatedSVD components (reconstruction error: vocabulary the model never saw);
- ``maha``: smallest class-conditional Mahalanobis distance (shared covariance) in that SVD space
  (Lee et al. 2018);
- ``loco``: a logistic regression over all of the above, trained on simulated novelty: on half
  of the training rows, for each known class c, a model fitted without c scores the other half,
  whose class-c rows are the "unseen" examples.

Word TF-IDF: words of 3+ letters after normalization, max_df 0.3 (drops function words and
outlet boilerplate), min_df 3. Writes a markdown table to stdout.
"""

import sys
import time

import numpy as np
from scipy.special import logsumexp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from arclf.config import parse_config
from arclf.corpus.cache import load_corpus_cached
from arclf.features.normalizer import ArabicNormalizer
from arclf.models.pipeline import build_featurizer, build_head

SECTIONS = ["culture", "economy", "internationalNews", "middleEast", "sport", "technology"]
CFG = parse_config({"seed": 13, "data": {"name": "ant"}, "tasks": [{"name": "section"}],
                    "classifier": {"calibration": "none"}})
LOSS = 0.05


def word_space():
    """Word TF-IDF vectorizer settings: 3+ letter words, function words and boilerplate dropped by max_df."""
    return TfidfVectorizer(token_pattern=r"(?u)\b\w\w\w+\b", min_df=3, max_df=0.3, sublinear_tf=True, dtype=np.float32)


class Scorer:
    """A char n-gram linear SVM plus a word SVD space, fitted on some rows; ``features(rows)`` -> dict of arrays."""

    def __init__(self, Xc, Xw_texts, y, rows, k=200):
        self.head = build_head(CFG).fit(Xc[rows], y[rows])
        self.vec = word_space().fit([Xw_texts[i] for i in rows])
        W = self.vec.transform([Xw_texts[i] for i in rows])
        self.svd = TruncatedSVD(k, random_state=0).fit(W)
        Z = self.svd.transform(W)
        self.classes = np.unique(y[rows])
        self.mu = np.vstack([Z[y[rows] == c].mean(0) for c in self.classes])
        R = Z - self.mu[np.searchsorted(self.classes, y[rows])]
        cov = R.T @ R / len(R) + 1e-6 * np.eye(k)
        self.prec = np.linalg.inv(cov)

    def features(self, Xc, Xw_texts, rows):
        d = self.head.decision_function(Xc[rows])
        p = np.exp(d - d.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        top2 = np.sort(d, 1)[:, -2:]
        W = self.vec.transform([Xw_texts[i] for i in rows])
        Z = self.svd.transform(W)
        norm2 = np.asarray(W.multiply(W).sum(1)).ravel()
        resid = 1 - (Z ** 2).sum(1) / np.maximum(norm2, 1e-12)
        diff = Z[:, None, :] - self.mu[None]
        maha = np.einsum("nkd,de,nke->nk", diff, self.prec, diff).min(1)
        return {"pred": d.argmax(1), "softmax": 1 - p.max(1), "energy": -logsumexp(d, axis=1), "ovr": -d.max(1),
                "margin": -(top2[:, 1] - top2[:, 0]), "entropy": -(p * np.log(p + 1e-12)).sum(1),
                "svd_resid": resid, "maha": np.log(maha + 1e-9), "words": np.log1p(W.getnnz(1))}


LOCO_INPUTS = ["softmax", "energy", "ovr", "margin", "entropy", "svd_resid", "maha", "words"]


def per_class_thresholds(score, pred, right, n_classes):
    """Per predicted class: the (1 - LOSS) quantile of the right answers' novelty score."""
    return np.array([np.quantile(score[(pred == j) & right], 1 - LOSS) if ((pred == j) & right).any() else np.inf
                     for j in range(n_classes)])


def main(held_out):
    ds, _ = load_corpus_cached("ant")
    cols = ds.select_columns(["section", "text"]).to_dict()
    sec = np.array(cols["section"])
    rng = np.random.default_rng(0)
    print("| left out | detector | unseen abstained | in-domain abstained | right answers lost |")
    print("|---|---|---|---|---|")
    for held in held_out:
        t0 = time.perf_counter()
        known = rng.permutation(np.flatnonzero(sec != held))[:12000]
        unseen = rng.permutation(np.flatnonzero(sec == held))[:2000]
        idx = np.concatenate([known, unseen])
        texts = [cols["text"][i] for i in idx]
        Xc = build_featurizer(CFG).fit([""]).transform(texts).astype(np.float32).tocsr()
        norm = list(ArabicNormalizer().fit([""]).transform(texts))
        y = sec[idx]
        tr, cal, te, un = np.arange(8000), np.arange(8000, 10000), np.arange(10000, 12000), np.arange(12000, len(idx))
        full = Scorer(Xc, norm, y, tr)
        F = {name: full.features(Xc, norm, rows) for name, rows in (("cal", cal), ("te", te), ("un", un))}
        # simulated novelty: half A fits a model without class c, half B's rows are scored
        A, B = tr[:4000], tr[4000:]
        sims, labels = [], []
        for c in np.unique(y[tr]):
            s = Scorer(Xc, norm, y, A[y[A] != c])
            f = s.features(Xc, norm, B)
            sims.append(np.column_stack([f[k] for k in LOCO_INPUTS]))
            labels.append(y[B] == c)
        Xs, ys = np.vstack(sims), np.concatenate(labels)
        scaler = StandardScaler().fit(Xs)
        det = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(Xs), ys)
        for name in F:
            F[name]["loco"] = det.decision_function(scaler.transform(np.column_stack([F[name][k] for k in LOCO_INPUTS])))
        classes = full.classes
        right = {n: classes[F[n]["pred"]] == y[r] for n, r in (("cal", cal), ("te", te))}
        for kind in ["softmax", "energy", "ovr", "margin", "svd_resid", "maha", "loco"]:
            for scope in ("per-class", "global"):
                if scope == "per-class":
                    thr = per_class_thresholds(F["cal"][kind], F["cal"]["pred"], right["cal"], len(classes))
                    lim_te, lim_un = thr[F["te"]["pred"]], thr[F["un"]["pred"]]
                else:
                    lim_te = lim_un = np.quantile(F["cal"][kind][right["cal"]], 1 - LOSS)
                ab_te, ab_un = F["te"][kind] > lim_te, F["un"][kind] > lim_un
                lost = (ab_te & right["te"]).sum() / right["te"].sum()
                print(f"| {held} | {kind} ({scope}) | {ab_un.mean():.1%} | {ab_te.mean():.1%} | {lost:.1%} |", flush=True)
        print(f"<!-- {held}: {time.perf_counter() - t0:.0f} s; loco weights "
              f"{dict(zip(LOCO_INPUTS, np.round(det.coef_[0], 2)))} -->", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or SECTIONS)
