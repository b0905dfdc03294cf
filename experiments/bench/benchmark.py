"""Issue 5's benchmark: arclf against scikit-learn and fastText, on one split of ANT, in one run.

    python experiments/bench/benchmark.py --data-dir ../shared/corpora [--limit N] [--repeats 3]
        [--fasttext-autotune-seconds 300] [--out experiments/bench/results.json]

One stratified 80/20 split of ANT's sections (seeded), with exact duplicates grouped so that no
copy of a test article is in training (:func:`arclf.evaluation.duplicates.exact_duplicate_groups` and the first
fold of ``StratifiedGroupKFold(5)``). Every system then fits on the training rows and predicts
the test rows in a process of its own, so that imports, compiled code and memory are not
shared:

``arclf``             ``build_pipeline`` of ``configs/ant-sections.yaml``, ``classifier.calibration=none``
``arclf no title``    the same with ``features.title_weight=0``: the default before issue 12
``arclf calibrated``  the same with its default calibrated probabilities (what ``arclf train`` ships)
``sklearn``           ``TfidfVectorizer(analyzer='char_wb', ngram_range=(2, 5), min_df=2,
                      sublinear_tf=True)`` + ``LinearSVC()``: the reference pipeline of the issue
``fastText``          ``fasttext.train_supervised`` with its defaults
``fastText thread=10`` the same on 10 threads: only then are all its embeddings initialized
                      (see :data:`FULL_INIT_THREADS`)
``fastText autotuned`` its own ``autotuneValidationFile`` search for a fixed time budget (10 threads)

and, for the hashing check, ``vocab``: arclf's normalizer + scikit-learn's ``TfidfVectorizer``
vocabulary + arclf's ``LinearSVM`` (the arclf pipeline with hashing replaced by a vocabulary).

Figures: fit seconds (wall clock, each system's default number of threads), predict
articles/s on one core (one batch: the whole test set; numba, BLAS and OpenMP held to one
thread; CPU time checked), peak RSS (the process's ``VmHWM``), model size (``joblib.dump``
with ``compress=3``; fastText's own ``.bin``). Predicting is timed ``--repeats`` times in
each process (median). A system whose first fit takes under a minute is run in
``--repeats`` processes and the table shows medians; longer fits (sklearn, the autotune
budget) run once.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "ant-sections.yaml"
SYSTEMS = ("arclf", "arclf no title", "arclf calibrated", "sklearn", "fastText", "fastText thread=10", "fastText autotuned", "vocab")
SINGLE_RUN = {"fastText autotuned"}  # its fit time is the budget we give it: not a speed figure
LONG_FIT_SECONDS = 60.0
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: fastText 0.9.3 (the PyPI source; fasttext-numpy2 too) draws the random initial input embeddings in ten
#: blocks, one per training thread (``DenseMatrix::uniform``): with fewer than 10 threads only
#: the first ``thread`` tenths of the rows (the most frequent words) get random values, the others
#: start at zero. Its default ``thread = cpu_count() - 1`` is 1 on a 2-core machine.
FULL_INIT_THREADS = 10


# --------------------------------------------------------------------------- measuring


def cpu_seconds() -> float:
    """User + system CPU time of this process, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(fn, *args, **kwargs):
    """Run ``fn`` once; return ``(wall seconds, CPU seconds, result)``."""
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, cpu_seconds() - cpu0, result


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB.

    ``VmHWM`` rather than ``getrusage(RUSAGE_SELF).ru_maxrss``: on Linux a process started by
    fork + exec inherits its parent's ``ru_maxrss``, so every child of a parent holding the
    corpus would report at least the parent's size.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_predict(predict, texts, repeats: int) -> dict:
    """Median wall and CPU seconds of ``predict(texts)`` over ``repeats`` calls, and its last result."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu, pred = measure(predict, texts)
        walls.append(wall)
        cpus.append(cpu)
    return {"predict_s": statistics.median(walls), "predict_cpu_s": statistics.median(cpus), "y_pred": [str(p) for p in pred]}


def file_mb(path: Path) -> float:
    return path.stat().st_size / 2**20


# --------------------------------------------------------------------------- the systems
# Each takes the split, a scratch folder and the options, fits on the training rows and
# predicts the test rows; it returns fit/predict times, predictions and the model size.


def _arclf_config(calibrated: bool, overrides=()):
    from arclf.config import load_config

    return load_config(CONFIG, [*([] if calibrated else ["classifier.calibration=none"]), *overrides])


def _fit_predict_pipeline(pipe, data, work: Path, opts) -> dict:
    import joblib

    fit_s, fit_cpu_s, _ = measure(pipe.fit, data["train_texts"], data["train_y"])
    import numba  # loaded by arclf's kernels during fit

    numba.set_num_threads(1)  # predict on one core
    out = {"fit_s": fit_s, "fit_cpu_s": fit_cpu_s, **time_predict(pipe.predict, data["test_texts"], opts.repeats)}
    joblib.dump(pipe, work / "model.joblib", compress=3)
    out["model_mb"] = file_mb(work / "model.joblib")
    return out


def run_arclf(data, work: Path, opts, *, calibrated=False, overrides=()) -> dict:
    """arclf's four-step pipeline (normalize, hashed char n-grams and the title block, TF-IDF, LinearSVM)."""
    from arclf.models.pipeline import build_pipeline

    pipe = build_pipeline(_arclf_config(calibrated, overrides))
    out = _fit_predict_pipeline(pipe, data, work, opts)
    out["n_features"] = len(pipe.named_steps["tfidf"].columns_)
    return out


