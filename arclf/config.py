"""Experiment configs: YAML validated once, at load, into typed objects.

A config names the data, the tasks, the pipeline (normalization, features, classifier),
the evaluation and one ``seed`` that drives every random choice. Unknown keys are
rejected; every error is reported at once with its dotted path and the file's name.
Relative paths resolve against the config file. See ``configs/`` for examples and the
README for every key.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from arclf.errors import ConfigError
from arclf.util.files import read_yaml, yaml_loads

__all__ = [
    "Config", "CorpusSpec", "TaskSpec", "NormalizeSpec", "CharSpec", "WordSpec", "FeaturesSpec",
    "ClassifierSpec", "CVSpec", "EngineSpec", "load_config", "parse_config", "apply_overrides", "config_hash",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class HubSpec(_Strict):
    name: str
    split: str = "train"
    revision: Optional[str] = None
    subset: Optional[str] = None


class CorpusSpec(_Strict):
    """One corpus to load.

    ``name`` picks the reader: a known corpus (``ant``, ``saudinewsnet``, ``asnd``) or a
    shape (``table``, ``folder``, ``hub``, ``pages``).
    """

    name: str
    path: Optional[Path] = None
    label_map: Optional[Path] = None
    corpus: Optional[str] = None  # name recorded in the `corpus` field (default: name)
    # table readers (csv, tsv, jsonl, parquet)
    text_column: Optional[str] = None
    title_column: Optional[str] = None
    id_column: Optional[str] = None
    label_columns: dict[str, str] = Field(default_factory=dict)  # schema field -> column
    split_column: Optional[str] = None
    # folder-per-category reader
    filename_regex: Optional[str] = None
    # hub reader
    hub: Optional[HubSpec] = None
    # keep only records whose field equals one of the values, e.g. {source: [alwatan]}
    where: dict[str, list[str]] = Field(default_factory=dict)
    # predefined split: which split names of the corpus (e.g. trn/dev/tst) to read
    splits: Optional[list[str]] = None


class DataSpec(_Strict):
    corpora: list[CorpusSpec]
    sample: Optional[int] = Field(default=None, gt=0, description="stratified sample size (first task's labels)")
    min_chars: int = Field(default=1, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _one_corpus(cls, value):
        # `data: {name: ant}` is shorthand for `data: {corpora: [{name: ant}]}`
        if isinstance(value, dict) and "corpora" not in value and "name" in value:
            keep = {k: value[k] for k in ("sample", "min_chars") if k in value}
            corpus = {k: v for k, v in value.items() if k not in keep}
            return {"corpora": [corpus], **keep}
        return value


class TaskSpec(_Strict):
    """A label to predict: a derived label (topic, region, source_type) or a raw field (section, source)."""

    name: str
    field: Optional[str] = None  # default: name
    level: Optional[Literal["country", "subregion", "scope"]] = None  # region tasks only
    min_count: int = Field(default=2, ge=1, description="drop classes with fewer examples")
    source: Literal["model", "mentions"] = Field(
        default="model", description="model: a classifier trained on the task's labels; mentions: region from the "
                                     "countries the article names (arclf.text.places), nothing trained")
    abstain: Optional[float] = Field(
        default=None, gt=0, lt=1, description="answer 'unknown' below per-class probability thresholds fitted on "
                                               "out-of-fold predictions so that this share of right answers is lost")
    abstain_by: Literal["probability", "novelty"] = Field(
        default="probability", description="probability: per-class thresholds on the top probability; novelty: a "
                                           "detector of unseen classes fitted on simulated ones (arclf.evaluation.novelty)")
    # this task's own featurizer: keys given here override the top-level `normalize` / `features`
    # (merged by Config; None = the top-level ones). Tasks with equal settings share one featurization.
    normalize: Optional["NormalizeSpec"] = None
    features: Optional["FeaturesSpec"] = None

    @model_validator(mode="after")
    def _check(self):
        if self.field is None:
            self.field = self.name
        if self.source == "mentions" and self.field != "region":
            raise ValueError("source: mentions applies to region tasks only")
        allowed = ("topic", "region", "source_type", "section", "source")
        if self.field not in allowed:
            raise ValueError(f"field must be one of {', '.join(allowed)}, got {self.field!r}")
        if self.level is not None and self.field != "region":
            raise ValueError("level applies to region tasks only")
        if self.source != "model" and (self.normalize is not None or self.features is not None):
            raise ValueError("normalize and features apply to trained tasks only (source: model)")
        return self


class NormalizeSpec(_Strict):
    """Arabic normalization steps (each can be switched off); see arclf.features.normalizer."""

    alef: bool = True
    alef_maksura: bool = True
    teh_marbuta: bool = True
    tashkeel: bool = True
    tatweel: bool = True
    farsi: bool = True
    presentation_forms: bool = True
    digits: bool = True
    bidi: bool = True
    lowercase: bool = True

    @model_validator(mode="before")
    @classmethod
    def _all_or_none(cls, value):
        # `normalize: false` switches every step off, `normalize: true` every step on
        if isinstance(value, bool):
            return {name: value for name in cls.model_fields}
        return value


class CharSpec(_Strict):
    analyzer: Literal["char_wb", "char"] = "char_wb"
    ngram_range: tuple[int, int] = (2, 5)

    @field_validator("ngram_range")
    @classmethod
    def _range(cls, v):
        if v[0] < 1 or v[0] > v[1]:
            raise ValueError(f"ngram_range={list(v)}: need 1 <= lower <= upper")
        return v


class WordSpec(_Strict):
    ngram_range: tuple[int, int] = (1, 2)

    @field_validator("ngram_range")
    @classmethod
    def _range(cls, v):
        if v[0] < 1 or v[0] > v[1]:
            raise ValueError(f"ngram_range={list(v)}: need 1 <= lower <= upper")
        return v


class FeaturesSpec(_Strict):
    """TF-IDF over hashed n-grams: char n-grams, word n-grams, or the union of both, and optionally a title block."""

    kind: Literal["char", "word", "union"] = "char"
    char: CharSpec = Field(default_factory=CharSpec)
    word: WordSpec = Field(default_factory=WordSpec)
    n_features: int = Field(default=2**22, gt=0, description="hash space per block (columns)")
    min_df: int = Field(default=2, ge=1)
    max_df: float = Field(default=1.0, gt=0, le=1)
    max_features: Optional[int] = Field(default=None, gt=0)
    sublinear_tf: bool = True
    title_weight: float = Field(
        default=0.0, ge=0, le=10, allow_inf_nan=False,
        description="a block of char n-grams of the text's first non-blank line (the title where the corpus or "
                    "page has one; a one-line post is its own title) beside the body's, its idf multiplied by this "
                    "weight; 0 = no title block")

    @field_validator("title_weight", mode="before")
    @classmethod
    def _weight_not_bool(cls, v):
        if isinstance(v, bool):  # YAML's true/false would pass as 1/0
            raise ValueError(f"expected a number such as 2 (0 = no title block), got {str(v).lower()}")
        return v


TaskSpec.model_rebuild()  # its per-task normalize / features are defined below it


class ClassifierSpec(_Strict):
    kind: Literal["linear_svm", "logistic_regression", "complement_nb", "sgd", "ridge"] = "linear_svm"
    C: float = Field(default=0.5, gt=0)
    alpha: Optional[float] = Field(default=None, gt=0, description="sgd/ridge/complement_nb regularization (None: 1e-5 / 1.0 / 0.01)")
    max_iter: int = Field(default=1000, gt=0)
    tol: float = Field(default=0.1, gt=0, description="linear_svm: stop when the projected-gradient spread is below tol")
    class_weight: Optional[Literal["balanced"]] = None
    calibration: Literal["auto", "sigmoid", "none"] = "auto"
    calibration_folds: int = Field(default=3, ge=2)
    nb_scale: bool = Field(default=False, description="linear_svm: NB-SVM, features scaled per class by naive Bayes "
                                                      "log-count ratios (Wang & Manning 2012)")

    @model_validator(mode="after")
    def _nb(self):
        if self.nb_scale and (self.kind != "linear_svm" or self.class_weight is not None):
            raise ValueError("nb_scale applies to kind: linear_svm without class_weight")
        return self


class CVSpec(_Strict):
    scheme: Literal["stratified_kfold", "repeated_stratified_kfold", "leave_one_source_out", "predefined", "temporal",
                    "none"] = "stratified_kfold"
    folds: int = Field(default=5, ge=2)
    repeats: int = Field(default=3, ge=1, description="repeated_stratified_kfold: repetitions (seeds seed, seed+1, ...)")
    cutoff: Optional[str | float] = Field(
        default=None, description="temporal: train before this date (2018-07-01) or on this earliest share (0.8)")
    group_duplicates: bool = True
    near_duplicates: Optional[float] = Field(default=None, gt=0, le=1, description="Jaccard threshold; None = exact only")
    n_jobs: int = Field(default=2, description="folds fitted in parallel (joblib); -1 = all cores")
    test_split: str = "tst"  # predefined scheme: the split held out

    @field_validator("cutoff", mode="before")
    @classmethod
    def _cutoff(cls, v):
        import datetime as dt

        if isinstance(v, (dt.date, dt.datetime)):  # YAML reads 2018-07-01 as a date
            return v.isoformat()
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if not 0 < v < 1:
                raise ValueError(f"a fraction must lie in (0, 1), got {v!r}")
            return float(v)
        if isinstance(v, str):
            try:
                dt.datetime.fromisoformat(v)
            except ValueError:
                raise ValueError("expected a date such as 2018-07-01 or a fraction such as 0.8") from None
        return v

    @model_validator(mode="after")
    def _temporal(self):
        if self.scheme == "temporal" and self.cutoff is None:
            raise ValueError("cv.scheme=temporal needs cv.cutoff: a date such as 2018-07-01 or a fraction such as 0.8")
        return self


class EngineSpec(_Strict):
    """Where the work runs: ``local`` (this process, the default) or a Dask cluster (see :mod:`arclf.engine`).

    Written as ``engine: local``, ``engine: dask://local`` (a ``LocalCluster`` of this machine's
    cores), ``engine: dask://host:8786`` or ``engine: {kind: dask, address: tcp://host:8786}``.
    Where the work runs never changes the results, so the engine is left out of :func:`config_hash`.
    """

    kind: Literal["local", "dask"] = "local"
    address: Optional[str] = Field(default=None, description="dask: scheduler address (tcp://host:port); None = a LocalCluster")
    n_workers: Optional[int] = Field(default=None, gt=0, description="dask LocalCluster: worker processes (None = one per core)")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, v):
        if not isinstance(v, str):
            return v
        text = v.strip()
        if text == "local":
            return {"kind": "local"}
        if text.startswith("dask://"):
            rest = text[len("dask://"):]
            return {"kind": "dask", "address": None if rest in ("", "local") else f"tcp://{rest}"}
        raise ValueError(f"expected local, dask://local or dask://host:port, got {v!r}")

    @model_validator(mode="after")
    def _check(self):
        if self.kind == "local" and (self.address or self.n_workers):
            raise ValueError("address and n_workers are for kind: dask")
        if self.address in ("local", ""):
            self.address = None
        if self.address is not None and "://" not in self.address:
            raise ValueError(f"address: expected a scheduler address such as tcp://host:8786, got {self.address!r}")
        return self

    def url(self) -> str:
        """The engine as ``--engine`` writes it (``local``, ``dask://local``, ``dask://host:port``)."""
        if self.kind == "local":
            return "local"
        return "dask://" + (self.address.split("://", 1)[1] if self.address else "local")


class Config(_Strict):
    """A whole experiment config. ``name`` defaults to the file's stem."""

    name: Optional[str] = None
    seed: int = 0
    data: DataSpec
    tasks: list[TaskSpec]
    normalize: NormalizeSpec = Field(default_factory=NormalizeSpec)
    features: FeaturesSpec = Field(default_factory=FeaturesSpec)
    classifier: ClassifierSpec = Field(default_factory=ClassifierSpec)
    cv: CVSpec = Field(default_factory=CVSpec)
    cache: bool = True
    engine: EngineSpec = Field(default_factory=EngineSpec)

    @model_validator(mode="before")
    @classmethod
    def _merge_task_featurizers(cls, value):
        # a task's `normalize` / `features` are deltas over the top-level ones: merge them here, so
        # the resolved config holds each task's whole featurizer and errors keep the user's paths
        if not isinstance(value, dict) or not isinstance(value.get("tasks"), list):
            return value
        tasks = []
        for task in value["tasks"]:
            if isinstance(task, dict):
                task = dict(task)
                for key in ("normalize", "features"):
                    if isinstance(task.get(key), (dict, bool)):
                        task[key] = _merge(_as_mapping(value.get(key), key), _as_mapping(task[key], key))
            tasks.append(task)
        return {**value, "tasks": tasks}

    @field_validator("tasks")
    @classmethod
    def _unique(cls, v):
        names = [t.name for t in v]
        if len(set(names)) != len(names) or not names:
            raise ValueError(f"task names must be unique and non-empty, got {names}")
        if all(t.source != "model" for t in v):
            raise ValueError("every task is answered by a rule (source: mentions); give at least one task to train")
        return v

    @model_validator(mode="after")
    def _novelty_needs_svm(self):
        spec = self.classifier
        if spec.kind != "linear_svm" or spec.class_weight is not None or spec.calibration == "none":
            for i, t in enumerate(self.tasks):
                if t.abstain is not None and t.abstain_by == "novelty":
                    raise ValueError(f"tasks.{i}.abstain_by: novelty needs classifier.kind linear_svm with calibrated "
                                     "probabilities and no class_weight; use abstain_by: probability")
        return self

    def for_task(self, name: str) -> "Config":
        """This config with task ``name``'s own ``normalize`` / ``features`` in place of the top-level ones.

        Raises
        ------
        KeyError
            No task of that name.
        """
        task = next((t for t in self.tasks if t.name == name), None)
        if task is None:
            raise KeyError(f"no task {name!r} in this config")
        return self.model_copy(update={"normalize": task.normalize or self.normalize,
                                       "features": task.features or self.features})

    def featurizer_groups(self, names: list[str] | None = None) -> list[tuple["Config", list[str]]]:
        """The tasks (default: the trained ones) grouped by featurizer: ``[(config of the group, [task names])]``.

        Tasks whose normalization and features are equal share one featurization; groups come in
        the order of their first task.
        """
        names = names if names is not None else [t.name for t in self.tasks if t.source == "model"]
        groups: dict[str, tuple[Config, list[str]]] = {}
        for name in names:
            sub = self.for_task(name)
            key = json.dumps([sub.normalize.model_dump(), sub.features.model_dump(mode="json")], sort_keys=True)
            groups.setdefault(key, (sub, []))[1].append(name)
        return list(groups.values())

    # resolved metadata (not part of the YAML)
    _source: Optional[Path] = None
    _overrides: list[str] = []
    _variant: Optional[str] = None

    def resolved(self) -> dict:
        """The fully resolved config as plain data (defaults filled in, paths absolute)."""
        return json.loads(self.model_dump_json())

    @property
    def origin(self) -> dict:
        """Where this config came from, for run records: ``{'config_file', 'overrides', 'variant'}``."""
        return {"config_file": str(self._source) if self._source else None, "overrides": list(self._overrides),
                "variant": self._variant}

    def set_origin(self, *, source: Path | None = None, overrides: list[str] | None = None,
                   variant: str | None = None) -> "Config":
        """Record where the config came from (any argument left None is kept); returns ``self``."""
        if source is not None:
            self._source = Path(source)
        if overrides is not None:
            self._overrides = list(overrides)
        if variant is not None:
            self._variant = variant
        return self


def _as_mapping(value, key: str) -> dict:
    """A raw ``normalize`` / ``features`` section as a dict (``normalize: false`` -> every step False)."""
    if isinstance(value, bool) and key == "normalize":
        return {name: value for name in NormalizeSpec.model_fields}
    return value if isinstance(value, dict) else {}


def _merge(base: dict, delta: dict) -> dict:
    """``delta`` over ``base``, nested mappings merged key by key."""
    out = dict(base)
    for key, value in delta.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _is_short_data(data) -> bool:
    """Whether a raw config writes ``data: {name: ...}`` (one corpus) instead of ``data: {corpora: [...]}``."""
    section = data.get("data") if isinstance(data, dict) else None
    return isinstance(section, dict) and "corpora" not in section and "name" in section


def _format_errors(exc: ValidationError, origin: str, short_data: bool = False) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        if short_data and loc.startswith("data.corpora.0."):  # report the path as the user wrote it
            loc = "data." + loc[len("data.corpora.0."):]
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling)"
        elif err["type"] == "value_error" and ", got " in msg:  # our validator's own words say what it got
            msg = msg.removeprefix("Value error, ")
        elif "input" in err and err["type"] not in ("missing",) and not isinstance(err["input"], (dict, list)):
            msg = f"{msg}, got {err['input']!r}"
        lines.append(f"{loc}: {msg}" if loc else msg)
    return f"{origin}: " + "; ".join(lines)


