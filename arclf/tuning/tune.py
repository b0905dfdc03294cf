"""The public entry point of ``arclf tune``: search, estimate honestly, write the outputs.

:func:`tune` reads the config and its search space, loads the data once, runs the
successive-halving search (:func:`arclf.tuning.search.run_search`) until it completes, the budget
runs out or Ctrl-C, then refits the winner on the selection rows and scores it on the held-out
slice the search never saw. The output folder holds:

``best.yaml``        the winning config, fully resolved; ``arclf train best.yaml`` takes it as it is
``leaderboard.md``   every candidate, ranked by the highest rung it reached, then its inner-CV score
``leaderboard.csv``  the same, one row per candidate, one column per searched key and rung
``tune.json``        the schedule, the budget, why it stopped, and the winner's held-out estimate
``holdout.parquet``  the held-out rows (``id``, ``y_true``) and the winner's predictions (and the given config's)
``runs/<id>/``       a run folder per finalist (``arclf compare`` reads them): the candidates of the last rung,
                     or, when the search stopped early, the best ``finalists`` of the highest rung reached
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from arclf.config import Config, config_hash
from arclf.errors import DataError
from arclf.evaluation.folds import fold_metrics
from arclf.training.dataset import Progress, no_progress, release_free_memory
from arclf.tuning.search import (Candidate, TuneStatus, draw_candidates, holdout_score, load_search_data,
                                 read_config_and_search, run_search)
from arclf.tuning.space import effective_settings
from arclf.tuning.store import feature_key

__all__ = ["tune", "TuneResult", "DEFAULT_TUNE_ROOT", "parse_budget"]

#: Where tuning folders go unless ``output_dir`` is given.
DEFAULT_TUNE_ROOT = Path("experiments") / "tune"

_INNER_SPLIT = "tune-inner-cv"  # the split name of the search's own scores: selection rows only


@dataclass
class TuneResult:
    """What :func:`tune` returns.

    Attributes
    ----------
    output_dir : Path or None
    best_config : dict
        The winning config, resolved (what ``best.yaml`` holds).
    best_params : dict
        The searched keys of the winner (``{}``: the config as given won).
    estimate : dict
        The winner's held-out score: ``{'split', 'metric', 'value', 'metrics', 'n_train', 'n_test', 'description'}``.
    baseline : dict or None
        The config as given, scored the same way (None if it won or time ran out).
    leaderboard : list of dict
        One row per candidate (see ``leaderboard.csv``).
    summary : dict
        The content of ``tune.json``.
    """

    output_dir: Path | None
    best_config: dict
    best_params: dict
    estimate: dict
    baseline: dict | None
    leaderboard: list
    summary: dict


def parse_budget(text: str | float | int) -> float:
    """Seconds of a budget written ``90``, ``90s``, ``10m``, ``1.5h``.

    Raises
    ------
    ConfigError
        Not a positive duration.
    """
    from arclf.errors import ConfigError

    if isinstance(text, (int, float)):
        seconds = float(text)
    else:
        s = str(text).strip().lower()
        unit = {"s": 1, "m": 60, "h": 3600}.get(s[-1:], None)
        try:
            seconds = float(s[:-1] if unit else s) * (unit or 1)
        except ValueError:
            raise ConfigError(f"--budget {text!r}: expected a duration such as 90s, 10m or 1h") from None
    if not seconds > 0 or math.isinf(seconds):
        raise ConfigError(f"--budget {text!r}: expected a positive duration such as 90s, 10m or 1h")
    return seconds


def tune(config: str | Path, *, budget: str | float = "10m", metric: str | None = None, max_model_mb: float | None = None,
         overrides: list[str] | None = None, space: str | Path | None = None, task: str | None = None,
         data_dir: str | Path | None = None, output_dir: str | Path | None = None, n_jobs: int | None = None,
         progress: Progress | None = None, on_status: Callable[[TuneStatus], None] | None = None,
         stop: threading.Event | None = None) -> TuneResult:
    """Search a config's hyperparameters within a time budget and estimate the winner honestly.

    Parameters
    ----------
    config : str or Path
        A YAML config, optionally with a ``search:`` section (see :mod:`arclf.tuning.space`).
    budget : str or float, default='10m'
        Wall-clock budget of the whole call, loading included (``90s``, ``10m``, ``1h`` or seconds).
        No fit starts that is predicted to end after the budget minus the predicted cost of the
        best candidate's held-out refit and of the outputs; a fit already running is finished,
        so the call can end somewhat after the budget on a loaded machine.
    metric : {'macro_f1', 'accuracy', 'weighted_f1'}, optional
        What to maximize (default ``search.metric``).
    max_model_mb : float, optional
        Candidates whose bundle is estimated larger (:func:`arclf.tuning.search.estimate_model_mb`) are not promoted.
    overrides : list of str, optional
        ``key.path=value`` applied to the config before the search (as ``arclf train --set``).
    space : path, optional
        A search space file (default: the config's ``search:``, ``<stem>.search.yaml`` beside it,
        or the shipped default).
    task : str, optional
        The task to tune (default: the config's first trained task); the winner's settings apply to all.
    data_dir : path, optional
    output_dir : path, optional
        Folder to create (default ``experiments/tune/<name>/<time>-<hash>``); must not exist.
    n_jobs : int, optional
        Fits at once (default the config's ``cv.n_jobs``).
    progress : callable(stage, done, total), optional
        Loading progress.
    on_status : callable(TuneStatus), optional
        Search progress: rung, candidates left, best so far, time left.
    stop : threading.Event, optional
        Set it to stop the search as Ctrl-C does: no new fit starts, and the best so far wins.

    Returns
    -------
    TuneResult

    Raises
    ------
    ConfigError
        Invalid config, search space, budget or output folder; nothing is written.
    DataError
        Unusable data, or a budget too small for any candidate to finish the first rung.
    """
    from arclf.runs.writer import RunWriter, check_new_run_dir

    start = time.monotonic()
    seconds = parse_budget(budget)
    cfg, raw, spec, space_origin = read_config_and_search(config, overrides, space)
    if metric is not None:
        spec = spec.model_copy(update={"metric": metric})
    if output_dir is not None:
        check_new_run_dir(Path(output_dir))
    progress = progress or no_progress
    stop = stop or threading.Event()
    created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    data = load_search_data(cfg, spec, task=task, data_dir=data_dir, progress=progress)
    candidates = draw_candidates(spec, raw, len(data.selection), cfg.seed, str(config))
    _compile(candidates, progress)
    end = start + seconds
    outcome = run_search(data, candidates, spec, end=end, n_jobs=n_jobs or cfg.cv.n_jobs, max_model_mb=max_model_mb,
                         on_status=on_status, stop=stop, margin=10.0 + 5.0 * spec.finalists)  # outputs: ~5 s a run folder
    stores = outcome.pop("stores")
    outcome.pop("costs")
    winner = _winner(candidates)
    if winner is None:
        raise DataError(f"budget {seconds:.0f} s: no candidate finished the first rung "
                        f"({len(candidates)} candidates on {outcome['rungs'][0]['rows']} rows); give a larger --budget")
    winner.status = "winner"
    if on_status:
        on_status(TuneStatus("held-out fit", seconds_left=max(0.0, start + seconds - time.monotonic())))
    base = next((c for c in candidates if not c.params), None)
    keys = {feature_key(winner.cfg)} | ({feature_key(base.cfg)} if base is not None else set())
    stores = {k: v for k, v in stores.items() if k in keys}  # the other settings' counts are not needed any more
    release_free_memory()
    shared = base is not None and feature_key(base.cfg) == feature_key(winner.cfg)
    estimate = holdout_score(winner.cfg, data, spec.metric, stores.get(feature_key(winner.cfg)), release=not shared)
    baseline = None
    if base is not None and base is not winner and not stop.is_set() and base.scores:
        store = stores.get(feature_key(base.cfg))
        baseline = holdout_score(base.cfg, data, spec.metric, store)  # its cost was kept out of the search's time
    del stores
    comparison = _compare(data, estimate, baseline)
    split = f"holdout: {len(data.holdout)} rows, 1/{max(2, round(1 / spec.holdout))} of the task's rows, whole duplicate groups, stratified"
    for block in (estimate, baseline):
        if block is not None:
            block["split"] = "tune-holdout"
            block["description"] = split
    best_cfg = {**winner.cfg.resolved(), "name": f"{cfg.name}-tuned"}
    board = leaderboard_rows(candidates, spec)
    summary = {
        "schema_version": 1, "kind": "tune", "name": cfg.name, "created": created, "config_file": cfg.origin["config_file"],
        "overrides": list(overrides or []), "search_space": space_origin, "task": data.task, "metric": spec.metric,
        "budget_seconds": seconds, "max_model_mb": max_model_mb, "stopped": outcome["stopped"],
        "method": "successive halving (Jamieson & Talwalkar, AISTATS 2016) over growing duplicate-grouped stratified "
                  "samples of the selection rows; candidates scored by inner duplicate-grouped k-fold CV",
        "schedule": {"eta": spec.eta, "finalists": spec.finalists, "inner_folds": spec.inner_folds,
                     "rungs": outcome["rungs"], "n_rungs_planned": outcome["n_rungs"], "candidates": len(candidates)},
        "data": {"fingerprint": data.fingerprint, "n_rows": int(len(data.y)), "selection_rows": int(len(data.selection)),
                 "holdout_rows": int(len(data.holdout))},
        "winner": {"id": winner.id, "params": winner.params, "inner_cv": winner.scores[winner.last_rung],
                   "rung": winner.last_rung},
        "estimate": {k: v for k, v in estimate.items() if k != "pred"},
        "baseline": {k: v for k, v in baseline.items() if k != "pred"} if baseline else None,
        "winner_vs_baseline": comparison,
        "note": "The leaderboard's scores chose the winner on the selection rows and are optimistic; the estimate is "
                "the winner refitted on all selection rows and scored once on the held-out rows no choice has seen.",
    }
    out = None
    writer = None
    try:
        if output_dir is not None:
            out = Path(output_dir)
            writer = RunWriter(out.parent, out.name)
        else:
            writer = RunWriter(DEFAULT_TUNE_ROOT / cfg.name, RunWriter.new_id(config_hash(cfg)))
        _write_outputs(writer.path, candidates, board, best_cfg, summary, data, cfg, created, outcome)
        _write_holdout(writer.path / "holdout.parquet", data, estimate, baseline)
        summary["wall_seconds"] = round(time.monotonic() - start, 1)
        from arclf.util.files import write_json

        write_json(writer.path / "tune.json", summary)
        out = writer.commit(link_latest=output_dir is None)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    summary["wall_seconds"] = round(time.monotonic() - start, 1)
    return TuneResult(out, best_cfg, winner.params, summary["estimate"], summary["baseline"], board, summary)


def _compile(candidates: list[Candidate], progress: Progress) -> None:
    """Compile the n-gram kernels once, in a child process (as ``arclf train`` does)."""
    from arclf.training.warmup import compile_kernels

    compile_kernels(candidates[0].cfg, notify=lambda done: progress("compile kernels (first run only)", int(done), 1))


def _winner(candidates: list[Candidate]) -> Candidate | None:
    """The best candidate of the highest rung any candidate within the size limit finished."""
    scored = [c for c in candidates if c.scores and not c.status.startswith("over size")]
    if not scored:
        return None
    top = max(c.last_rung for c in scored)
    return max((c for c in scored if c.last_rung == top), key=lambda c: (c.scores[top]["mean"], -int(c.id[1:])))


def _compare(data, estimate: dict, baseline: dict | None) -> dict | None:
    """Paired bootstrap and McNemar of the winner against the config as given, on the held-out rows."""
    if baseline is None:
        return None
    from arclf.evaluation.significance import mcnemar, paired_bootstrap_macro_f1

    y = data.y[data.holdout]
    boot = paired_bootstrap_macro_f1(y, baseline["pred"], estimate["pred"], seed=0)
    return {"split": "tune-holdout", "bootstrap": boot, "mcnemar": mcnemar(y, baseline["pred"], estimate["pred"])}


def leaderboard_rows(candidates: list[Candidate], spec) -> list[dict]:
    """One row per candidate: ranked by the highest rung reached, then that rung's inner-CV score."""
    keys = list(spec.space)
    rows = []
    for c in candidates:
        top = c.last_rung
        row = {"id": c.id, "status": c.status, "rung": top + 1 if top >= 0 else None,
               "rows": c.scores[top]["rows"] if top >= 0 else None,
               spec.metric: round(c.scores[top]["mean"], 4) if top >= 0 else None,
               "std": round(c.scores[top]["std"], 4) if top >= 0 else None,
               "est_mb": c.scores[top]["est_mb"] if top >= 0 else None,
               "fit_s": c.scores[top]["seconds"] if top >= 0 else None}
        resolved = effective_settings(c.cfg)
        for k in keys:  # the value the candidate used, searched or as given; None where it has no effect
            node = resolved
            for part in k.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            row[k] = node
        for r, s in sorted(c.scores.items()):
            row[f"rung{r + 1}"] = round(s["mean"], 4)
        rows.append(row)
    rows.sort(key=lambda r: (-(r["rung"] if r["rung"] is not None else -1), -(r[spec.metric] or 0), r["id"]))
    for i, r in enumerate(rows):
        r["rank"] = i + 1
    return rows


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def leaderboard_markdown(rows: list[dict], summary: dict) -> str:
    """The leaderboard as a markdown page with the honest estimate first."""
    est = summary["estimate"]
    lines = [f"# arclf tune: {summary['name']} ({summary['task']}, {summary['metric']})", "",
             f"**Estimate of the winner ({summary['winner']['id']}): {summary['metric']} {est['value']:.4f}** on "
             f"`{est['split']}` ({est['description']}); refitted on the {est['n_train']} selection rows. "
             "The table's scores come from inner CV on the selection rows that chose the winner: they are "
             "optimistic and are not the estimate.", ""]
    if summary.get("baseline"):
        b, cmp = summary["baseline"], summary["winner_vs_baseline"]
        boot = cmp["bootstrap"]
        lines += [f"The config as given, scored the same way: {b['value']:.4f}. Winner − given: "
                  f"{boot['difference']:+.4f} macro-F1, 95 % CI [{boot['ci_low']:+.4f}, {boot['ci_high']:+.4f}], "
                  f"paired bootstrap p = {boot['p_value']:.3g}; McNemar p = {cmp['mcnemar']['p_value']:.3g}.", ""]
    sched = summary["schedule"]
    lines += [f"Stopped: {summary['stopped']}. {sched['candidates']} candidates, rungs "
              + ", ".join(f"{r['index'] + 1}: {r['completed']}/{r['candidates']} on {r['rows']} rows" for r in sched["rungs"])
              + f" (of {sched['n_rungs_planned']} planned); eta {sched['eta']}, {sched['inner_folds']} inner folds.", ""]
    if not rows:
        return "\n".join(lines)
    cols = list(rows[0].keys())
    cols = ["rank"] + [c for c in cols if c != "rank"]
    extra = sorted({k for r in rows for k in r if k.startswith("rung") and k != "rung"})
    cols = [c for c in cols if not (c.startswith("rung") and c != "rung")] + extra
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "---|" * len(cols))
    for r in rows:
        lines.append("| " + " | ".join(_cell(r.get(c)) for c in cols) + " |")
    return "\n".join(lines) + "\n"


def leaderboard_csv(rows: list[dict]) -> str:
    import csv
    import io

    cols = ["rank"] + [c for c in dict.fromkeys(k for r in rows for k in r) if c != "rank"]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in r.items()})
    return buf.getvalue()


