"""Compare finished runs: a ranked table of many runs, and a paired look at two.

:func:`compare_runs` puts the config keys that differ between runs next to their headline
metrics (mean ± std over folds) and ranks them -- but only within groups of runs that were
evaluated the same way (same cv scheme, split and data): a leave-one-source-out score and
a stratified k-fold score are not comparable numbers. :func:`compare_two` explains what
changed between two runs and, when they predicted the very same examples in the very same
folds, whether the difference is significant (:mod:`arclf.evaluation.significance`). Renderers return
strings or rich renderables; nothing here prints.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from pathlib import Path
from typing import Any, Sequence

from arclf.errors import DataError
from arclf.runs.reader import Run
from arclf.runs.formatting import markdown_table
from arclf.util.files import json_default
from arclf.evaluation import significance as stats

__all__ = [
    "METRICS", "ComparisonResult", "PairComparison", "flatten_config", "compare_runs",
    "compare_two", "paired_predictions", "plot_comparison",
]

#: Headline metrics of ``metrics.json`` (``tasks.<task>.cv.<metric>.{mean,std}``).
METRICS = ("accuracy", "macro_f1", "weighted_f1")
#: Above this many differing keys the rich table turns keys into rows.
WIDE_KEYS = 8
#: Above this many runs the rich table keeps runs as rows and lists settings in one column.
MANY_RUNS = 8
_MISSING = object()


# ----------------------------------------------------------------------------- helpers
def flatten_config(config: dict, prefix: str = "") -> dict[str, Any]:
    """Flatten a nested config into dotted keys.

    Mappings nest with ``.``; lists of mappings are indexed (``tasks.0.name``, the same
    syntax as ``--set`` overrides); lists of scalars (``ngram_range``) stay one value.

    >>> flatten_config({"cv": {"folds": 5}, "tasks": [{"name": "topic"}], "r": [2, 5]})
    {'cv.folds': 5, 'tasks.0.name': 'topic', 'r': [2, 5]}
    """
    out: dict[str, Any] = {}
    for key, value in config.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten_config(value, path + "."))
        elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    out.update(flatten_config(item, f"{path}.{i}."))
                else:
                    out[f"{path}.{i}"] = item
        else:
            out[path] = value
    return out


_BLOCKS = ("features.char.", "features.word.")


def _in_use(flat: dict[str, Any]) -> dict[str, Any]:
    """Drop settings the run did not use: ``features.word.*`` of a char-only run and the reverse.

    So a table of char and word runs does not show a word run's (unused) char analyzer.
    """
    unused = {"char": "features.word.", "word": "features.char."}.get(flat.get("features.kind"))
    return {k: v for k, v in flat.items() if not (unused and k.startswith(unused))}


def _same(values: list) -> bool:
    blobs = {json.dumps(v, sort_keys=True, default=str) if v is not _MISSING else "\0missing" for v in values}
    return len(blobs) <= 1


def _show(value) -> str:
    """A config value for humans: ``—`` for a key the run lacks, ``null`` for None."""
    if value is _MISSING:
        return "\u2014"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _pct(mean, std=None) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "\u2014"
    text = f"{100 * mean:.1f}"
    return text if std is None or (isinstance(std, float) and math.isnan(std)) else f"{text} ± {100 * std:.1f}"


def _delta(x) -> str:
    return "\u2014" if x is None else stats._pt(x)


def _metric_stat(task_metrics: dict | None, metric: str) -> tuple[float | None, float | None]:
    entry = ((task_metrics or {}).get("cv") or {}).get(metric)
    if not isinstance(entry, dict) or entry.get("mean") is None:
        return None, None
    return float(entry["mean"]), (float(entry["std"]) if entry.get("std") is not None else None)


def _common_task(runs: Sequence[Run], task: str | None) -> tuple[str, list[str]]:
    notes = []
    if task is not None:
        if not any(task in r.tasks for r in runs):
            raise DataError(f"no run has task {task!r}; tasks present: {sorted({t for r in runs for t in r.tasks})}")
        return task, notes
    common = [t for t in runs[0].tasks if all(t in r.tasks for r in runs)]
    if not common:
        raise DataError(f"the runs share no task ({sorted({t for r in runs for t in r.tasks})}); name one with --task (task= in Python)")
    if len(common) > 1:
        notes.append(f"task {common[0]!r} shown; the runs also share {', '.join(map(repr, common[1:]))} (pick with --task)")
    return common[0], notes


def _sort_value(value):
    """Key for a value that may be missing: (is_missing, type order, value)."""
    if value is None or value is _MISSING or (isinstance(value, float) and math.isnan(value)):
        return (1, 0, 0)
    if isinstance(value, bool):
        return (0, 0, float(value))
    if isinstance(value, (int, float)):
        return (0, 0, float(value))
    return (0, 1, _show(value))


# ----------------------------------------------------------------------------- many runs
@dataclasses.dataclass
class ComparisonResult:
    """Many runs side by side (see :func:`compare_runs`).

    Attributes
    ----------
    task, metric : str
        The task compared and the metric that ranks the runs.
    keys : list of str
        Dotted config keys shown (those that differ, or all of them).
    rows : list of dict
        One per run, grouped then sorted: ``run`` (``name/run_id``), ``run_id``, ``name``,
        ``created``, ``group``, ``rank`` (1-based within its group by ``metric``, equal
        values share a rank, None when missing), ``scheme``, ``split``, ``folds``,
        ``n_examples``, each metric as ``<metric>`` (mean) and ``<metric>_std``, and
        ``config`` (key -> value for ``keys``; a key the run lacks is absent).
    groups : list of dict
        ``id``, ``scheme``, ``split``, ``fingerprint`` and ``runs`` (labels); runs of
        different groups are never ranked together.
    notes : list of str
        What a reader must know (groups, fold assignments differing, missing values...).
    """

    task: str
    metric: str
    keys: list[str]
    rows: list[dict]
    groups: list[dict]
    notes: list[str]

    def _columns(self) -> list[str]:
        cols = ["rank", "run"] + (["group"] if len(self.groups) > 1 else [])
        return cols + self.keys + list(METRICS)

    def _cells(self, row: dict) -> list[str]:
        out = ["" if row["rank"] is None else str(row["rank"]), row["run"]]
        if len(self.groups) > 1:
            out.append(str(row["group"]))
        out += [_show(row["config"].get(k, _MISSING)) for k in self.keys]
        out += [_pct(row[m], row[f"{m}_std"]) for m in METRICS]
        return out

    def to_markdown(self) -> str:
        """A Markdown table (metrics in %, mean ± std over folds) followed by the notes."""
        header = [c if c not in METRICS else f"{c} (%)" for c in self._columns()]
        text = f"Task `{self.task}`, ranked by {self.metric} within each group; metrics in %, mean ± std over folds.\n\n"
        text += markdown_table(header, [self._cells(r) for r in self.rows])
        if self.notes:
            text += "\n\n" + "\n".join(f"- {n}" for n in self.notes)
        return text + "\n"

    def to_dict(self) -> dict:
        """Plain data: ``task``, ``metric``, ``keys``, ``rows``, ``groups``, ``notes``."""
        return {"task": self.task, "metric": self.metric, "keys": self.keys,
                "rows": self.rows, "groups": self.groups, "notes": self.notes}

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON (metrics as fractions, missing values null)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=json_default) + "\n"

    def to_csv(self) -> str:
        """One CSV line per run: ids, group, rank, config keys, then each metric and its std."""
        fields = ["run", "run_id", "name", "created", "group", "rank", "scheme", "split", "folds", "n_examples"]
        fields += self.keys + [c for m in METRICS for c in (m, f"{m}_std")]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(fields)
        for row in self.rows:
            values = [row.get(f) for f in fields[:10]]
            values += ["" if row["config"].get(k, _MISSING) is _MISSING else _show(row["config"][k]) for k in self.keys]
            values += [row.get(c) for m in METRICS for c in (m, f"{m}_std")]
            writer.writerow(["" if v is None else v for v in values])
        return buf.getvalue()

    def to_rich(self, layout: str = "auto"):
        """A :class:`rich.table.Table`.

        Parameters
        ----------
        layout : {"auto", "wide", "transposed", "compact"}, default="auto"
            ``wide``: one row per run, one column per key. ``transposed``: one row per key
            and metric, one column per run (many keys, few runs). ``compact``: one row per
            run with all settings in one column (many keys and many runs: scales to 50+).
            ``auto`` picks wide up to :data:`WIDE_KEYS` keys, else transposed up to
            :data:`MANY_RUNS` runs, else compact.
        """
        from rich.table import Table

        if layout == "auto":
            layout = "wide" if len(self.keys) <= WIDE_KEYS else "transposed" if len(self.rows) <= MANY_RUNS else "compact"
        title = f"{self.task}: ranked by {self.metric} (%, mean ± std over folds)"
        caption = "\n".join(self.notes) or None
        if layout == "transposed":
            table = Table(title=title, caption=caption, caption_justify="left")
            table.add_column("", style="bold")
            for row in self.rows:
                table.add_column(f"#{row['rank'] or '-'} {row['run']}" + (f" [g{row['group']}]" if len(self.groups) > 1 else ""))
            for key in self.keys:
                table.add_row(key, *[_show(r["config"].get(key, _MISSING)) for r in self.rows])
            table.add_section()
            for m in METRICS:
                table.add_row(m, *[_pct(r[m], r[f"{m}_std"]) for r in self.rows], style="bold" if m == self.metric else None)
            return table
        table = Table(title=title, caption=caption, caption_justify="left")
        if layout == "compact":
            # keys equal in every run are listed once in the caption, not in every row
            varying = [k for k in self.keys if not _same([r["config"].get(k, _MISSING) for r in self.rows])]
            constant = [k for k in self.keys if k not in varying]
            if constant:
                same = ", ".join(f"{k}={_show(self.rows[0]['config'].get(k, _MISSING))}" for k in constant)
                table.caption = "\n".join(filter(None, [caption, f"same in every run: {same}"]))
            columns = ["rank", "run"] + (["group"] if len(self.groups) > 1 else []) + ["settings"] + list(METRICS)
            for col in columns:
                table.add_column(col, justify="right" if col in METRICS or col == "rank" else "left",
                                 overflow="fold", style="bold" if col == self.metric else None)
            fixed = 3 if len(self.groups) > 1 else 2
            for i, row in enumerate(self.rows):
                cells = self._cells(row)
                settings = ", ".join(f"{k}={_show(row['config'].get(k, _MISSING))}" for k in varying)
                if i and row["group"] != self.rows[i - 1]["group"]:
                    table.add_section()
                table.add_row(*cells[:fixed], settings, *cells[fixed + len(self.keys):])
            return table
        for col in self._columns():
            table.add_column(col, justify="right" if col in METRICS or col == "rank" else "left",
                             style="bold" if col == self.metric else None)
        for i, row in enumerate(self.rows):
            if i and row["group"] != self.rows[i - 1]["group"]:
                table.add_section()
            table.add_row(*self._cells(row))
        return table


def _group_key(run: Run, task_metrics: dict | None) -> tuple:
    cv = (task_metrics or {}).get("cv") or {}
    return (cv.get("scheme"), cv.get("split"), run.fingerprint)


def compare_runs(runs: Sequence[Run], *, task: str | None = None, metric: str = "macro_f1",
                 sort_by: str | None = None, ascending: bool = False, all_keys: bool = False) -> ComparisonResult:
    """Tabulate runs: differing settings next to headline metrics, ranked within comparable groups.

    Parameters
    ----------
    runs : sequence of Run
        From :func:`arclf.runs.reader.resolve_runs`.
    task : str, optional
        Task to compare; default the first task all runs share.
    metric : {"accuracy", "macro_f1", "weighted_f1"}, default="macro_f1"
        Ranks the runs (``tasks.<task>.cv.<metric>.mean``) and is the default sort key.
    sort_by : str, optional
        Any row field instead: a metric, ``<metric>_std``, ``run``, ``created`` or a dotted
        config key. Missing values always sort last; ties keep a deterministic order (by run label).
    ascending : bool, default=False
        Sort direction (default: best first).
    all_keys : bool, default=False
        Show every config key, not only those that differ between runs.

    Returns
    -------
    ComparisonResult

    Raises
    ------
    DataError
        If no run is given, ``metric`` is unknown, or the runs share no task (``task=None``)
        / none has ``task``.

    Notes
    -----
    Runs are grouped by (cv scheme, evaluation split, data fingerprint) and groups are
    listed in the order their first run was given; rows are sorted within each group and
    ranks never cross groups. Runs without the task form a group of their own.
    """
    if not runs:
        raise DataError("no runs to compare")
    if metric not in METRICS:
        raise DataError(f"metric={metric!r}: expected one of {', '.join(METRICS)}")
    task, notes = _common_task(runs, task)
    flat = [_in_use(flatten_config(r.config)) for r in runs]
    keys = sorted({k for f in flat for k in f})
    if not all_keys:  # a feature block's setting varies only if it differs between the runs that use it
        keys = [k for k in keys if not _same([f.get(k, _MISSING) for f in flat
                                              if not (k.startswith(_BLOCKS) and k not in f)])]

    rows, group_of, groups = [], {}, []
    for run, cfg in zip(runs, flat):
        tm = run.metrics["tasks"].get(task)
        if tm is None:
            gkey = (f"(no task {task})", None, run.fingerprint)
        elif not tm.get("cv"):
            gkey = ("(not evaluated)", None, run.fingerprint)
        else:
            gkey = _group_key(run, tm)
        if gkey not in group_of:
            group_of[gkey] = len(groups) + 1
            groups.append({"id": len(groups) + 1, "scheme": gkey[0], "split": gkey[1], "fingerprint": gkey[2], "runs": []})
        cv = (tm or {}).get("cv") or {}
        row = {"run": run.label, "run_id": run.run_id, "name": run.name, "created": run.run.get("created"),
               "group": group_of[gkey], "rank": None, "scheme": cv.get("scheme"), "split": cv.get("split"),
               "folds": cv.get("folds"), "n_examples": (tm or {}).get("n_examples"),
               "fold_fingerprint": cv.get("fold_fingerprint")}
        for m in METRICS:
            row[m], row[f"{m}_std"] = _metric_stat(tm, m)
        row["config"] = {k: cfg[k] for k in keys if k in cfg}
        row["_flat"] = cfg
        rows.append(row)

    def value_of(row, field):
        if field in row and field not in ("config", "_flat"):
            return row[field]
        return row["_flat"].get(field, _MISSING)

    field = sort_by or metric
    known = (set(rows[0]) - {"config", "_flat"}) | {k for f in flat for k in f}
    if field not in known:
        raise DataError(f"sort_by={field!r}: not a column or config key (e.g. macro_f1, created, cv.folds)")

    def order(row):
        missing, kind, value = _sort_value(value_of(row, field))
        if not ascending and not missing:
            value = -value if kind == 0 else _Reversed(value)
        return (row["group"], missing, kind, value, row["run"])

    rows.sort(key=order)
    for group in groups:
        members = [r for r in rows if r["group"] == group["id"]]
        group["runs"] = [r["run"] for r in members]
        for r in members:
            if r[metric] is not None:
                r["rank"] = 1 + sum(1 for m in members if m[metric] is not None and round(m[metric], 10) > round(r[metric], 10))
        prints = {r["fold_fingerprint"] for r in members}
        if len(members) > 1 and len(prints) > 1:
            notes.append(f"group {group['id']}: fold assignments differ between runs (seed or cv settings), "
                         "so differences mix model and split effects and cannot be tested pairwise")
    for r in rows:
        del r["_flat"]
    if len(groups) > 1:
        desc = "; ".join(f"group {g['id']}: {' / '.join(str(x) for x in (g['scheme'], g['split']) if x)} / data {str(g['fingerprint'])[:8]} "
                         f"({len(g['runs'])} run{'s' if len(g['runs']) != 1 else ''})" for g in groups)
        notes.insert(0, f"runs were evaluated differently (cv scheme, split or data) and are ranked only within their group: {desc}")
    lacking = [r["run"] for r in rows if r[metric] is None]
    if lacking:
        notes.append(f"no {metric} for {', '.join(lacking)} (listed last)")
    if any(r.fingerprint is None for r in runs):
        notes.append("some runs record no data fingerprint: they cannot be checked for being on the same data")
    return ComparisonResult(task=task, metric=metric, keys=keys, rows=rows, groups=groups, notes=notes)


class _Reversed:
    """Wraps a string so that sorting it ascending gives descending order."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        return self.value > other.value

    def __eq__(self, other):
        return self.value == other.value


