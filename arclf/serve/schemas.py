"""The request and response bodies of ``arclf serve``, as pydantic models (they make the OpenAPI schema).

A classify request holds a batch of articles, each a plain string or an ``{id, text}`` record.
Every record is checked before anything is scored (a string, not empty, with Arabic letters: the
checks :func:`arclf.prediction.predict` makes), and *every* bad record of a batch is reported at
once, each by its position and id, instead of the first one only.
"""

from __future__ import annotations

from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from arclf.text.decode import has_arabic

__all__ = ["ClassifyRecord", "ClassifyRequest", "ClassifyResponse", "ErrorBody", "Health", "Readiness",
           "RecordProblem", "VersionInfo", "check_records"]

#: The pydantic error type that carries the problems of a batch's records (see :func:`check_records`).
RECORD_ERROR = "arclf_records"


class ClassifyRecord(BaseModel):
    """One article with an id of the caller's choosing (echoed back in the answer)."""

    id: Optional[Union[str, int]] = Field(None, description="Echoed back as a string; default: the position in the batch.")
    text: str = Field(..., description="The article: title and body, Arabic letters required.")


class RecordProblem(BaseModel):
    """Why one record of a batch cannot be classified."""

    record: int = Field(..., description="Position of the record in `texts` (0-based).")
    id: Optional[str] = Field(None, description="The record's id, when it has one.")
    message: str


def _problem(i: int, item: Any) -> dict | None:
    """The problem of one record as ``{record, id, message}``, or None when it can be classified."""
    rid = None
    if isinstance(item, dict):
        rid = None if item.get("id") is None else str(item["id"])
        text = item.get("text")
        if "text" not in item:
            return {"record": i, "id": rid, "message": f"record {i}: no 'text' field"}
    elif isinstance(item, str):
        text = item
    else:
        return {"record": i, "id": None,
                "message": f"record {i}: expected a string or an {{id, text}} object, got {type(item).__name__}"}
    if not isinstance(text, str):
        message = f"record {i}: text must be a string, got {type(text).__name__}"
    elif not text.strip():
        message = f"record {i}: empty text; give the article's text"
    elif not has_arabic(text):
        message = f"record {i}: no Arabic letters; arclf classifies Arabic text"
    else:
        return None
    return {"record": i, "id": rid, "message": message}


def check_records(items: list) -> list[dict]:
    """Every problem of a batch, as ``[{record, id, message}, ...]`` (empty when all can be classified).

    Parameters
    ----------
    items : list
        The batch as decoded from JSON: strings, or dicts with ``text`` (and ``id``).
    """
    return [p for p in (_problem(i, item) for i, item in enumerate(items)) if p is not None]


class ClassifyRequest(BaseModel):
    """A batch to classify, and how to answer."""

    model_config = ConfigDict(extra="forbid")

    texts: list[Union[str, ClassifyRecord]] = Field(
        ..., min_length=1, description="Articles: strings, or {id, text} records (a saved article page is parsed as "
                                       "`arclf predict` parses it when given as a string).")
    top_k: Optional[int] = Field(None, ge=1, description="Keep the k most probable labels in each task's scores.")
    min_proba: Optional[float] = Field(None, ge=0.0, le=1.0, description="Below this probability the label is 'unknown'.")
    tasks: Optional[list[str]] = Field(None, min_length=1, description="A subset of the bundle's tasks (default: all).")
    abstain: bool = Field(True, description="Apply the bundle's per-class abstention thresholds.")

    @model_validator(mode="before")
    @classmethod
    def _texts_is_given(cls, value):
        if isinstance(value, dict) and "texts" not in value:
            got = ", ".join(sorted(map(str, value))) or "nothing"
            raise PydanticCustomError("texts_missing", 'no "texts" field (the body has {got}); send '
                                      '{"texts": ["article text", ...]} or {"texts": [{"id": ..., "text": ...}]}',
                                      {"got": got})
        return value

    @field_validator("texts", mode="before")
    @classmethod
    def _records_are_articles(cls, value):
        if isinstance(value, list):
            problems = check_records(value)
            if problems:
                raise PydanticCustomError(RECORD_ERROR, "{summary}",
                                          {"summary": problems[0]["message"], "problems": problems})
        return value


class ClassifyResponse(BaseModel):
    """The answers, one per record in input order, each as a line of ``arclf predict --format jsonl``:
    ``{"id": ..., "<task>": {"label": ..., "scores": {"<label>": p, ...}, "answered_by": ...}, ...}``."""

    bundle_id: str = Field(..., description="SHA-256 (first 16 hex digits) of the bundle file that answered.")
    predictions: list[dict[str, Any]]


class ErrorBody(BaseModel):
    """Every 4xx answer: one line saying what is wrong and, for bad records, each record's problem."""

    error: str
    records: list[RecordProblem] = Field(default_factory=list)


class Health(BaseModel):
    status: str = "ok"


class Readiness(BaseModel):
    ready: bool
    status: str = Field(..., description="'ready', or what the server is still doing.")
    bundle_id: str


class VersionInfo(BaseModel):
    arclf: str
    bundle: dict[str, Any]
    versions: dict[str, str]
