"""Classify new articles with a trained bundle.

:func:`predict` scores texts (strings, or records with ``id`` and ``text``); :func:`predict_files`
reads files, folders or standard input in any format :func:`arclf.text.decode.iter_inputs` knows
(plain text, ANT files, JSONL, scraped article pages) and scores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from arclf.errors import InputError
from arclf.evaluation.novelty import novel
from arclf.text.outlets import find_attribution

__all__ = ["predict", "predict_chunk", "predict_files", "predict_iter", "Prediction", "TaskPrediction", "UNKNOWN"]

#: The label given when the best probability is below ``min_proba``.
UNKNOWN = "unknown"


@dataclass
class TaskPrediction:
    """One task's answer: the label, its probability, and the probability of every label (descending).

    ``answered_by`` says what gave the label: ``model``; ``model (abstained)`` when the model's
    probability was below its threshold and the label is :data:`UNKNOWN`; ``mentions`` (the
    place tagger, for a ``source: mentions`` task: ``proba`` is None); ``attribution`` (the page
    credits a foreign outlet). ``evidence`` holds what a rule saw.
    """

    label: str
    proba: float | None
    scores: dict
    answered_by: str = "model"
    evidence: dict | None = None


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
            out[name] = {"label": tp.label, "scores": tp.scores, "answered_by": tp.answered_by}
            if tp.evidence is not None:
                out[name]["evidence"] = tp.evidence
        return out


def predict(bundle, texts, *, ids=None, top_k: int | None = None, min_proba: float | None = None, tasks=None,
            abstain: bool = True) -> list[Prediction]:
    """Score texts with every task of a bundle.

    Parameters
    ----------
    bundle : Bundle, ArrayPredictor or path
        A bundle, what :func:`arclf.bundle.model.load_predictor` returns, a ``model.arclf`` path or a
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
    abstain : bool, default=True
        Apply the bundle's per-class thresholds (tasks trained with ``abstain``): below its
        class's threshold a label becomes :data:`UNKNOWN`, its scores kept.

    Rule tasks and attribution: a ``source: mentions`` task is answered by
    :func:`arclf.text.places.place_tagger` (its coverage country at the task's level), and a
    ``source_type`` task by the foreign outlet a page credits (:func:`arclf.text.outlets.find_attribution`)
    when there is one; :attr:`TaskPrediction.answered_by` says which answered.

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
    records = [t if isinstance(t, dict) else _text_record(t) for t in texts]
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
    meta = getattr(bundle, "meta", None) or {}
    config_tasks = (meta.get("config") or {}).get("tasks", [])
    rules = [t for t in config_tasks if t.get("source") == "mentions" and (tasks is None or t["name"] in tasks)]
    model_tasks = [t for t in (tasks or list(bundle.tasks)) if t in bundle.tasks]
    abstention = dict(meta.get("abstention") or {}) if abstain else {}
    thresholds = {k: v["thresholds"] for k, v in abstention.items() if v.get("rule", "probability") == "probability"}
    fields = {t["name"]: t.get("field") or t["name"] for t in config_tasks}
    per_task = bundle.predict_scores([r["text"] for r in records], model_tasks) if model_tasks else {}
    flagged = {name: novel(classes, decision, abstention[name]["novelty"]["detector"], abstention[name]["novelty"]["thresholds"])
               for name, (classes, _, decision) in per_task.items()
               if abstention.get(name, {}).get("rule") == "novelty" and decision is not None}
    out = []
    for i, rec in enumerate(records):
        answers = {}
        for name, (classes, proba, _) in per_task.items():
            answers[name] = _model_answer(classes, proba[i], top_k, min_proba, thresholds.get(name),
                                          name in flagged and bool(flagged[name][i]))
        attribution = find_attribution([c for c in (rec.get("column"), *(rec.get("sections") or ())) if c])
        for name in answers:
            if attribution and fields.get(name) == "source_type":
                answers[name] = TaskPrediction(attribution["source_type"], None, answers[name].scores, "attribution",
                                               {k: attribution[k] for k in ("name", "country", "kind", "credited_as")})
        for t in rules:
            answers[t["name"]] = _mentions_answer(rec, t.get("level"))
        order = [t["name"] for t in config_tasks if t["name"] in answers]
        answers = {name: answers[name] for name in order + [n for n in answers if n not in order]}  # the config's order
        info = {k: v for k, v in rec.items() if k not in ("text", "id")}
        out.append(Prediction(ids[i], answers, info))
    return out


def _text_record(text) -> dict:
    """A plain text as a record; a saved article page is parsed as ``arclf predict`` parses it."""
    from arclf.corpus.pages import looks_like_page, parse_page
    from arclf.corpus.schema import join_text

    if isinstance(text, str) and looks_like_page(text):
        page = parse_page(text)
        return {"text": join_text(page["title"], page["body"]), "title": page["title"] or None,
                "sections": page["sections"], "column": page["column"], "format": "page"}
    return {"text": text}


def _model_answer(classes, proba: np.ndarray, top_k, min_proba, thresholds: dict | None, is_novel: bool = False) -> TaskPrediction:
    order = np.argsort(-proba, kind="stable")
    if top_k:
        order = order[:top_k]
    scores = {str(classes[j]): round(float(proba[j]), 6) for j in order}
    best = order[0]
    label, by = str(classes[best]), "model"
    if min_proba is not None and proba[best] < min_proba:
        label = UNKNOWN
    elif is_novel or (thresholds and proba[best] < thresholds.get(label, 0.0)):
        label, by = UNKNOWN, "model (abstained)"
    return TaskPrediction(label, float(proba[best]), scores, by)


def _mentions_answer(rec: dict, level: str | None) -> TaskPrediction:
    """A region from the countries the article names (the place tagger's coverage rule)."""
    from arclf.corpus.labels import region_levels
    from arclf.text.places import place_tagger

    found = place_tagger().tag(rec["text"], rec.get("title"), rec.get("sections") or ())
    levels = region_levels(found.country)
    label = levels[level or "country"] if found.country else UNKNOWN
    evidence = {**levels, "mentions": {c: m["score"] for c, m in list(found.mentions.items())[:5]},
                "forms": {c: m["forms"] for c, m in list(found.mentions.items())[:2]}}
    return TaskPrediction(label or UNKNOWN, None, {}, "mentions", evidence)


def predict_chunk(records: list[dict], bundle, options: dict) -> list[Prediction]:
    """:func:`predict` of one chunk of records with their own ids (an engine task: records first, bundle shared)."""
    return predict(bundle, records, ids=[str(r["id"]) for r in records], **options)


_FIRST_CHUNK = 16  # articles in the first chunk predict_iter scores


def predict_iter(bundle, inputs: list[str | Path], *, stdin=None, top_k=None, min_proba=None, skipped: list | None = None,
                 abstain: bool = True, text_column: str = "text", id_column: str | None = None,
                 title_column: str | None = None, chunk_size: int = 256, jobs: int = 1, engine=None) -> Iterator[Prediction]:
    """Read inputs and yield their predictions as they are scored, ``chunk_size`` articles at a time.

    The first chunk holds only 16 articles (the next one the rest of ``chunk_size``), so the first
    answers come as soon as the model is loaded.

    Memory stays flat whatever the number of inputs (JSON Lines files are read a line at a
    time), output order is input order, and an article's probabilities do not depend on the
    chunk it is scored in. Arguments as :func:`predict_files`, and:

    Parameters
    ----------
    jobs : int, default=1
        Processes scoring chunks at once on the local engine (-1: every core); each gets the
        bundle once. Reading and writing stay in this process, a few chunks ahead.
    engine : Engine, EngineSpec or str, optional
        Where chunks are scored (``local``, ``dask://local``, ``dask://host:8786``, see
        :mod:`arclf.engine`); default: the current engine, or a local one of ``jobs`` processes.

    Yields
    ------
    Prediction

    Raises
    ------
    InputError
        As :func:`predict_files`; "no article found" only once every input has been read.
    EngineError
        The engine could not score a chunk (its workers died).
    """
    from arclf.engine import Engine, current_engine, open_engine
    from arclf.prediction.inputs import iter_inputs

    if isinstance(bundle, (str, Path)):
        from arclf.bundle.model import load_predictor

        bundle = load_predictor(bundle)

    def chunks():  # the first chunk small, so the first answers come after a few articles; then chunk borders
        chunk, n = [], 0
        size = min(_FIRST_CHUNK, chunk_size)
        for rec in iter_inputs(inputs, stdin=stdin, skipped=skipped, text_column=text_column, id_column=id_column,
                               title_column=title_column):
            chunk.append(rec)
            if len(chunk) >= size:
                yield chunk
                n += len(chunk)
                chunk = []
                size = chunk_size - n % chunk_size  # 16, 240, 256, 256...
        if chunk:
            yield chunk

    if engine is None:
        engine = current_engine() if jobs == 1 else "local"
    eng = engine if isinstance(engine, Engine) else open_engine(engine, jobs=jobs)
    options = {"top_k": top_k, "min_proba": min_proba, "abstain": abstain}
    n = 0
    for preds in eng.map(predict_chunk, chunks(), bundle, options):
        n += len(preds)
        yield from preds
    if not n:
        why = f" ({len(skipped)} skipped; first: {skipped[0][1]})" if skipped else ""
        raise InputError(f"no article found in the inputs{why}")


def predict_files(bundle, inputs: list[str | Path], *, stdin=None, top_k=None, min_proba=None,
                  skipped: list | None = None, abstain: bool = True, text_column: str = "text",
                  id_column: str | None = None, title_column: str | None = None, jobs: int = 1,
                  engine=None) -> list[Prediction]:
    """Read inputs (files, folders, ``-``) with :func:`arclf.prediction.inputs.iter_inputs` and :func:`predict` them.

    With a ``skipped`` list, unreadable inputs are left out and listed there as
    ``(path, reason)`` instead of stopping the batch (the ``--skip-bad`` switch).
    :func:`predict_iter` is the streaming form; ``jobs`` and ``engine`` are as there.

    Raises
    ------
    InputError
        An input is missing, empty, binary, undecodable or has no Arabic letters (without
        ``skipped``), or no input at all could be read.
    """
    return list(predict_iter(bundle, inputs, stdin=stdin, top_k=top_k, min_proba=min_proba, skipped=skipped,
                             abstain=abstain, text_column=text_column, id_column=id_column, title_column=title_column,
                             jobs=jobs, engine=engine))