# ----------------------------------------------------------------------------- two runs
def paired_predictions(a: Run, b: Run, task: str):
    """Join the OOF predictions of two runs that predicted the same examples in the same folds.

    Returns
    -------
    pandas.DataFrame of shape (n_examples, 5)
        ``id``, ``fold``, ``y_true``, ``pred_a``, ``pred_b``, sorted by id.

    Raises
    ------
    DataError
        If the runs were not evaluated on the same data (fingerprint), split, examples and
        fold assignment -- checked on the OOF files themselves -- or a file is missing.
    """
    import numpy as np

    fa, fb = a.fingerprint, b.fingerprint
    if fa is None or fb is None or fa != fb:
        raise DataError(f"cannot test significance: {a.label} and {b.label} ran on different data "
                        f"(fingerprint {str(fa)[:8]} vs {str(fb)[:8]}); compare runs of the same data only")
    sa, sb = ((r.task_metrics(task).get("cv") or {}).get("split") for r in (a, b))
    if sa is None or sb is None:
        raise DataError(f"cannot test significance: {a.label if sa is None else b.label} was not evaluated (trained with --no-cv)")
    if sa != sb:
        raise DataError(f"cannot test significance: {a.label} was scored on {sa!r}, {b.label} on {sb!r}")
    oa, ob = a.oof(task), b.oof(task)
    for run, frame in ((a, oa), (b, ob)):
        if frame["id"].duplicated().any():
            raise DataError(f"{run.oof_path(task)}: ids are not unique; cannot pair predictions")
    oa, ob = oa.sort_values("id", kind="stable"), ob.sort_values("id", kind="stable")
    ids_a, ids_b = oa["id"].to_numpy(), ob["id"].to_numpy()
    if len(ids_a) != len(ids_b) or not np.array_equal(ids_a, ids_b):
        only = len(set(ids_a) ^ set(ids_b))
        raise DataError(f"cannot test significance: the runs predicted different examples ({only} ids in only one); "
                        "re-run both on the same data")
    moved = int(np.sum(oa["fold"].to_numpy() != ob["fold"].to_numpy()))
    if moved:
        raise DataError(f"cannot test significance: fold assignments differ ({moved} of {len(ids_a)} examples in another fold); "
                        f"re-run {b.label} with the seed and cv settings of {a.label}")
    if not np.array_equal(oa["y_true"].to_numpy(), ob["y_true"].to_numpy()):
        raise DataError("cannot test significance: the runs disagree on the gold labels of the same ids (different label maps?)")
    import pandas as pd

    return pd.DataFrame({"id": ids_a, "fold": oa["fold"].to_numpy(), "y_true": oa["y_true"].to_numpy(),
                         "pred_a": oa["y_pred"].to_numpy(), "pred_b": ob["y_pred"].to_numpy()})


