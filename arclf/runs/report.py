"""A human-readable report of one run folder: figures and ``report.md``.

:func:`write_report` reads ``metrics.json``, ``run.json``, ``config.yaml`` and the OOF
predictions of a run and writes, per task, ``confusion_<task>.png`` (row-normalized),
``per_class_f1_<task>.png`` and ``reliability_<task>.png`` (when the classifier has
probabilities), then ``report.md`` embedding them. All files are written atomically.

Figures use matplotlib's object-oriented API on the Agg canvas (:func:`new_figure`), imported
inside the functions: importing arclf stays fast and pyplot's global backend is never
touched, so a notebook that imports arclf keeps its own backend.

Arabic class names: matplotlib neither joins Arabic letters nor orders right-to-left text,
so a raw Arabic label would be drawn as isolated letters in reverse. :func:`display_label`
shapes it with ``arabic-reshaper`` + ``python-bidi`` when both are installed, and otherwise
draws its Buckwalter transliteration (ASCII, one character per letter, reversible: two
labels never collapse into one). ``report.md`` tables always keep the original labels.
"""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

import numpy as np

from arclf.errors import DataError
from arclf.runs.reader import Run, load_run
from arclf.runs.formatting import markdown_table
from arclf.util.files import atomic_write_bytes, atomic_write_text

__all__ = ["run_summary_markdown", 
    "write_report", "reliability_table", "display_label", "most_confused", "describe_split",
    "new_figure", "save_figure",
]

#: Any Arabic-script code point (Arabic, Supplement, Extended-A, Presentation Forms-A and -B).
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_ANNOTATE_UP_TO = 30  # classes; above this the confusion matrix cells are too small for text


# ----------------------------------------------------------------------------- figures
def new_figure(width: float, height: float):
    """A matplotlib :class:`~matplotlib.figure.Figure` on an Agg canvas (no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig, path: str | Path, *, dpi: int = 120) -> Path:
    """Render ``fig`` as PNG and write it to ``path`` atomically; return ``path``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return atomic_write_bytes(Path(path), buf.getvalue())


def _can_shape() -> bool:
    try:
        import arabic_reshaper  # noqa: F401
        from bidi.algorithm import get_display  # noqa: F401
    except ImportError:
        return False
    return True


def display_label(label: str) -> str:
    """How a class name is drawn in a figure.

    Latin labels are returned as they are (``$`` escaped, since matplotlib reads
    ``$...$`` as math). A label with Arabic letters is shaped and reordered with
    ``arabic_reshaper`` + ``python-bidi`` when both are importable, otherwise
    transliterated to Buckwalter ASCII (``pyarabic.trans``).

    >>> display_label("middleEast")
    'middleEast'
    """
    label = str(label)
    if _ARABIC.search(label):
        try:
            import arabic_reshaper
            from bidi.algorithm import get_display
        except ImportError:
            from pyarabic import trans

            label = trans.convert(label, "arabic", "tim")
        else:
            return get_display(arabic_reshaper.reshape(label)).replace("$", r"\$")
    return label.replace("$", r"\$")