def _write_outputs(folder: Path, candidates, board, best_cfg, summary, data, cfg: Config, created, outcome) -> None:
    import yaml

    from arclf.util.files import atomic_write_text

    atomic_write_text(folder / "best.yaml", "# the winning config of `arclf tune` (fully resolved); train it with "
                                            "`arclf train best.yaml`\n" + yaml.safe_dump(best_cfg, sort_keys=False, allow_unicode=True))
    atomic_write_text(folder / "leaderboard.md", leaderboard_markdown(board, summary))
    atomic_write_text(folder / "leaderboard.csv", leaderboard_csv(board))
    top = max((c.last_rung for c in candidates), default=-1)
    reached = sorted((c for c in candidates if c.last_rung == top and top >= 0 and top in c.predictions),
                     key=lambda c: (c.status != "winner", -c.scores[top]["mean"], c.id))
    finalists = reached[: summary["schedule"]["finalists"]]  # the best of the highest rung reached, when stopped early
    summary["runs"] = [write_candidate_run(folder / "runs" / c.id, c, data, cfg, created, top) for c in finalists]
    summary["runs"] = [str(Path(p).relative_to(folder)) for p in summary["runs"]]


def _write_holdout(path: Path, data, estimate: dict, baseline: dict | None) -> None:
    """The held-out rows' ids, labels and predictions of the winner (and of the config as given)."""
    import pandas as pd

    frame = pd.DataFrame({"id": data.ids[data.holdout], "y_true": data.y[data.holdout], "winner": estimate["pred"]})
    if baseline is not None:
        frame["given"] = baseline["pred"]
    frame.to_parquet(path, index=False)