@dataclasses.dataclass
class PairComparison:
    """Run B against run A (see :func:`compare_two`).

    Attributes
    ----------
    a, b : str
        Run labels (``name/run_id``).
    task : str
    changed : list of dict
        ``key``, ``a``, ``b`` for each config key that differs.
    metrics : list of dict
        ``metric``, ``a``, ``a_std``, ``b``, ``b_std``, ``delta`` (b - a): the cv means of
        :data:`METRICS`, then the pooled out-of-fold values as ``oof_<metric>``.
    per_class : list of dict
        ``label``, ``support``, and ``<m>_a``, ``<m>_b``, ``<m>_delta`` for precision, recall, f1.
    confusion : dict
        ``labels`` and matrices ``a``, ``b``, ``difference`` (b - a; rows = true).
    significance : dict or None
        ``mcnemar``, ``bootstrap``, ``ttest`` (None with one split), ``n``; None when refused.
    refusal : str or None
        Why significance was not tested.
    verdict : str
        One line (:func:`arclf.evaluation.significance.verdict`), or the refusal.
    notes : list of str
    """

    a: str
    b: str
    task: str
    changed: list[dict]
    metrics: list[dict]
    per_class: list[dict]
    confusion: dict
    significance: dict | None
    refusal: str | None
    verdict: str
    notes: list[str]

    def to_dict(self) -> dict:
        """Plain data of every field."""
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON (values as fractions)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=json_default) + "\n"

    def _changed_rows(self):
        return [[c["key"], _show(c["a"]), _show(c["b"])] for c in self.changed]

    def _metric_rows(self):
        return [[m["metric"], _pct(m["a"], m["a_std"]), _pct(m["b"], m["b_std"]), _delta(m["delta"])] for m in self.metrics]

    def _class_rows(self):
        return [[c["label"], str(c["support"] if c["support"] is not None else "\u2014")]
                + [f"{_pct(c[f'{m}_a'])} → {_pct(c[f'{m}_b'])} ({_delta(c[f'{m}_delta'])})" for m in ("precision", "recall", "f1")]
                for c in self.per_class]

    def _confusion_rows(self, limit: int = 10):
        labels, diff = self.confusion["labels"], self.confusion["difference"]
        cells = [(diff[i][j], labels[i], labels[j]) for i in range(len(labels)) for j in range(len(labels)) if i != j and diff[i][j]]
        cells.sort(key=lambda c: (-abs(c[0]), c[1], c[2]))
        return [[t, p, f"{d:+d}"] for d, t, p in cells[:limit]]

    def _significance_rows(self):
        s = self.significance
        if s is None:
            return []
        mc, bs, tt = s["mcnemar"], s["bootstrap"], s["ttest"]
        rows = [["McNemar (errors)", f"only A right {mc['a_only']}, only B right {mc['b_only']} ({mc['method']})",
                 stats._p(mc["p_value"])],
                ["paired bootstrap (macro-F1)", f"{_delta(bs['difference'])} pt, CI [{_delta(bs['ci_low'])}, {_delta(bs['ci_high'])}], "
                 f"{bs['n_resamples']} resamples", stats._p(bs["p_value"])]]
        if tt is not None:
            rows.append(["corrected t-test (folds)", f"t = {tt['t']:.2f}, {tt['dof']} dof", stats._p(tt["p_value"])])
        return rows

    def to_markdown(self) -> str:
        """Verdict, changed settings, metric deltas, per-class deltas, confusion changes, tests."""
        parts = [f"## A = {self.a}, B = {self.b} (task `{self.task}`; Δ = B − A, in points)", "",
                 f"**Verdict:** {self.verdict}", ""]
        parts += ["### Changed settings", "", markdown_table(["key", "A", "B"], self._changed_rows()) if self.changed
                  else "None: same resolved config.", ""]
        parts += ["### Metrics (%)", "", markdown_table(["metric", "A", "B", "Δ (pt)"], self._metric_rows()), ""]
        if self.per_class:
            parts += ["### Per class (%; A → B (Δ))", "", markdown_table(["label", "support", "precision", "recall", "F1"], self._class_rows()), ""]
        conf = self._confusion_rows()
        if conf:
            parts += ["### Largest confusion changes (count B − A)", "", markdown_table(["true", "predicted", "Δ count"], conf), ""]
        sig = self._significance_rows()
        parts += ["### Significance", ""]
        parts += [markdown_table(["test", "result", "p"], sig)] if sig else [f"Not tested: {self.refusal}"]
        if self.notes:
            parts += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(parts) + "\n"

    def to_rich(self):
        """A :class:`rich.console.Group` of tables."""
        from rich.console import Group
        from rich.table import Table

        def table(title, header, rows):
            t = Table(title=title, title_justify="left")
            for h in header:
                t.add_column(h)
            for r in rows:
                t.add_row(*map(str, r))
            return t

        items = [f"A = [bold]{self.a}[/], B = [bold]{self.b}[/] (task {self.task}; Δ = B − A in points)",
                 f"[bold]Verdict:[/] {self.verdict}"]
        if self.changed:
            items.append(table("Changed settings", ["key", "A", "B"], self._changed_rows()))
        items.append(table("Metrics (%)", ["metric", "A", "B", "Δ (pt)"], self._metric_rows()))
        if self.per_class:
            items.append(table("Per class (%; A → B (Δ))", ["label", "support", "precision", "recall", "F1"], self._class_rows()))
        if self._confusion_rows():
            items.append(table("Largest confusion changes", ["true", "predicted", "Δ count"], self._confusion_rows()))
        sig = self._significance_rows()
        items.append(table("Significance", ["test", "result", "p"], sig) if sig else f"Significance not tested: {self.refusal}")
        items += self.notes
        return Group(*items)