def run_arclf_no_title(data, work: Path, opts) -> dict:
    """arclf's default before issue 12 (no title block): ``features.title_weight=0``."""
    return run_arclf(data, work, opts, overrides=["features.title_weight=0"])


def run_arclf_calibrated(data, work: Path, opts) -> dict:
    """arclf with its default probability calibration (3 inner folds + the final fit)."""
    return run_arclf(data, work, opts, calibrated=True)


def run_sklearn(data, work: Path, opts) -> dict:
    """The issue's reference: TfidfVectorizer(char_wb 2-5, min_df=2, sublinear) + LinearSVC()."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    pipe = Pipeline([("tfidf", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)),
                     ("clf", LinearSVC())])
    out = _fit_predict_pipeline(pipe, data, work, opts)
    out["n_features"] = len(pipe.named_steps["tfidf"].vocabulary_)
    return out


def run_vocab(data, work: Path, opts) -> dict:
    """arclf's pipeline with the hashing replaced by scikit-learn's vocabulary (the hashing check)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline

    from arclf.features.normalizer import ArabicNormalizer
    from arclf.models.solver import LinearSVM

    cfg = _arclf_config(calibrated=False)
    feats, spec = cfg.features, cfg.classifier
    tfidf = TfidfVectorizer(analyzer=feats.char.analyzer, ngram_range=tuple(feats.char.ngram_range), min_df=feats.min_df,
                            max_df=feats.max_df, sublinear_tf=feats.sublinear_tf, lowercase=False, dtype=np.float32)
    pipe = Pipeline([("normalize", ArabicNormalizer(**cfg.normalize.model_dump())), ("tfidf", tfidf),
                     ("clf", LinearSVM(C=spec.C, tol=spec.tol, max_iter=spec.max_iter, random_state=cfg.seed))])
    out = _fit_predict_pipeline(pipe, data, work, opts)
    out["n_features"] = len(tfidf.vocabulary_)
    out["hash_columns_of_vocabulary"] = distinct_hash_columns(list(tfidf.vocabulary_), feats.n_features)
    return out


