"""Classify new articles with a trained bundle.

:func:`predict` scores texts (strings, or records with ``id`` and ``text``); :func:`predict_files`
reads files, folders or standard input in any format :func:`arclf.text.decode.iter_inputs` knows
(plain text, ANT files, JSONL, scraped article pages) and scores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from arclf.errors import InputError

__all__ = ["predict", "predict_files", "Prediction", "TaskPrediction", "UNKNOWN"]

#: The label given when the best probability is below ``min_proba``.
UNKNOWN = "unknown"


@dataclass
class TaskPrediction:
    """One task's answer: the label, its probability, and the probability of every label (descending)."""

    label: str
    proba: float
    scores: dict


@dataclass
class Prediction:
    """All tasks' answers for one input record; ``info`` holds what the reader found (title, format, encoding)."""

    id: str
    tasks: dict
    info: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """``{"id": ..., "<task>": {"label": ..., "scores": {...}}, ...}`` (the JSONL record)."""
        out = {"id": self.id}
        for name, tp in self.tasks.items():
            out[name] = {"label": tp.label, "scores": tp.scores}
        return out


def predict(bundle, texts, *, ids=None, top_k: int | None = None, min_proba: float | None = None, tasks=None) -> list[Prediction]:
    """Score texts with every task of a bundle.

    Parameters
    ----------
    bundle : Bundle, ArrayPredictor or path
        A bundle, what :func:`arclf.bundle.model.load_predictor` returns, a ``model.joblib`` path or a
        run folder (loaded with :func:`~arclf.bundle.model.load_predictor`: no scikit-learn import).
    texts : str, list of str or list of dict
        Texts, or records with ``text`` (and optional ``id``); a single string is one text.
    ids : list of str, optional
        Ids for plain texts (default ``"0"``, ``"1"``, …).
    top_k : int, optional
        Keep only the ``top_k`` most probable labels in ``scores``.
    min_proba : float, optional
        Below this probability the label is :data:`UNKNOWN` (scores are kept).
    tasks : list of str, optional
        Subset of the bundle's tasks.

    Returns
    -------
    list of Prediction, one per input, in input order.

    Raises
    ------
    InputError
        ``texts`` is empty, or holds a non-string, empty or whitespace-only text or one
        without Arabic letters (the checks ``arclf predict`` makes).
    BundleError
        ``bundle`` is a path that holds no readable bundle.
    """
    if isinstance(bundle, (str, Path)):
        from arclf.bundle.model import load_predictor

        bundle = load_predictor(bundle)
    from arclf.text.decode import has_arabic

    if isinstance(texts, (str, dict)):  # one text, not a sequence of characters or keys
        texts = [texts]
    records = [t if isinstance(t, dict) else {"text": t} for t in texts]
    if not records:
        raise InputError("nothing to classify: no input text")
    for i, rec in enumerate(records):
        text = rec.get("text")
        if not isinstance(text, str):
            raise InputError(f"record {i}: text must be a string, got {type(text).__name__}")
        if not text.strip():
            raise InputError(f"record {i}: empty text; give the article's text")
        if not has_arabic(text):
            raise InputError(f"record {i}: no Arabic letters; arclf classifies Arabic text")
    if ids is None:
        ids = [str(r.get("id", i)) for i, r in enumerate(records)]
    per_task = bundle.predict_proba([r["text"] for r in records], tasks)
    out = []
    for i, rec in enumerate(records):
        answers = {}
        for name, (classes, proba) in per_task.items():
            order = np.argsort(-proba[i], kind="stable")
            if top_k:
                order = order[:top_k]
            scores = {str(classes[j]): round(float(proba[i, j]), 6) for j in order}
            best = order[0]
            label = str(classes[best]) if min_proba is None or proba[i, best] >= min_proba else UNKNOWN
            answers[name] = TaskPrediction(label, float(proba[i, best]), scores)
        info = {k: v for k, v in rec.items() if k not in ("text", "id")}
        out.append(Prediction(ids[i], answers, info))
    return out


def predict_files(bundle, inputs: list[str | Path], *, stdin=None, top_k=None, min_proba=None,
                  skipped: list | None = None) -> list[Prediction]:
    """Read inputs (files, folders, ``-``) with :func:`arclf.text.decode.iter_inputs` and :func:`predict` them.

    With a ``skipped`` list, unreadable inputs are left out and listed there as
    ``(path, reason)`` instead of stopping the batch (the ``--skip-bad`` switch).

    Raises
    ------
    InputError
        An input is missing, empty, binary, undecodable or has no Arabic letters (without
        ``skipped``), or no input at all could be read.
    """
    from arclf.prediction.inputs import iter_inputs

    if isinstance(bundle, (str, Path)):
        from arclf.bundle.model import load_predictor

        bundle = load_predictor(bundle)
    records = list(iter_inputs(inputs, stdin=stdin, skipped=skipped))
    if not records:
        why = f" ({len(skipped)} skipped; first: {skipped[0][1]})" if skipped else ""
        raise InputError(f"no article found in the inputs{why}")
    return predict(bundle, records, ids=[str(r["id"]) for r in records], top_k=top_k, min_proba=min_proba)