def _confusion(tm: dict, labels: list[str]):
    import numpy as np

    out = np.zeros((len(labels), len(labels)), dtype=int)
    cm = (tm or {}).get("confusion_matrix") or {}
    own = cm.get("labels") or []
    pos = {l: i for i, l in enumerate(labels)}
    for i, t in enumerate(own):
        for j, p in enumerate(own):
            out[pos[t], pos[p]] = int(cm["matrix"][i][j])
    return out


def _fold_scores(run: Run, task: str, tm: dict) -> tuple[list[int], list[float], float, float]:
    """Fold ids, per-fold macro-F1, mean n_train and mean n_test of one run."""
    folds = sorted(tm.get("folds") or [], key=lambda f: f["fold"])
    if folds and all(f.get("macro_f1") is not None for f in folds):
        ids = [int(f["fold"]) for f in folds]
        n_train = sum(f["n_train"] for f in folds) / len(folds)
        n_test = sum(f["n_test"] for f in folds) / len(folds)
        return ids, [float(f["macro_f1"]) for f in folds], n_train, n_test
    from sklearn.metrics import f1_score

    oof = run.oof(task)
    ids = sorted(oof["fold"].unique())
    scores = [float(f1_score(g["y_true"], g["y_pred"], average="macro")) for _, g in oof.groupby("fold", sort=True)]
    sizes = oof["fold"].value_counts()
    n_test = float(sizes.mean())
    return [int(i) for i in ids], scores, float(len(oof) - n_test), n_test


