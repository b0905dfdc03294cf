"""Probe: featurize all of ANT with the hashed n-gram kernels and print where the time goes.

Not a test. Reads the ``<TEXT>`` of every article in the ANT zip (31,525 of them), then
times code-point packing, the n-gram kernel, the CSR build, ``HashedTfidf`` fit and
transform, the predict-side throughput on one core, and the cold start of a fresh
process (numba cache warm). Timings on a shared machine are rough: run it twice.

    python experiments/bench/featurize_probe.py [--zip PATH] [--limit N] [--analyzer char_wb]
"""

from __future__ import annotations

import argparse
import pickle
import re
import resource
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from arclf.features import kernels as _kernels  # noqa: E402
from arclf.features.hashing import HashingNgramVectorizer
from arclf.features.tfidf import HashedTfidf  # noqa: E402

_TEXT = re.compile(r"<TEXT>(.*?)</TEXT>", re.S)


def read_ant(path: Path, limit: int | None) -> list[str]:
    with zipfile.ZipFile(path) as z:
        names = sorted(n for n in z.namelist() if n.endswith(".txt"))[:limit]
        docs = []
        for name in names:
            match = _TEXT.search(z.read(name).decode("utf-8", "replace"))
            docs.append(match.group(1).strip() if match else "")
    return docs


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def timed(fn, *args, repeat=1, **kwargs):
    best, result = float("inf"), None
    for _ in range(repeat):
        result = None
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    return best, result


COLD = textwrap.dedent("""
    import sys, time
    t0 = time.perf_counter()
    sys.path.insert(0, {root!r})
    import numpy, scipy.sparse
    t1 = time.perf_counter()
    import sklearn.base
    t2 = time.perf_counter()
    from arclf.features.hashing import HashingNgramVectorizer
    from arclf.features.tfidf import HashedTfidf
    t3 = time.perf_counter()
    vec = HashingNgramVectorizer(analyzer={analyzer!r}, ngram_range={ngram_range!r}, n_features={n_features}).fit([])
    X = vec.transform([{doc!r}])
    t4 = time.perf_counter()
    {tfidf_step}
    t5 = time.perf_counter()
    import arclf.features.kernels as k
    print(f"numpy+scipy.sparse {{t1 - t0:.3f}}  sklearn.base {{t2 - t1:.3f}}  arclf.features.hashing {{t3 - t2:.3f}}  "
          f"first transform {{t4 - t3:.3f}}  first tfidf {{t5 - t4:.3f}}  numba loaded: {{k.compiled()}}")
""")


def cold_start(args, doc, tfidf_path, force_compiled):
    tfidf_step = (f"import pickle; tfidf = pickle.load(open({str(tfidf_path)!r}, 'rb')); tfidf.transform(X)")
    code = COLD.format(root=str(ROOT), analyzer=args.analyzer, ngram_range=tuple(args.ngram_range),
                       n_features=args.n_features, doc=doc, tfidf_step=tfidf_step)
    if force_compiled:  # load numba and the cached kernels even for one article
        code = code.replace("X = vec.transform(", "import arclf.features.kernels as k; k.KERNELS.compile(); X = vec.transform(")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, default=ROOT.parent / "shared" / "corpora" / "ant-multisource-v2.1.zip")
    parser.add_argument("--limit", type=int, default=None, help="first N articles only")
    parser.add_argument("--analyzer", default="char_wb", choices=["char_wb", "char", "word"])
    parser.add_argument("--ngram-range", type=int, nargs=2, default=(2, 5))
    parser.add_argument("--n-features", type=int, default=2**22)
    parser.add_argument("--min-df", type=int, default=2)
    args = parser.parse_args()

    import numba

    t0 = time.perf_counter()
    docs = read_ant(args.zip, args.limit)
    n_chars = sum(map(len, docs))
    print(f"read {len(docs)} articles, {n_chars / 1e6:.1f} M code points in {time.perf_counter() - t0:.1f} s; "
          f"rss {current_rss_mb():.0f} MB; numba threads {numba.get_num_threads()}")

    # warm up: load the cached kernels (compiles them if the cache is cold)
    t, _ = timed(lambda: HashingNgramVectorizer(analyzer=args.analyzer).fit([]).transform(docs[:2000]))
    _kernels.KERNELS.compile()
    small = HashingNgramVectorizer(analyzer=args.analyzer).fit([]).transform(docs[:2000])
    HashedTfidf(min_df=1).fit(small).transform(small)
    print(f"warm-up (kernel load or compile): {t:.2f} s")

    rss0 = current_rss_mb()
    for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
        numba.set_num_threads(threads)
        t_pack, (codes, offsets) = timed(_kernels.pack_documents, docs)
        stages = {}
        t_count, (indptr, indices, data) = timed(
            _kernels.ngram_counts, codes, offsets, analyzer=args.analyzer, ngram_range=tuple(args.ngram_range),
            n_features=args.n_features, timings=stages)
        print(f"[{threads} thread(s)] pack {t_pack:.2f} s | kernel (hash, sort, count) {stages['kernel']:.2f} s | "
              f"CSR build {stages['csr']:.2f} s | total {t_pack + t_count:.2f} s | nnz {len(indices):,} "
              f"({(indices.nbytes + data.nbytes) / 2**20:.0f} MB)")
        del codes, offsets, indptr, indices, data

    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    vec = HashingNgramVectorizer(analyzer=args.analyzer, ngram_range=tuple(args.ngram_range),
                                 n_features=args.n_features).fit(docs)
    t_vec, X = timed(vec.transform, docs)
    t_fit, tfidf = timed(HashedTfidf(min_df=args.min_df).fit, X)
    t_tr, Xt = timed(tfidf.transform, X)
    blob = pickle.dumps(tfidf)
    print(f"HashingNgramVectorizer.transform (all threads) {t_vec:.2f} s; HashedTfidf fit {t_fit:.2f} s, "
          f"transform {t_tr:.2f} s; kept columns {len(tfidf.columns_):,} of {args.n_features:,}; "
          f"tfidf nnz {Xt.nnz:,}; pickled HashedTfidf {len(blob) / 2**20:.2f} MB")
    print(f"rss now {current_rss_mb():.0f} MB (before featurizing {rss0:.0f} MB); peak rss {peak_rss_mb():.0f} MB")
    del X, Xt

    # predict side: raw text -> tf-idf rows on one core
    numba.set_num_threads(1)
    sample = docs[:5000]
    for batch in (5000, 100, 1):
        n = len(sample) if batch > 1 else 500

        def run():
            for i in range(0, n, batch):
                tfidf.transform(vec.transform(sample[i:i + batch]))

        t, _ = timed(run, repeat=3)
        print(f"predict-side transform, 1 thread, batches of {batch}: {n / t:,.0f} docs/s")

    # cold start of a fresh process, numba cache warm
    tfidf_path = Path("/tmp/arclf_probe_tfidf.pkl")
    tfidf_path.write_bytes(blob)
    doc = docs[0]
    for force in (False, True):
        cold_start(args, doc, tfidf_path, force)  # once to settle the OS file cache
        label = "numba kernels" if force else "default (pure Python for small input)"
        print(f"cold start, one article ({len(doc)} chars), {label}: {cold_start(args, doc, tfidf_path, force)}")
    tfidf_path.unlink()


if __name__ == "__main__":
    main()
