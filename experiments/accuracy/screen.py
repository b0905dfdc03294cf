"""Screen accuracy levers on the benchmark split's TRAINING rows only (issue 12, section 2).

    python experiments/accuracy/screen.py --data-dir ../shared/corpora [--stage inner|outer] [--only NAME ...]

The benchmark split of experiments/bench/benchmark.py (ANT sections, grouped stratified 80/20,
seed 13) is rebuilt here; its 20 % test rows are never read in the ``inner`` stage. There, the
80 % training rows are split once more the same way (grouped, stratified, first of 5 folds,
seed 13): about 20,000 inner-training / 5,000 inner-validation articles. Each lever is scored by
macro-F1 on the inner-validation rows; ``--stage outer`` then fits the named variants on all
training rows and scores the 20 % test rows (run only for the variants chosen on the inner stage).

Featurization is arclf's own (normalizer + hashed n-grams), computed once per block and cached as
``.npz`` under $ARCLF_CACHE/screen (counts, no text). TF-IDF and the classifier are fitted on
training rows only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "experiments" / "bench"))


def load(data_dir, seed=13):
    from sklearn.model_selection import StratifiedGroupKFold

    from arclf.config import CorpusSpec
    from arclf.corpus import load_corpora
    from arclf.evaluation.duplicates import exact_duplicate_groups

    ds, _ = load_corpora([CorpusSpec(name="ant")], data_dir=data_dir)
    texts, y = ds["text"], np.asarray(ds["section"], dtype=object)
    keep = np.flatnonzero([bool(t and t.strip()) for t in texts])
    titles = [ds["title"][i] or "" for i in keep]
    texts, y = [texts[i] for i in keep], y[keep]
    groups = exact_duplicate_groups(texts)
    train, test = next(StratifiedGroupKFold(5, shuffle=True, random_state=seed).split(texts, y, groups))
    itr, iva = next(StratifiedGroupKFold(5, shuffle=True, random_state=seed).split(train, y[train], groups[train]))
    return {"texts": texts, "titles": titles, "y": y, "groups": groups, "train": train, "test": test,
            "inner_train": train[itr], "inner_valid": train[iva]}


BLOCKS = {  # name -> (source, analyzer, ngram_range)
    "cwb25": ("text", "char_wb", (2, 5)),
    "cwb26": ("text", "char_wb", (2, 6)),
    "cwb16": ("text", "char_wb", (1, 6)),
    "c15": ("text", "char", (1, 5)),
    "w12": ("text", "word", (1, 2)),
    "w13": ("text", "word", (1, 3)),
    "t25": ("title", "char_wb", (2, 5)),
    "tw12": ("title", "word", (1, 2)),
    "h25": ("headline", "char_wb", (2, 5)),  # the text's first line, as arclf's features.headline reads it
}


def counts(name, data, cache: Path):
    path = cache / f"{name}.npz"
    if path.exists():
        return sp.load_npz(path)
    from arclf.features.hashing import HashingNgramVectorizer
    from arclf.features.normalizer import ArabicNormalizer

    src, analyzer, rng = BLOCKS[name]
    source = {"text": data["texts"], "title": data["titles"], "headline": [t.split("\n", 1)[0] for t in data["texts"]]}
    docs = ArabicNormalizer().fit_transform(source[src])
    X = HashingNgramVectorizer(analyzer=analyzer, ngram_range=rng, n_features=2**22).fit_transform(docs)
    X = sp.csr_matrix(X, dtype=np.float32)
    sp.save_npz(path, X, compressed=False)
    return X


def tfidf(X, tr, te, min_df=2):
    from arclf.features.tfidf import HashedTfidf

    t = HashedTfidf(min_df=min_df, sublinear_tf=True).fit(X[tr])
    return t.transform(X[tr]), t.transform(X[te])


def svm(Xtr, ytr, Xte, C=0.5, class_weight=None):
    if class_weight:
        from sklearn.svm import LinearSVC

        clf = LinearSVC(C=C, class_weight=class_weight).fit(Xtr, ytr)
    else:
        from arclf.models.solver import LinearSVM

        clf = LinearSVM(C=C, max_iter=1000).fit(Xtr, ytr)
    return clf.classes_, clf.decision_function(Xte)


def nbsvm(Xtr, ytr, Xte, C=0.5, alpha=1.0, binarize=True):
    """Wang & Manning (2012) NB-SVM: per class, features scaled by the log-count ratio r_c, binary SVM."""
    from arclf.models.solver import LinearSVM

    classes = np.unique(ytr)
    F = Xtr.copy()
    if binarize:
        F.data[:] = 1
    scores = np.zeros((Xte.shape[0], len(classes)))
    for j, c in enumerate(classes):
        pos = ytr == c
        p = alpha + np.asarray(F[pos].sum(axis=0)).ravel()
        q = alpha + np.asarray(F[~pos].sum(axis=0)).ravel()
        r = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
        D = sp.diags(r)
        clf = LinearSVM(C=C, max_iter=1000).fit(Xtr @ D, pos.astype(int))
        scores[:, j] = clf.decision_function(Xte @ D)
    return classes, scores


def weighted_union(blocks, tr, te, weights, min_df=2):
    parts_tr, parts_te = [], []
    for X, w in zip(blocks, weights):
        a, b = tfidf(X, tr, te, min_df)
        parts_tr.append(a * w)
        parts_te.append(b * w)
    Xtr, Xte = sp.hstack(parts_tr, format="csr"), sp.hstack(parts_te, format="csr")
    n = np.sqrt(np.asarray(Xtr.multiply(Xtr).sum(axis=1)).ravel()); Xtr = sp.diags(1 / np.maximum(n, 1e-12)) @ Xtr
    n = np.sqrt(np.asarray(Xte.multiply(Xte).sum(axis=1)).ravel()); Xte = sp.diags(1 / np.maximum(n, 1e-12)) @ Xte
    return Xtr.astype(np.float32).tocsr(), Xte.astype(np.float32).tocsr()


def softmax(s):
    s = s - s.max(axis=1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=1, keepdims=True)


class _Variants(dict):
    texts: list = []


def variants():
    """name -> function(get, tr, te, ytr) returning (classes, scores)."""
    V = _Variants()

    def single(block, C=0.5, cw=None):
        return lambda get, tr, te, ytr: svm(*_pair(tfidf(get(block), tr, te), ytr), C=C, class_weight=cw)

    def _pair(p, ytr):
        return p[0], ytr, p[1]

    for C in (0.25, 0.5, 1.0):
        V[f"cwb25 C={C}"] = single("cwb25", C)
    V["cwb25 balanced"] = single("cwb25", 0.5, "balanced")
    V["cwb26 C=0.5"] = single("cwb26")
    V["cwb16 C=0.5"] = single("cwb16")
    V["c15 C=0.5"] = single("c15")
    V["w12 C=0.5"] = single("w12")
    V["w13 C=0.5"] = single("w13")

    def union(names, weights, C=0.5):
        def f(get, tr, te, ytr):
            Xtr, Xte = weighted_union([get(n) for n in names], tr, te, weights)
            return svm(Xtr, ytr, Xte, C=C)
        return f

    for w in (1.0, 0.7, 0.5):
        V[f"cwb25+w12 w={w}"] = union(["cwb25", "w12"], [1.0, w])
    V["cwb25+w12 w=0.7 C=1"] = union(["cwb25", "w12"], [1.0, 0.7], C=1.0)
    V["cwb25+t25 w=0.5"] = union(["cwb25", "t25"], [1.0, 0.5])
    V["cwb25+t25 w=0.3"] = union(["cwb25", "t25"], [1.0, 0.3])
    V["cwb25+w12+t25 1/.7/.4"] = union(["cwb25", "w12", "t25"], [1.0, 0.7, 0.4])

    def nb(block, C, binarize=True):
        return lambda get, tr, te, ytr: nbsvm(*_pair(tfidf(get(block), tr, te), ytr), C=C, binarize=binarize)

    V["nbsvm cwb25 C=0.5"] = nb("cwb25", 0.5)
    V["nbsvm cwb25 C=0.1"] = nb("cwb25", 0.1)

    def nb_union(names, weights, C):
        def f(get, tr, te, ytr):
            Xtr, Xte = weighted_union([get(n) for n in names], tr, te, weights)
            return nbsvm(Xtr, ytr, Xte, C=C)
        return f

    V["nbsvm cwb25+w12 w=.7 C=0.1"] = nb_union(["cwb25", "w12"], [1.0, 0.7], 0.1)
    V["nbsvm cwb25+t25 w=.5 C=0.5"] = nb_union(["cwb25", "t25"], [1.0, 0.5], 0.5)

    def avg(a, b, C=0.5):
        def f(get, tr, te, ytr):
            ca, sa = svm(*_pair(tfidf(get(a), tr, te), ytr), C=C)
            cb, sb = svm(*_pair(tfidf(get(b), tr, te), ytr), C=C)
            return ca, softmax(3 * sa) + softmax(3 * sb)
        return f

    V["avg(cwb25, w12)"] = avg("cwb25", "w12")

    def idf_union(names, weights, C=0.5):
        """Blocks side by side, each block's idf multiplied by its weight, one L2 norm per row (arclf's union)."""
        def f(get, tr, te, ytr):
            from arclf.features.tfidf import HashedTfidf

            X = sp.hstack([get(n) for n in names], format="csr")
            t = HashedTfidf(min_df=2, sublinear_tf=True).fit(X[tr])
            block = t.columns_ // 2**22
            t.idf_ = (t.idf_ * np.asarray(weights, dtype=np.float32)[block]).astype(np.float32)
            return svm(t.transform(X[tr]), ytr, t.transform(X[te]), C=C)
        return f

    for w in (1.0, 0.7, 0.5):
        V[f"idf-union cwb25+w12 w={w}"] = idf_union(["cwb25", "w12"], [1.0, w])
    V["idf-union cwb25+t25 w=0.5"] = idf_union(["cwb25", "t25"], [1.0, 0.5])
    V["cwb25+h25 w=0.5"] = union(["cwb25", "h25"], [1.0, 0.5])
    for w in (0.5, 1.0, 1.5, 2.0, 3.0):
        V[f"idf-union cwb25+h25 w={w}"] = idf_union(["cwb25", "h25"], [1.0, w])

    def sklearn_reference(get, tr, te, ytr):
        """The benchmark's scikit-learn row: TfidfVectorizer(char_wb, 2-5, min_df 2, sublinear) + LinearSVC() on raw text."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        texts = V.texts
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
        clf = LinearSVC().fit(vec.fit_transform([texts[i] for i in tr]), ytr)
        return clf.classes_, clf.decision_function(vec.transform([texts[i] for i in te]))

    V["sklearn reference"] = sklearn_reference
    return V


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=os.environ.get("ARCLF_DATA"))
    ap.add_argument("--stage", choices=["inner", "outer"], default="inner")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--out", type=Path, default=ROOT / "experiments" / "accuracy" / "screen.jsonl")
    opts = ap.parse_args(argv)
    from sklearn.metrics import f1_score

    cache = Path(os.environ.get("ARCLF_CACHE", "/tmp")) / "screen"
    cache.mkdir(parents=True, exist_ok=True)
    data = load(opts.data_dir)
    tr, te = (data["inner_train"], data["inner_valid"]) if opts.stage == "inner" else (data["train"], data["test"])
    y = data["y"]
    print(f"{opts.stage}: {len(tr)} train / {len(te)} scored rows", file=sys.stderr)
    mats = {}

    def get(name):
        if name not in mats:
            mats[name] = counts(name, data, cache)
        return mats[name]

    V = variants()
    V.texts = data["texts"]
    for name in opts.only or V:
        t0 = time.perf_counter()
        classes, scores = V[name](get, tr, te, y[tr])
        pred = np.asarray(classes, dtype=object)[np.asarray(scores).argmax(axis=1)]
        f1 = f1_score(y[te], pred, average="macro")
        acc = float(np.mean(pred == y[te]))
        rec = {"stage": opts.stage, "variant": name, "macro_f1": round(float(f1), 4), "accuracy": round(acc, 4),
               "seconds": round(time.perf_counter() - t0, 1), "load_1min": round(os.getloadavg()[0], 2),
               "n_train": len(tr), "n_scored": len(te)}
        print(json.dumps(rec), flush=True)
        with open(opts.out, "a") as f:
            f.write(json.dumps(rec) + "\n")
        if opts.stage == "outer":
            np.save(cache / f"pred-{name.replace(' ', '_').replace('/', '-')}.npy", pred.astype(str))


if __name__ == "__main__":
    main()
