"""Issue 10's Dask benchmark: the local engine against a Dask LocalCluster of 1 and 2 worker processes.

    python experiments/bench/dask_bench.py --data-dir ../shared/corpora [--sample N] [--predict-n N]
        [--workers 1 2] [--out experiments/bench/dask_results.json]

Three measurements, each engine in this one process, one after another:

``cv``       ``arclf.train(configs/ant-sections.yaml)`` (5-fold grouped CV + the final fit, features
             not cached) on the local engine and on ``LocalCluster(n_workers=k, threads_per_worker=1)``;
             wall seconds of ``train`` (the cluster already started), its stage timings, and whether
             ``metrics.json`` is the same (it must be).
``predict``  :func:`arclf.prediction.predictor.predict_iter` over ``--predict-n`` ANT articles written
             as JSONL (ids kept), with the bundle of the local CV run: articles/s on the local engine
             (``jobs=1`` and ``jobs=2``) and on each cluster; predictions compared with the local ones.
``overhead`` starting the cluster, and a round trip of 200 no-op tasks (ms per task).

The machine is shared: the load average is recorded beside every figure. From the figures, the
script prints what a 16-worker cluster would give on 100x ANT under the stated assumptions
(see :func:`projection`); that is arithmetic on these measurements, not a measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "ant-sections.yaml"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _noop(i, _shared):
    return i


def start_cluster(n: int):
    from arclf.config import EngineSpec
    from arclf.engine.cluster import DaskEngine

    t = time.perf_counter()
    engine = DaskEngine(EngineSpec(kind="dask", n_workers=n))
    return engine, time.perf_counter() - t


def bench_cv(engine, overrides: list[str], data_dir: str):
    from arclf.training.trainer import train

    t = time.perf_counter()
    result = train(CONFIG, overrides=overrides, data_dir=data_dir, save=False, use_cache=False, engine=engine)
    return result, {"wall_seconds": round(time.perf_counter() - t, 2), "load_avg": load(),
                    "stages": {k: v["seconds"] for k, v in result.run["timing"].items()}}


def write_articles(data_dir: str, n: int, path: Path) -> int:
    """The first ``n`` ANT articles (a seeded stratified sample when smaller than ANT) as JSONL."""
    from arclf.config import load_config
    from arclf.training.dataset import load_rows, no_progress, text_chunks

    cfg = load_config(CONFIG, [f"data.sample={n}"] if n else [])
    ds, keep, cols, _, _ = load_rows(cfg, data_dir, no_progress)
    ids = cols["id"]
    with path.open("w", encoding="utf-8") as f:
        i = 0
        for texts in text_chunks(ds, keep):
            for text in texts:
                f.write(json.dumps({"id": str(ids[i]), "text": text}, ensure_ascii=False) + "\n")
                i += 1
    return i


def bench_predict(bundle, path: Path, n: int, **how):
    from arclf.prediction.predictor import predict_iter

    t = time.perf_counter()
    preds = [p.to_dict() for p in predict_iter(bundle, [path], **how)]
    secs = time.perf_counter() - t
    return preds, {"seconds": round(secs, 2), "articles_per_s": round(n / secs, 1), "load_avg": load()}


def projection(fig: dict, scale: int = 100, workers: int = 16) -> dict:
    """What ``workers`` single-thread workers would give on ``scale`` x ANT, from the local and 2-worker figures.

    Assumptions (stated, not measured): load, duplicate grouping and the assembly of the count
    matrix stay on the client and grow linearly; featurization and batch prediction split over
    workers with the per-worker rate measured on 1 worker; CV has ``folds + 1`` tasks, so at most
    that many workers fit at once and the CV stage takes as long as its longest task (the fit
    on all rows), which grows at least linearly with the rows (linear is assumed).
    """
    local = fig["cv"]["local"]["stages"]
    one = fig["cv"].get("dask-1", fig["cv"]["local"])["stages"]
    serial = sum(v for k, v in local.items() if not k.startswith(("featurize", "cv+fit")))
    featurize = one.get("featurize", 0.0)
    longest_fold_task = max(fig["cv"]["local"]["fold_seconds"])
    cv_hours = scale * longest_fold_task / 3600
    pred_rate = fig["predict"].get("dask-1", fig["predict"]["local jobs=1"])["articles_per_s"]
    return {"scale": scale, "workers": workers,
            "client_serial_hours": round(scale * serial / 3600, 2),
            "featurize_hours": round(scale * featurize / workers / 3600, 2),
            "cv_hours (longest of folds+1 tasks)": round(cv_hours, 2),
            "predict_articles_per_s": round(pred_rate * workers, 0),
            "note": "the count matrix of 100x ANT (about 100 x its 1x size) must fit in the client and in every worker "
                    "that fits a fold: out-of-core training (issue 10 item 2) is what makes that size possible"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=os.environ.get("ARCLF_DATA"))
    ap.add_argument("--sample", type=int, default=0, help="stratified sample of ANT for the CV (0: all 31,525 articles)")
    ap.add_argument("--predict-n", type=int, default=0, help="articles to predict (0: all of ANT)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--out", default=str(ROOT / "experiments" / "bench" / "dask_results.json"))
    args = ap.parse_args()
    overrides = [f"data.sample={args.sample}"] if args.sample else []
    fig: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
                 "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "sample": args.sample or "all",
                 "cv": {}, "predict": {}, "overhead": {}}
    from arclf.engine import LocalEngine

    print(f"cv local (load {load()})", flush=True)
    local, fig["cv"]["local"] = bench_cv(LocalEngine(), overrides, args.data_dir)
    fig["cv"]["local"]["fold_seconds"] = local.run["fold_seconds"]["section"]
    print(fig["cv"]["local"], flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "articles.jsonl"
        n = write_articles(args.data_dir, args.predict_n, path)
        fig["predict"]["n_articles"] = n
        base, fig["predict"]["local jobs=1"] = bench_predict(local.bundle, path, n)
        print("predict local jobs=1", fig["predict"]["local jobs=1"], flush=True)
        two, fig["predict"]["local jobs=2"] = bench_predict(local.bundle, path, n, jobs=2)
        fig["predict"]["local jobs=2"]["same_predictions"] = two == base
        print("predict local jobs=2", fig["predict"]["local jobs=2"], flush=True)
        for k in args.workers:
            name = f"dask-{k}"
            engine, started = start_cluster(k)
            t = time.perf_counter()
            list(engine.map(_noop, range(200), None))
            fig["overhead"][name] = {"cluster_start_seconds": round(started, 2),
                                     "ms_per_noop_task": round(1000 * (time.perf_counter() - t) / 200, 2), "load_avg": load()}
            print(name, fig["overhead"][name], flush=True)
            result, fig["cv"][name] = bench_cv(engine, overrides, args.data_dir)
            fig["cv"][name]["same_metrics"] = result.metrics == local.metrics
            fig["cv"][name]["vs_local"] = round(fig["cv"][name]["wall_seconds"] / fig["cv"]["local"]["wall_seconds"], 2)
            print(name, "cv", fig["cv"][name], flush=True)
            preds, fig["predict"][name] = bench_predict(local.bundle, path, n, engine=engine)
            fig["predict"][name]["same_predictions"] = preds == base
            fig["predict"][name]["vs_local"] = round(fig["predict"][name]["articles_per_s"]
                                                     / fig["predict"]["local jobs=1"]["articles_per_s"], 2)
            print(name, "predict", fig["predict"][name], flush=True)
            engine.close()
    fig["projection"] = projection(fig)
    print(json.dumps(fig["projection"], indent=1))
    Path(args.out).write_text(json.dumps(fig, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