def _slug(task: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", task) or "task"


def _confusion_png(path: Path, labels: list[str], matrix: np.ndarray, title: str) -> Path:
    totals = matrix.sum(axis=1, keepdims=True)
    norm = np.divide(matrix, totals, out=np.zeros(matrix.shape, dtype=float), where=totals > 0)
    k = len(labels)
    size = min(max(4.5, 0.55 * k + 2.5), 24)
    fig = new_figure(size, size * 0.9)
    ax = fig.add_subplot()
    image = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    names = [display_label(l) for l in labels]
    ax.set_xticks(range(k), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(k), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    if k <= _ANNOTATE_UP_TO:
        for i in range(k):
            for j in range(k):
                if matrix[i, j]:
                    ax.text(j, i, f"{100 * norm[i, j]:.0f}", ha="center", va="center", fontsize=7,
                            color="white" if norm[i, j] > 0.5 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
    return save_figure(fig, path)


def _per_class_png(path: Path, rows: list[dict], title: str, spread: str = "mean ± std over folds") -> Path:
    rows = sorted(rows, key=lambda r: (-r["f1"], r["label"]))
    fig = new_figure(7, 1.2 + 0.3 * len(rows))
    ax = fig.add_subplot()
    ys = np.arange(len(rows))[::-1]
    ax.barh(ys, [100 * r["f1"] for r in rows], xerr=[100 * r["f1_std"] for r in rows], color="tab:blue",
            error_kw={"capsize": 2, "elinewidth": 0.8})
    ax.set_yticks(ys, [f"{display_label(r['label'])} (n={r['support']})" for r in rows], fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"F1 (%), {spread}")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, path)


def _reliability_png(path: Path, table: dict, title: str) -> Path:
    fig = new_figure(5, 5)
    ax = fig.add_subplot()
    bins = [b for b in table["bins"] if b["count"]]
    width = 1.0 / len(table["bins"])
    ax.bar([b["low"] for b in bins], [b["accuracy"] for b in bins], width=width, align="edge",
           color="tab:blue", edgecolor="white", label="accuracy")
    ax.bar([b["low"] for b in bins], [b["confidence"] - b["accuracy"] for b in bins], bottom=[b["accuracy"] for b in bins],
           width=width, align="edge", facecolor="none", edgecolor="tab:red", hatch="//", linewidth=0.8,
           label="gap to mean confidence")
    ax.plot([0, 1], [0, 1], "k--", linewidth=1, label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence (max probability)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{title}\nECE = {100 * table['ece']:.1f} % ({len(table['bins'])} bins, n = {table['n']})")
    ax.legend(fontsize=8, loc="upper left")
    return save_figure(fig, path)


# ----------------------------------------------------------------------------- numbers
def reliability_table(y_true, proba, labels, *, n_bins: int = 10) -> dict:
    """Reliability diagram data and expected calibration error of the top-class probability.

    For each example, the confidence is its largest probability and the prediction the
    label of that column. Confidences fall into ``n_bins`` equal-width bins
    ``((m-1)/M, m/M]`` (a confidence of exactly 0 joins the first bin), and

    ``ECE = sum_m |B_m| / n * |acc(B_m) - conf(B_m)|``

    where ``acc`` is the share of correct predictions and ``conf`` the mean confidence in bin m.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Gold labels.
    proba : array-like of shape (n_samples, n_labels)
        Predicted probabilities, columns in the order of ``labels``.
    labels : sequence of str of length n_labels
    n_bins : int, default=10

    Returns
    -------
    dict
        ``ece``, ``n``, ``n_bins`` and ``bins``: a list of ``low``, ``high``, ``count``,
        ``confidence`` and ``accuracy`` (None for an empty bin).

    Raises
    ------
    DataError
        If shapes disagree or there are no examples.

    Notes
    -----
    Sources: M. P. Naeini, G. F. Cooper and M. Hauskrecht, "Obtaining well calibrated
    probabilities using Bayesian binning", AAAI 2015 (ECE); C. Guo, G. Pleiss, Y. Sun and
    K. Q. Weinberger, "On calibration of modern neural networks", ICML 2017, section 2
    (reliability diagrams, bins and the ECE formula used here).

    Examples
    --------
    >>> t = reliability_table(["a", "b"], [[0.9, 0.1], [0.7, 0.3]], ["a", "b"], n_bins=10)
    >>> round(t["ece"], 3)  # bin (0.8, 0.9]: conf .9 acc 1; bin (0.6, 0.7]: conf .7 acc 0
    0.4
    """
    proba = np.asarray(proba, dtype=float)
    y = np.asarray(y_true, dtype=object).ravel()
    labels = np.asarray(list(labels), dtype=object)
    if proba.ndim != 2 or proba.shape[0] != y.size or proba.shape[1] != labels.size:
        raise DataError(f"proba of shape {proba.shape} does not match {y.size} labels x {labels.size} classes")
    if not y.size:
        raise DataError("no examples for a reliability diagram")
    conf = proba.max(axis=1)
    correct = labels[proba.argmax(axis=1)] == y
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)
    bins, ece = [], 0.0
    for m in range(n_bins):
        mask = which == m
        count = int(mask.sum())
        acc = float(correct[mask].mean()) if count else None
        mean_conf = float(conf[mask].mean()) if count else None
        if count:
            ece += count / y.size * abs(acc - mean_conf)
        bins.append({"low": float(edges[m]), "high": float(edges[m + 1]), "count": count,
                     "confidence": mean_conf, "accuracy": acc})
    return {"ece": float(ece), "n": int(y.size), "n_bins": n_bins, "bins": bins}


def most_confused(labels: list[str], matrix, *, k: int = 5) -> list[dict]:
    """The ``k`` largest off-diagonal cells of a confusion matrix (rows = true).

    Returns
    -------
    list of dict
        ``true``, ``predicted``, ``count`` and ``share`` (of the true class), largest count
        first; ties by label names.
    """
    matrix = np.asarray(matrix, dtype=int)
    totals = matrix.sum(axis=1)
    cells = [(int(matrix[i, j]), labels[i], labels[j], i) for i in range(len(labels))
             for j in range(len(labels)) if i != j and matrix[i, j] > 0]
    cells.sort(key=lambda c: (-c[0], c[1], c[2]))
    return [{"true": t, "predicted": p, "count": n, "share": n / totals[i]} for n, t, p, i in cells[:k]]


# ----------------------------------------------------------------------------- markdown
def _pct(x, std=None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "\u2014"
    return f"{100 * x:.1f}" + ("" if std is None else f" ± {100 * std:.1f}")


def _table(header, rows) -> list[str]:
    return markdown_table(header, rows).split("\n")


def describe_split(cv: dict) -> str:
    """Say in words which evaluation produced a task's numbers."""
    scheme, split, folds = cv.get("scheme"), str(cv.get("split") or ""), cv.get("folds")
    if scheme == "stratified_kfold":
        text = f"{folds}-fold stratified cross-validation, scored out-of-fold (`{split}`)"
    elif scheme == "repeated_stratified_kfold":
        reps = cv.get("repeats") or 1
        text = (f"{folds // reps}-fold stratified cross-validation repeated {reps} times ({folds} folds; out-of-fold "
                f"predictions from repeat 0, `{split}`)")
        ci = (cv.get("interval") or {}).get("macro_f1")
        if ci:
            text += f"; macro-F1 {ci['mean']:.4f}, 95 % CI [{ci['low']:.4f}, {ci['high']:.4f}] (corrected for overlapping folds)"
    elif scheme == "temporal":
        p = cv.get("periods") or {}
        tr, te = p.get("train") or {}, p.get("test") or {}
        text = (f"temporal split: trained on {tr.get('n')} articles published {tr.get('from')} to {tr.get('to')}, "
                f"tested on {te.get('n')} published {te.get('from')} to {te.get('to')} (`{split}`)")
    elif scheme == "leave_one_source_out":
        text = f"leave-one-source-out cross-validation over {folds} sources (`{split}`)"
    elif scheme == "predefined":
        text = f"predefined split, trained on the rest and tested on `{split.partition(':')[2] or split}`"
    elif scheme == "evaluate":
        text = f"a trained model evaluated on `{split.partition(':')[2] or split}`"
    else:
        text = f"scheme `{scheme}`, split `{split}`"
    if cv.get("group_duplicates") is True:
        text += "; duplicate texts kept in one fold"
    elif cv.get("group_duplicates") is False:
        text += "; duplicates NOT grouped, scores may be optimistic"
    return text


def _many_folds(cv: dict) -> bool:
    return int(cv.get("folds") or 1) > 1


def _spread(cv: dict) -> str:
    """How the headline numbers were formed: over folds, or on one test set (predefined split, evaluate)."""
    return "mean ± std over folds" if _many_folds(cv) else "on one test set"


def _mean_std(entry) -> tuple:
    entry = entry or {}
    return entry.get("mean"), entry.get("std")


def _task_section(run: Run, task: str, images: dict[str, str], ece: float | None, notes: list[str]) -> list[str]:
    tm = run.metrics["tasks"][task]
    cv = tm.get("cv") or {}
    if not cv:
        return [f"## Task `{task}`", "", f"Not evaluated (trained with --no-cv): no cross-validated metrics; "
                f"{tm.get('n_examples', '?')} examples, {len(tm.get('labels') or [])} classes.", ""]
    mean, std = _mean_std(cv.get("macro_f1"))
    spread = _spread(cv)
    out = [f"## Task `{task}`", "",
           f"**macro-F1 {_pct(mean, std) if _many_folds(cv) else _pct(mean)} %** ({spread}) from {describe_split(cv)}; "
           f"{tm.get('n_examples', '?')} examples, {len(tm.get('labels') or [])} classes.", ""]
    oof = cv.get("oof") or {}
    out += _table(["metric", f"{spread} (%)", "pooled out-of-fold (%)" if _many_folds(cv) else "pooled (%)"],
                  [[m, _pct(*_mean_std(cv.get(m))), _pct(oof.get(m))] for m in ("accuracy", "macro_f1", "weighted_f1")])
    if cv.get("by_group"):
        out += ["", "### By held-out source", ""]
        out += _table(["held-out source", "n", "accuracy (%)", "macro-F1 (%)"],
                      [[g, v.get("n"), _pct(v.get("accuracy")), _pct(v.get("macro_f1"))] for g, v in sorted(cv["by_group"].items())])
    per_class = cv.get("per_class") or {}
    if per_class:
        out += ["", f"### Per class (%, {spread})", ""]
        out += _table(["label", "precision", "recall", "F1", "support"],
                      [[label, _pct(*_mean_std(v.get("precision"))), _pct(*_mean_std(v.get("recall"))),
                        _pct(*_mean_std(v.get("f1"))), v.get("support", "")] for label, v in per_class.items()])
    cm = cv.get("confusion_matrix") or {}
    if cm.get("labels"):
        pairs = most_confused(cm["labels"], cm["matrix"])
        out += ["", "### Most confused pairs (summed out-of-fold)", ""]
        out += _table(["true", "predicted as", "count", "% of the true class"],
                      [[p["true"], p["predicted"], p["count"], _pct(p["share"])] for p in pairs]) if pairs else ["No confusions."]
    if images:
        out += ["", "### Figures", ""]
        for caption, name in images.items():
            out += [f"![{caption}]({name})", ""]
        if ece is not None:
            out += [f"Expected calibration error (10 bins): {100 * ece:.1f} %.", ""]
    if tm.get("folds"):
        held = any(f.get("held_out") for f in tm["folds"])
        seconds = (run.run.get("fold_seconds") or {}).get(task) or [f.get("seconds") for f in tm["folds"]]  # older runs: in metrics
        out += ["", "### Folds", ""]
        out += _table(["fold"] + (["held out"] if held else []) + ["n train", "n test", "accuracy (%)", "macro-F1 (%)", "seconds"],
                      [[f.get("fold")] + ([f.get("held_out") or ""] if held else [])
                       + [f.get("n_train"), f.get("n_test"), _pct(f.get("accuracy")), _pct(f.get("macro_f1")),
                          f"{s:.1f}" if s is not None else ""] for f, s in zip(tm["folds"], seconds)])
    out += [f"- {n}" for n in notes]
    return out + [""]


def _header(run: Run) -> list[str]:
    r = run.run
    git = r.get("git") or {}
    data = r.get("data") or {}
    commit = str(git.get("commit") or "unknown")[:12] + (" (uncommitted changes)" if git.get("dirty") else "")
    rows = [["kind", r.get("kind", "")], ["created", r.get("created", "")], ["git commit", commit],
            ["config hash", r.get("config_hash", "")], ["seed", r.get("seed", run.config.get("seed", ""))],
            ["overrides", " ".join(f"`{o}`" for o in r.get("overrides") or []) or "none"],
            ["data", f"{data.get('n_examples', '?')} examples, fingerprint `{str(data.get('fingerprint', ''))[:16]}`"]]
    if r.get("wall_seconds") is not None:
        rows.append(["wall time", f"{r['wall_seconds']:.1f} s"])
    return [f"# Run report: {run.name} / {run.run_id}", ""] + _table(["", ""], rows) + [""]


def _footer(run: Run) -> list[str]:
    data = run.run.get("data") or {}
    out = ["## Data and duplicates", ""]
    dup = data.get("duplicates")
    if dup:
        out += ["How duplicates were found and handled (full record: `data.duplicates` in [run.json](run.json)):", ""]
        for key, value in dup.items():
            text = value if isinstance(value, (int, float, str, bool)) or value is None else json.dumps(value, ensure_ascii=False)
            text = str(text)
            out.append(f"- {key}: {text if len(text) <= 200 else text[:200] + '…'}")
    else:
        out.append("No duplicate information recorded in [run.json](run.json).")
    timing = run.run.get("timing") or {}
    if timing:
        out += ["", "## Timing", ""]
        out += _table(["stage", "seconds", "peak RSS (MB)"],
                      [[stage, f"{t.get('seconds', 0):.1f}", f"{t['peak_rss_mb']:.0f}" if t.get("peak_rss_mb") is not None else ""]
                       for stage, t in timing.items()])
    config_text = (run.path / "config.yaml").read_text(encoding="utf-8").rstrip()
    out += ["", "## Resolved config", "", "```yaml", config_text, "```", ""]
    return out


def write_report(run_path: str | Path) -> Path:
    """Write the figures and ``report.md`` of one run into its folder.

    Parameters
    ----------
    run_path : str or Path
        A finished run folder.

    Returns
    -------
    Path
        The written ``report.md``. Next to it, per task: ``confusion_<task>.png``,
        ``per_class_f1_<task>.png`` and, when OOF probabilities exist,
        ``reliability_<task>.png`` (see :func:`reliability_table`).

    Raises
    ------
    DataError
        If the folder is not a finished run or its files are corrupt.
    """
    run = load_run(run_path)
    lines = _header(run)
    transliterated = False
    for task in run.tasks:
        tm = run.metrics["tasks"][task]
        cv = tm.get("cv") or {}
        slug, images, notes, ece = _slug(task), {}, [], None
        labels = list((cv.get("confusion_matrix") or {}).get("labels") or tm.get("labels") or [])
        transliterated |= any(_ARABIC.search(str(l)) for l in labels)
        cm = cv.get("confusion_matrix") or {}
        if cm.get("labels"):
            name = f"confusion_{slug}.png"
            _confusion_png(run.path / name, list(cm["labels"]), np.asarray(cm["matrix"], dtype=int),
                           f"{task}: confusion (row-normalized, %)")
            images["Confusion matrix, row-normalized"] = name
        per_class = cv.get("per_class") or {}
        if per_class:
            name = f"per_class_f1_{slug}.png"
            rows = [{"label": l, "f1": (v.get("f1") or {}).get("mean") or 0.0, "f1_std": (v.get("f1") or {}).get("std") or 0.0,
                     "support": v.get("support", "?")} for l, v in per_class.items()]
            _per_class_png(run.path / name, rows, f"{task}: per-class F1", _spread(cv))
            images["Per-class F1"] = name
        if run.has_oof(task):
            oof = run.oof(task)
            cols = run.proba_columns(task)
            if cols:
                table = reliability_table(oof["y_true"], oof[cols].to_numpy(), [c[len("proba:"):] for c in cols])
                name = f"reliability_{slug}.png"
                _reliability_png(run.path / name, table, f"{task}: reliability of the top class")
                images["Reliability diagram"] = name
                ece = table["ece"]
            else:
                notes.append("no probabilities in the OOF predictions: no reliability diagram")
        else:
            notes.append(f"no out-of-fold predictions (oof/{task}.parquet): no reliability diagram")
        lines += _task_section(run, task, images, ece, notes)
    if transliterated and not _can_shape():
        lines += ["Arabic class names are drawn in Buckwalter transliteration in the figures (install "
                  "arabic-reshaper and python-bidi to draw Arabic script); tables show them as they are.", ""]
    lines = [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]  # no double blank lines
    lines += _footer(run)
    return atomic_write_text(run.path / "report.md", "\n".join(lines))


def run_summary_markdown(name: str, metrics: dict, run: dict) -> str:
    """The short ``report.md`` of a training run: duplicates, then per task its split and scores.

    Parameters
    ----------
    name : str
        The config's name.
    metrics, run : dict
        The contents of ``metrics.json`` and ``run.json``.
    """
    lines = [f"# Run {run['run_id']} — {name}", "", f"Created {run['created']}; {run['data']['n_examples']} examples; "
             f"git {str(run['git']['commit'])[:10]}{' (dirty)' if run['git']['dirty'] else ''}.", ""]
    dup = run["data"]["duplicates"]
    lines += [f"Duplicates (exact, after normalization): {dup['groups']} groups, {dup['examples']} articles, "
              f"{dup['conflicting_groups']} groups with conflicting labels; each group kept in one fold.", ""]
    for task, t in metrics["tasks"].items():
        cv = t.get("cv")
        lines += [f"## Task `{task}` ({len(t['labels'])} classes, {t['n_examples']} examples)", ""]
        if not cv:
            lines += ["Not evaluated (--no-cv).", ""]
            continue
        lines += [f"Split: **{cv['split']}** ({cv['scheme']}, {cv['folds']} folds)", ""]
        if cv["scheme"] in ("repeated_stratified_kfold", "temporal"):
            lines += [describe_split(cv), ""]
        lines += _table(["metric", "mean", "std"],
                        [[m, f"{cv[m]['mean']:.4f}", f"{cv[m]['std']:.4f}"] for m in ("macro_f1", "accuracy", "weighted_f1")])
        lines += [""] + _table(["class", "precision", "recall", "F1", "support"],
                               [[lab, f"{pc['precision']['mean']:.3f}", f"{pc['recall']['mean']:.3f}", f"{pc['f1']['mean']:.3f}",
                                 pc["support"]] for lab, pc in cv["per_class"].items()])
        if "by_group" in cv:
            lines += [""] + _table(["held-out source", "macro-F1", "accuracy", "n"],
                                   [[g, f"{v['macro_f1']:.4f}", f"{v['accuracy']:.4f}", v["n"]] for g, v in cv["by_group"].items()])
        lines.append("")
    return "\n".join(lines)