def distinct_hash_columns(ngrams: list[str], n_features: int) -> int:
    """How many distinct columns arclf's hash gives these n-grams (vectorized ``arclf.features.kernels.hash_ngram``)."""
    from arclf.features.kernels import hash_ngram

    width = max(map(len, ngrams))
    codes = np.zeros((len(ngrams), width), dtype=np.uint64)
    lengths = np.fromiter(map(len, ngrams), dtype=np.int64, count=len(ngrams))
    for i, g in enumerate(ngrams):
        codes[i, :len(g)] = [ord(c) for c in g]
    h = np.full(len(ngrams), 0xCBF29CE484222325, dtype=np.uint64)  # FNV-1a per code point, then fmix64
    for j in range(width):
        step = (h ^ codes[:, j]) * np.uint64(0x100000001B3)
        h = np.where(lengths > j, step, h)
    for mult in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53):
        h ^= h >> np.uint64(33)
        h *= np.uint64(mult)
    h ^= h >> np.uint64(33)
    cols = h % np.uint64(n_features)
    sample = range(0, len(ngrams), max(1, len(ngrams) // 200))
    if any(int(cols[i]) != hash_ngram(ngrams[i], n_features) for i in sample):
        raise RuntimeError("vectorized hash disagrees with arclf.features.kernels.hash_ngram")
    return len(np.unique(cols))


def _fasttext_lines(texts) -> list[str]:
    # fastText reads one example per line: newlines inside an article become spaces
    return [t.replace("\n", " ") for t in texts]


def _fasttext_fit_predict(data, work: Path, opts, **train_args) -> dict:
    import fasttext

    def predict(texts):
        labels, _ = model.predict(_fasttext_lines(texts), k=1)
        return [lab[0].removeprefix("__label__") for lab in labels]

    fit_s, fit_cpu_s, model = measure(fasttext.train_supervised, verbose=0, **train_args)
    out = {"fit_s": fit_s, "fit_cpu_s": fit_cpu_s, **time_predict(predict, data["test_texts"], opts.repeats)}
    # NumPy 2 check: accuracy from predict() must equal model.test()'s precision@1 on the same rows
    test_file = work / "test.txt"
    write_fasttext_file(test_file, data["test_texts"], data["test_y"])
    n, p_at_1, _ = model.test(str(test_file))
    acc = float(np.mean(np.asarray(out["y_pred"]) == np.asarray(data["test_y"])))
    out["numpy2_check"] = {"predict_accuracy": acc, "test_precision_at_1": p_at_1, "n": n,
                           "agree": bool(n == len(data["test_y"]) and abs(acc - p_at_1) < 1e-9)}
    model.save_model(str(work / "model.bin"))
    out["model_mb"] = file_mb(work / "model.bin")
    args = model.f.getArgs()
    out["args"] = {k: getattr(args, k) for k in ("lr", "dim", "ws", "epoch", "minCount", "wordNgrams", "minn", "maxn",
                                                  "bucket", "neg", "thread", "dsub", "qout", "qnorm", "cutoff")}
    out["args"]["loss"] = str(args.loss).rsplit(".", 1)[-1]
    out["n_features"] = len(model.words)
    return out


def run_fasttext(data, work: Path, opts) -> dict:
    """fastText supervised with its defaults (thread = cpu_count() - 1)."""
    return _fasttext_fit_predict(data, work, opts, input=str(opts.files / "ft_train.txt"))


def run_fasttext_full_init(data, work: Path, opts) -> dict:
    """fastText's defaults but 10 threads, so that all its input embeddings start random (see FULL_INIT_THREADS)."""
    return _fasttext_fit_predict(data, work, opts, input=str(opts.files / "ft_train.txt"), thread=FULL_INIT_THREADS)


def run_fasttext_autotuned(data, work: Path, opts) -> dict:
    """fastText's own autotune: trains on 90 % of the training rows, validates on the other 10 %.

    Every trial runs on 10 threads, so that it starts from fully random embeddings (see
    FULL_INIT_THREADS). fastText retrains the best trial's arguments at the end; when that
    retrain diverges ("Encountered NaN", which fastText does not catch there) the search is
    run once more with another ``seed``, and the failed attempt is recorded.
    """
    failed = []
    for seed in (0, 1):
        try:
            out = _fasttext_fit_predict(data, work, opts, input=str(opts.files / "ft_tune_train.txt"), seed=seed,
                                        thread=FULL_INIT_THREADS,
                                        autotuneValidationFile=str(opts.files / "ft_tune_valid.txt"),
                                        autotuneDuration=int(opts.fasttext_autotune_seconds))
            return {**out, "failed_attempts": failed}
        except RuntimeError as exc:
            failed.append({"seed": seed, "error": str(exc)})
    raise RuntimeError(f"fastText autotune failed twice: {failed}")


RUNNERS = {"arclf": run_arclf, "arclf no title": run_arclf_no_title, "arclf calibrated": run_arclf_calibrated, "sklearn": run_sklearn,
           "fastText": run_fasttext, "fastText thread=10": run_fasttext_full_init,
           "fastText autotuned": run_fasttext_autotuned, "vocab": run_vocab}


def child(system: str, opts) -> None:
    """Body of one system's process: load the split, run the system, write its result JSON."""
    data = {}
    with open(opts.files / "test.pkl", "rb") as f:
        data.update(pickle.load(f))
    if not system.startswith("fastText"):  # fastText reads its training rows from a file
        with open(opts.files / "train.pkl", "rb") as f:
            data.update(pickle.load(f))
    baseline = peak_rss_mb()
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="arclf-bench-") as work:
        out = RUNNERS[system](data, Path(work), opts)
    out.update(peak_rss_mb=peak_rss_mb(), baseline_rss_mb=baseline, load_1min=[load0, os.getloadavg()[0]],
               n_test=len(data["test_texts"]))
    opts.result.write_text(json.dumps(out))


# --------------------------------------------------------------------------- the split


def load_split(data_dir: str, limit: int | None, seed: int) -> dict:
    """ANT texts and sections, one grouped stratified 80/20 split, and a 10 % slice of the training rows."""
    from sklearn.model_selection import StratifiedGroupKFold, train_test_split

    from arclf.config import CorpusSpec
    from arclf.corpus import load_corpora
    from arclf.evaluation.duplicates import exact_duplicate_groups

    ds, _ = load_corpora([CorpusSpec(name="ant")], data_dir=data_dir)
    texts, y = ds["text"], np.asarray(ds["section"], dtype=object)
    keep = np.flatnonzero([bool(t and t.strip()) for t in texts])  # as `arclf train` (min_chars=1)
    if limit and limit < len(keep):
        keep = np.sort(train_test_split(keep, train_size=limit, stratify=y[keep], random_state=seed)[0])
    texts, y = [texts[i] for i in keep], y[keep]
    groups = exact_duplicate_groups(texts)
    train, test = next(StratifiedGroupKFold(5, shuffle=True, random_state=seed).split(texts, y, groups))
    if set(groups[train]) & set(groups[test]):
        raise RuntimeError("a duplicate group is on both sides of the split")
    tune, valid = next(StratifiedGroupKFold(10, shuffle=True, random_state=seed).split(train, y[train], groups[train]))
    _, sizes = np.unique(groups, return_counts=True)
    return {"texts": texts, "y": y, "train": train, "test": test, "tune": train[tune], "valid": train[valid],
            "description": {
                "corpus": "ANT v2.1 (arclf.corpus.load_corpora, name='ant'), text = title + body, label = section",
                "n_articles": len(texts), "limit": limit, "seed": seed, "n_train": len(train), "n_test": len(test),
                "test_fraction": round(len(test) / len(texts), 4),
                "duplicate_groups": int((sizes > 1).sum()), "articles_in_duplicate_groups": int(sizes[sizes > 1].sum()),
                "grouping": "exact duplicates after normalize_for_dedup share a group; StratifiedGroupKFold(5, shuffle, seed), "
                            "first fold = test: no copy of a test article is in training",
                "fasttext_autotune": f"train on {len(tune)} training rows, validate on {len(valid)} "
                                     "(StratifiedGroupKFold(10) of the training rows, first fold)",
                "classes": {str(c): int(n) for c, n in zip(*np.unique(y, return_counts=True))}}}


def write_fasttext_file(path: Path, texts, labels) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for text, label in zip(_fasttext_lines(texts), labels):
            f.write(f"__label__{label} {text}\n")


def write_inputs(split: dict, files: Path) -> None:
    """The split as each system reads it: pickled lists (arclf, scikit-learn) and fastText's text files."""
    texts, y = split["texts"], split["y"]
    rows = {name: ([texts[i] for i in split[name]], [str(v) for v in y[split[name]]])
            for name in ("train", "test", "tune", "valid")}
    for name in ("train", "test"):
        with open(files / f"{name}.pkl", "wb") as f:
            pickle.dump({f"{name}_texts": rows[name][0], f"{name}_y": rows[name][1]}, f, protocol=5)
    for name, file in (("train", "ft_train"), ("tune", "ft_tune_train"), ("valid", "ft_tune_valid")):
        write_fasttext_file(files / f"{file}.txt", *rows[name])


# --------------------------------------------------------------------------- the run


def run_system(system: str, opts) -> list[dict]:
    """One process per run; more runs (up to ``--repeats``) when the first fit takes under a minute.

    A failed process (its error is printed) ends the system's runs; its row then reports the error.
    """
    runs = []
    while len(runs) < opts.repeats:
        result = opts.files / f"result-{system.replace(' ', '_')}-{len(runs)}.json"
        cmd = [sys.executable, __file__, "--child", system, "--files", str(opts.files), "--result", str(result),
               "--repeats", str(opts.repeats), "--fasttext-autotune-seconds", str(opts.fasttext_autotune_seconds)]
        proc = subprocess.run(cmd, env={**os.environ, **ONE_THREAD}, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            print(f"  {system} run {len(runs) + 1} FAILED: {tail[0]}\n{proc.stderr[-3000:]}", file=sys.stderr)
            runs.append({"error": tail[0]})
            break
        runs.append(json.loads(result.read_text()))
        r = runs[-1]
        print(f"  {system} run {len(runs)}: fit {r['fit_s']:.1f} s, predict {r['n_test'] / r['predict_s']:,.0f} articles/s, "
              f"peak RSS {r['peak_rss_mb']:,.0f} MB, load {r['load_1min'][0]:.2f}->{r['load_1min'][1]:.2f}", file=sys.stderr)
        if system in SINGLE_RUN or runs[0]["fit_s"] >= LONG_FIT_SECONDS:
            break
    return runs


def summarize(system: str, runs: list[dict], y_test) -> dict:
    """Medians over the successful runs of every figure, and the scores of the first one's predictions."""
    from sklearn.metrics import accuracy_score, f1_score

    errors = [r["error"] for r in runs if "error" in r]
    runs = [r for r in runs if "error" not in r]
    if not runs:
        return {"system": system, "error": errors[0]}
    labels = sorted(set(y_test))
    f1s = [f1_score(y_test, r["y_pred"], labels=labels, average="macro") for r in runs]

    def med(key):
        return statistics.median(r[key] for r in runs)

    out = {"system": system, "runs": len(runs), "errors": errors, "macro_f1": f1s[0], "macro_f1_all_runs": f1s,
           "accuracy": accuracy_score(y_test, runs[0]["y_pred"]), "fit_s": med("fit_s"), "fit_cpu_s": med("fit_cpu_s"),
           "predict_articles_per_s": statistics.median(r["n_test"] / r["predict_s"] for r in runs),
           "predict_cpu_per_wall": med("predict_cpu_s") / med("predict_s"),
           "peak_rss_mb": med("peak_rss_mb"), "baseline_rss_mb": med("baseline_rss_mb"), "model_mb": med("model_mb"),
           "n_features": runs[0].get("n_features"), "y_pred": runs[0]["y_pred"],
           "raw": [{k: v for k, v in r.items() if k != "y_pred"} for r in runs]}
    for key in ("args", "numpy2_check", "hash_columns_of_vocabulary", "failed_attempts"):
        if key in runs[0]:
            out[key] = runs[0][key]
    return out


def ratios(a: dict, b: dict) -> dict:
    """``a / b`` for fit time, predict throughput, peak RSS and model size; macro-F1 ``a - b`` in points."""
    return {"fit_time": a["fit_s"] / b["fit_s"], "throughput": a["predict_articles_per_s"] / b["predict_articles_per_s"],
            "peak_rss": a["peak_rss_mb"] / b["peak_rss_mb"], "model_size": a["model_mb"] / b["model_mb"],
            "macro_f1_points": 100 * (a["macro_f1"] - b["macro_f1"])}


def hashing_check(hashed: dict, vocab: dict, y_test) -> dict:
    """arclf's hashed features against the same pipeline with a vocabulary: scores, agreement, collisions,
    and whether the difference is significant (paired bootstrap of macro-F1, McNemar; arclf.evaluation.significance)."""
    from arclf.evaluation.significance import mcnemar, paired_bootstrap_macro_f1

    n_vocab, n_cols = vocab["n_features"], vocab["hash_columns_of_vocabulary"]
    boot = paired_bootstrap_macro_f1(y_test, vocab["y_pred"], hashed["y_pred"], seed=0)
    mc = mcnemar(y_test, vocab["y_pred"], hashed["y_pred"])
    return {"bootstrap": boot, "mcnemar": mc,
            "hashed_macro_f1": hashed["macro_f1"], "hashed_accuracy": hashed["accuracy"],
            "vocab_macro_f1": vocab["macro_f1"], "vocab_accuracy": vocab["accuracy"],
            "macro_f1_points": 100 * (hashed["macro_f1"] - vocab["macro_f1"]),
            "prediction_agreement": float(np.mean(np.asarray(hashed["y_pred"]) == np.asarray(vocab["y_pred"]))),
            "hashed_columns": hashed["n_features"], "hashed_fit_s": hashed["fit_s"], "vocab_fit_s": vocab["fit_s"],
            "vocab_ngrams": n_vocab, "vocab_hash_columns": n_cols, "columns_lost_to_collisions": 1 - n_cols / n_vocab}


TABLE_ROWS = ("arclf", "arclf no title", "arclf calibrated", "sklearn", "fastText", "fastText thread=10", "fastText autotuned")
FIT_THREADS = {"arclf": "2 (n-gram counting), 1 (SVM)", "arclf no title": "2 (n-gram counting), 1 (SVM)", "arclf calibrated": "2 (n-gram counting), 1 (SVM)", "sklearn": "1"}


def markdown(res: dict) -> str:
    """The results as Markdown: the main table, the ratios, run details and the hashing check."""
    rows = {name: res["systems"][name] for name in TABLE_ROWS if name in res["systems"]}
    lines = ["| system | macro-F1 | accuracy | fit s | predict articles/s (per core) | peak RSS MB | model MB |",
             "|---|---|---|---|---|---|---|"]
    for name, s in rows.items():
        if "error" in s:
            lines.append(f"| {name} | failed: {s['error']} | | | | | |")
            continue
        lines.append(f"| {name} | {s['macro_f1']:.4f} | {s['accuracy']:.4f} | {s['fit_s']:,.1f} | "
                     f"{s['predict_articles_per_s']:,.0f} | {s['peak_rss_mb']:,.0f} | {s['model_mb']:,.1f} |")
    if res.get("ratios"):
        lines += ["", "| ratio | fit time | predict throughput | peak RSS | model size | macro-F1 (points) |",
                  "|---|---|---|---|---|---|"]
        for name, r in res["ratios"].items():
            lines.append(f"| {name} | {r['fit_time']:.2f}× | {r['throughput']:.2f}× | {r['peak_rss']:.2f}× | "
                         f"{r['model_size']:.2f}× | {r['macro_f1_points']:+.2f} |")
    lines += ["", "| system | runs (median) | fit threads | fit CPU s | predict CPU/wall | RSS before fit MB | features |",
              "|---|---|---|---|---|---|---|"]
    for name, s in rows.items():
        if "error" not in s:
            threads = FIT_THREADS.get(name) or str(s.get("args", {}).get("thread", "?"))
            lines.append(f"| {name} | {s['runs']} | {threads} | {s['fit_cpu_s']:,.1f} | {s['predict_cpu_per_wall']:.2f} | "
                         f"{s['baseline_rss_mb']:,.0f} | {s['n_features']:,} |")
    h = res.get("hashing_check")
    if h:
        lines += ["", "Hashing vs vocabulary (same normalizer, TF-IDF settings, LinearSVM and split):", "",
                  "| features | macro-F1 | accuracy | columns | fit s |", "|---|---|---|---|---|",
                  f"| hashed (arclf) | {h['hashed_macro_f1']:.4f} | {h['hashed_accuracy']:.4f} | "
                  f"{h['hashed_columns']:,} kept | {h['hashed_fit_s']:,.1f} |",
                  f"| vocabulary (TfidfVectorizer) | {h['vocab_macro_f1']:.4f} | {h['vocab_accuracy']:.4f} | "
                  f"{h['vocab_ngrams']:,} n-grams | {h['vocab_fit_s']:,.1f} |", "",
                  f"Macro-F1 hashed - vocabulary: {h['macro_f1_points']:+.2f} points; same label for "
                  f"{100 * h['prediction_agreement']:.2f} % of test articles. The {h['vocab_ngrams']:,} vocabulary "
                  f"n-grams fall into {h['vocab_hash_columns']:,} distinct hash columns, "
                  f"{100 * h['columns_lost_to_collisions']:.2f} % fewer: collisions merge that many."]
        if "bootstrap" in h:
            b, m = h["bootstrap"], h["mcnemar"]
            lines += ["", f"Is the difference real? Paired bootstrap of macro-F1 (hashed - vocabulary, "
                          f"{b['n_resamples']} resamples): {100 * b['difference']:+.2f} points, 95 % CI "
                          f"[{100 * b['ci_low']:+.2f}, {100 * b['ci_high']:+.2f}], p = {b['p_value']:.2f}; McNemar: "
                          f"{m['b_only']} articles right only when hashed, {m['a_only']} only with the vocabulary, "
                          f"p = {m['p_value']:.2f}."]
    return "\n".join(lines)


def notes(res: dict, opts) -> list[str]:
    d, systems = res["split"], res["systems"]
    out = [f"Split: {d['n_train']:,} train / {d['n_test']:,} test ANT articles, stratified by section (seed {d['seed']}); "
           f"{d['duplicate_groups']:,} groups of exact duplicates ({d['articles_in_duplicate_groups']:,} articles) each kept "
           "on one side, so no copy of a test article is in training."]
    tuned = systems.get("fastText autotuned", {})
    if "args" in tuned:
        out.append(f"fastText autotune: {d['fasttext_autotune']}, {opts.fasttext_autotune_seconds} s budget; chosen: "
                   + ", ".join(f"{k}={v}" for k, v in tuned["args"].items())
                   + (f"; failed attempts: {tuned['failed_attempts']}" if tuned.get("failed_attempts") else "") + ".")
    check = next((s["numpy2_check"] for s in systems.values() if "numpy2_check" in s), None)
    if check:
        out.append(f"fastText predict() under NumPy {np.__version__} (fasttext-numpy2): accuracy from predict "
                   f"{check['predict_accuracy']:.4f}, model.test() precision@1 {check['test_precision_at_1']:.4f}: "
                   f"{'they agree' if check['agree'] else 'THEY DISAGREE'}.")
    loads = res["load_1min_during"]
    if loads:
        out.append(f"1-minute load average at the start and end of each run: {min(loads):.2f} to {max(loads):.2f} "
                   f"({os.cpu_count()} CPUs, shared machine; the benchmark itself adds 1 to 2).")
    return out


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    from arclf.runs.provenance import git_info

    out = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
           "git": git_info(ROOT)}
    for name in ("arclf", "numpy", "scipy", "scikit-learn", "numba", "fasttext-numpy2", "joblib"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("ARCLF_DATA"), help="folder holding the corpora (default $ARCLF_DATA)")
    parser.add_argument("--limit", type=int, default=None, help="a stratified sample of N articles (for a quick run)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of every figure under a minute (median)")
    parser.add_argument("--fasttext-autotune-seconds", type=int, default=300, help="fastText autotune budget")
    parser.add_argument("--seed", type=int, default=13, help="seed of the split (13, as configs/ant-sections.yaml)")
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=SYSTEMS, metavar="SYSTEM",
                        help=f"a subset of: {', '.join(SYSTEMS)}")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    parser.add_argument("--child", choices=SYSTEMS, help=argparse.SUPPRESS)
    parser.add_argument("--files", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.child:
        return child(opts.child, opts)
    if not opts.data_dir:
        parser.error("--data-dir (or $ARCLF_DATA) is required")

    started, load_start = time.strftime("%Y-%m-%d %H:%M:%S %z"), os.getloadavg()
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in load_start)} ({os.cpu_count()} CPUs)", file=sys.stderr)
    split = load_split(opts.data_dir, opts.limit, opts.seed)
    d = split["description"]
    print(f"split: {d['n_train']:,} train / {d['n_test']:,} test articles; {d['duplicate_groups']:,} exact-duplicate "
          f"groups ({d['articles_in_duplicate_groups']:,} articles) kept on one side each", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="arclf-bench-") as files:
        opts.files = Path(files)
        write_inputs(split, opts.files)
        runs = {}
        for system in opts.systems:
            print(f"{system} ...", file=sys.stderr)
            runs[system] = run_system(system, opts)
    y_test = [str(v) for v in split["y"][split["test"]]]
    systems = {s: summarize(s, rs, y_test) for s, rs in runs.items()}
    ok = {s for s, v in systems.items() if "error" not in v}
    res = {"command": " ".join(["python", *sys.argv]), "started": started, "split": d,
           "load_average_start": load_start, "load_average_end": os.getloadavg(),
           "load_1min_during": [v for rs in runs.values() for r in rs for v in r.get("load_1min", [])],
           "versions": versions(), "systems": systems,
           "ratios": {f"{a} / {b}": ratios(systems[a], systems[b]) for a in ("arclf", "arclf calibrated")
                      for b in ("sklearn", "fastText autotuned") if {a, b} <= ok}}
    if {"arclf", "vocab"} <= ok:
        res["hashing_check"] = hashing_check(systems["arclf"], systems["vocab"], y_test)
    res["table_markdown"] = markdown(res)
    res["notes"] = notes(res, opts)
    print(res["table_markdown"] + "\n\n" + "\n".join(f"- {n}" for n in res["notes"]))
    if opts.out:
        for s in systems.values():
            s.pop("y_pred", None)
        opts.out.parent.mkdir(parents=True, exist_ok=True)
        opts.out.write_text(json.dumps(res, indent=1, default=str, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"results written to {opts.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