def _resolve_paths(cfg: Config, base: Path) -> None:
    for corpus in cfg.data.corpora:
        for attr in ("path", "label_map"):
            value = getattr(corpus, attr)
            if value is not None and not Path(value).expanduser().is_absolute():
                setattr(corpus, attr, (base / value).resolve())


def parse_config(data: dict, *, origin: str = "<config>", base: Path | None = None) -> Config:
    """Validate plain data into a :class:`Config`.

    Raises
    ------
    ConfigError
        Listing every problem as ``<origin>: dotted.path: what is wrong``.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc, origin, short_data=_is_short_data(data))) from None
    if base is not None:
        _resolve_paths(cfg, base)
    return cfg


def _parse_value(text: str):
    try:
        return yaml_loads(text)
    except yaml.YAMLError:
        return text


def apply_overrides(data: dict, overrides: list[str], *, origin: str = "--set") -> dict:
    """Return a copy of ``data`` with ``key.path=value`` overrides applied (values parsed as YAML).

    List items are addressed by index (``tasks.0.name=topic``). Raises :class:`ConfigError`
    for an override without ``=``.
    """
    data = copy.deepcopy(data)
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"{origin} {item!r}: expected key.path=value, e.g. cv.folds=3")
        key, value = item.split("=", 1)
        parts = key.strip().split(".")
        if parts[:2] == ["data", "corpora"] and _is_short_data(data):  # the long form, as the key is written
            data["data"] = DataSpec._one_corpus(data["data"])
        if not all(parts):
            raise ConfigError(f"{origin} {item!r}: empty key part; expected key.path=value, e.g. cv.folds=3")
        node = data
        for depth, part in enumerate(parts[:-1]):
            if isinstance(node, list):
                try:
                    node = node[int(part)]
                except (ValueError, IndexError):
                    raise ConfigError(f"{origin} {item!r}: {part!r} is not an index of the list at {key}") from None
            else:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]
            if not isinstance(node, (dict, list)):
                where = ".".join(parts[:depth + 1])
                raise ConfigError(f"{origin} {item!r}: {where} is a single value ({node!r}), it has no key {parts[depth + 1]!r}")
        last = parts[-1]
        if isinstance(node, list):
            try:
                node[int(last)] = _parse_value(value)
            except (ValueError, IndexError):
                raise ConfigError(f"{origin} {item!r}: {last!r} is not an index of the list at {key}") from None
        else:
            node[last] = _parse_value(value)
    return data


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read, override and validate a YAML config file.

    Parameters
    ----------
    path : str or Path
        The YAML file. Its stem is the default ``name``; relative paths inside it resolve
        against its folder.
    overrides : list of str, optional
        ``key.path=value`` items (``--set`` on the command line), recorded in the run.

    Raises
    ------
    ConfigError
        The file is missing, not YAML, or invalid (every error, with dotted paths).
    """
    path = Path(path)
    data = read_yaml(path, what="config file", mapping=False)
    if data is None:
        raise ConfigError(f"{path}: config file is empty")
    if isinstance(data, dict):
        data.setdefault("name", path.stem)
    data = apply_overrides(data, overrides or [])
    origin = f"{path} (with --set {', '.join(overrides)})" if overrides else str(path)  # an error may be in either
    cfg = parse_config(data, origin=origin, base=path.resolve().parent)
    return cfg.set_origin(source=path.resolve(), overrides=list(overrides or []))


def config_hash(cfg: Config, n: int = 8) -> str:
    """Short SHA-256 of the resolved config (hex, ``n`` characters); where it runs (``engine``) is left out."""
    blob = json.dumps({k: v for k, v in cfg.resolved().items() if k != "engine"}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:n]