def compare_two(a: Run, b: Run, *, task: str | None = None, n_resamples: int = 2000, seed: int = 0,
                require_significance: bool = False) -> PairComparison:
    """Explain what changed from run A to run B and whether it matters.

    Significance is tested only when both runs have the same data fingerprint and
    evaluation split and their OOF files hold the same ids in the same folds (see
    :func:`paired_predictions`): McNemar on the paired OOF predictions, a paired bootstrap
    CI of the macro-F1 difference, and the corrected resampled t-test over per-fold
    macro-F1 (``n_train``/``n_test``: means of ``metrics.json`` folds). Runs made with
    ``cv.scheme: repeated_stratified_kfold`` bring every fold of every repeat to that test
    (``k`` = repeats × folds: the corrected repeated k-fold test of Bouckaert & Frank, PAKDD
    2004); against a plain k-fold run, only the folds both share (repeat 0) are paired. The verdict rule is
    documented in :func:`arclf.evaluation.significance.verdict`.

    Parameters
    ----------
    a, b : Run
        The baseline and the candidate; deltas are B - A.
    task : str, optional
        Default: the first task both share.
    n_resamples, seed : int
        Passed to :func:`arclf.evaluation.significance.paired_bootstrap_macro_f1`.
    require_significance : bool, default=False
        Raise instead of returning a comparison whose ``refusal`` says why nothing was tested.

    Returns
    -------
    PairComparison

    Raises
    ------
    DataError
        If the runs share no task, or ``require_significance`` and the runs are not paired.
    """
    task, notes = _common_task([a, b], task)
    ta, tb = a.task_metrics(task), b.task_metrics(task)
    fa, fb = flatten_config(a.config), flatten_config(b.config)
    changed = [{"key": k, "a": fa.get(k), "b": fb.get(k)} for k in sorted(set(fa) | set(fb))
               if not _same([fa.get(k, _MISSING), fb.get(k, _MISSING)])]
    metrics = []
    for m in METRICS:
        (ma, sa), (mb, sb) = _metric_stat(ta, m), _metric_stat(tb, m)
        metrics.append({"metric": m, "a": ma, "a_std": sa, "b": mb, "b_std": sb,
                        "delta": None if ma is None or mb is None else mb - ma})
    for m in METRICS:
        va, vb = ((t.get("cv") or {}).get("oof", {}).get(m) for t in (ta, tb))
        metrics.append({"metric": f"oof_{m}", "a": va, "a_std": None, "b": vb, "b_std": None,
                        "delta": None if va is None or vb is None else vb - va})
    labels = list(dict.fromkeys(list(ta.get("labels") or []) + list(tb.get("labels") or [])))
    per_class = []
    pa, pb = (t.get("cv", {}).get("per_class") or {} for t in (ta, tb))
    for label in labels:
        row = {"label": label, "support": (pa.get(label) or pb.get(label) or {}).get("support")}
        for m in ("precision", "recall", "f1"):
            va = ((pa.get(label) or {}).get(m) or {}).get("mean")
            vb = ((pb.get(label) or {}).get(m) or {}).get("mean")
            row[f"{m}_a"], row[f"{m}_b"] = va, vb
            row[f"{m}_delta"] = None if va is None or vb is None else vb - va
        per_class.append(row)
    ca, cb = _confusion(ta.get("cv"), labels), _confusion(tb.get("cv"), labels)
    confusion = {"labels": labels, "a": ca.tolist(), "b": cb.tolist(), "difference": (cb - ca).tolist()}

    significance, refusal = None, None
    try:
        paired = paired_predictions(a, b, task)
    except DataError as exc:
        if require_significance:
            raise
        refusal = str(exc).removeprefix("cannot test significance: ")
    if refusal is None:
        all_labels = sorted(set(labels) | set(paired["y_true"]) | set(paired["pred_a"]) | set(paired["pred_b"]))
        mc = stats.mcnemar(paired["y_true"], paired["pred_a"], paired["pred_b"])
        bs = stats.paired_bootstrap_macro_f1(paired["y_true"], paired["pred_a"], paired["pred_b"],
                                             n_resamples=n_resamples, seed=seed, labels=all_labels)
        ids_a, sc_a, n_train, n_test = _fold_scores(a, task, ta)
        ids_b, sc_b, _, _ = _fold_scores(b, task, tb)
        tt = None
        common = [i for i in ids_a if i in set(ids_b)]
        if ids_a != ids_b and len(common) >= 2:  # e.g. a repeated k-fold against a plain one: its repeat 0
            notes.append(f"the runs share {len(common)} of their folds ({len(ids_a)} and {len(ids_b)}): "
                         "the corrected t-test uses those")
            sc_a = [sc_a[ids_a.index(i)] for i in common]
            sc_b = [sc_b[ids_b.index(i)] for i in common]
            ids_a = ids_b = common
        if len(sc_a) >= 2 and ids_a == ids_b:
            tt = stats.corrected_resampled_ttest(sc_a, sc_b, n_train=n_train, n_test=n_test)
        else:
            notes.append("one evaluation split only: no fold-level (corrected t-test) evidence")
        significance = {"n": int(len(paired)), "mcnemar": mc, "bootstrap": bs, "ttest": tt}
        text = stats.verdict(bs, mcnemar=mc, ttest=tt, metric="OOF macro-F1")
    else:
        text = f"not tested: {refusal}"
    return PairComparison(a=a.label, b=b.label, task=task, changed=changed, metrics=metrics, per_class=per_class,
                          confusion=confusion, significance=significance, refusal=refusal, verdict=text, notes=notes)