def write_candidate_run(folder: Path, cand: Candidate, data, base: Config, created: str, rung: int) -> Path:
    """A run folder of a candidate's inner-CV predictions at ``rung``, for ``arclf compare``.

    Its split is ``tune-inner-cv``: these rows chose the winner, so the scores are the search's,
    not an estimate.
    """
    import pandas as pd

    from arclf.evaluation.folds import fold_fingerprint, summarize_folds
    from arclf.runs.provenance import StageMonitor, data_fingerprint, run_record
    from arclf.runs.writer import RunWriter, write_run_folder

    ids, y, fold_of_row, pred = cand.predictions[rung]
    labels = sorted(set(y))
    per_fold = []
    for k in sorted(set(fold_of_row)):
        mine = fold_of_row == k
        per_fold.append({"fold": int(k), "held_out": None, "n_train": int((~mine).sum()), "n_test": int(mine.sum()),
                         **fold_metrics(list(y[mine]), list(pred[mine]), labels)})
    block = summarize_folds(per_fold, labels, y, pred, scheme="stratified_kfold", split=_INNER_SPLIT)
    block["group_duplicates"] = base.cv.group_duplicates
    block["fold_fingerprint"] = fold_fingerprint(ids, fold_of_row)
    metrics = {"schema_version": 1, "tasks": {data.task: {
        "labels": labels, "n_examples": int(len(y)), "cv": block,
        "folds": [{k: v for k, v in f.items() if k != "per_class"} for f in per_fold]}}}
    oof = pd.DataFrame({"id": ids, "fold": fold_of_row, "y_true": y, "y_pred": pred})
    cfg = cand.cfg.model_copy(deep=True)
    cfg.name = f"{base.name}-tune-{cand.id}"
    run_id = RunWriter.new_id(config_hash(cfg))
    fingerprint = data_fingerprint(ids, np.zeros(len(ids), dtype=int), y, [data.fingerprint] * len(ids))
    run = {**run_record("tune", cfg, run_id, created),
           "data": {"fingerprint": fingerprint, "n_examples": int(len(y)),
                    "note": "the search's last-rung rows (selection rows only); fingerprint of their ids, labels "
                            "and the whole task's data fingerprint"},
           "tune": {"candidate": cand.id, "params": cand.params, "rung": rung, "status": cand.status}}
    return write_run_folder(folder, config=cfg.resolved(), metrics=metrics, run=run, monitor=StageMonitor(),
                            oofs={data.task: oof})