# ----------------------------------------------------------------------------- plot
def plot_comparison(runs: Sequence[Run], path: str | Path, *, task: str | None = None, metric: str = "macro_f1") -> Path:
    """Plot ``metric`` per run as a dot with error bars (± std over folds), one line per run.

    Runs are ordered and coloured as in :func:`compare_runs` (one colour per comparable
    group); the figure grows with the number of runs, so 50 runs stay readable.

    Parameters
    ----------
    runs : sequence of Run
    path : str or Path
        PNG file to write (atomically).
    task : str, optional
    metric : {"accuracy", "macro_f1", "weighted_f1"}, default="macro_f1"

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    DataError
        As :func:`compare_runs`, or when no run has a value for ``metric``.
    """
    from arclf.runs.report import new_figure, save_figure

    result = compare_runs(runs, task=task, metric=metric)
    rows = [r for r in result.rows if r[metric] is not None]
    if not rows:
        raise DataError(f"no run has {metric} for task {result.task!r}; nothing to plot")
    fig = new_figure(7.5, 1.2 + 0.32 * len(rows))
    ax = fig.add_subplot()
    palette = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:gray"]
    ys = list(range(len(rows)))[::-1]
    for group in result.groups:
        idx = [i for i, r in enumerate(rows) if r["group"] == group["id"]]
        if not idx:
            continue
        ax.errorbar([100 * rows[i][metric] for i in idx], [ys[i] for i in idx],
                    xerr=[100 * (rows[i][f"{metric}_std"] or 0.0) for i in idx], fmt="o", capsize=3,
                    color=palette[(group["id"] - 1) % len(palette)],
                    label=f"{group['scheme']} / {group['split']}" if len(result.groups) > 1 else None)
    ax.set_yticks(ys, [r["run"] for r in rows], fontsize=8)
    ax.set_xlabel(f"{metric} (%), mean ± std over folds")
    ax.set_title(f"{result.task}: {metric} per run")
    ax.grid(axis="x", alpha=0.3)
    if len(result.groups) > 1:
        ax.legend(fontsize=8, loc="best")
    return save_figure(fig, path)
