"""The search space of ``arclf tune``: which config keys to vary, over which values, and how to search.

A search space is YAML, either a ``search:`` section of the config itself or a file beside it
(``<config stem>.search.yaml``, or any file given as ``space=``), holding a ``search:`` mapping::

    search:
      space:                                  # dotted config key -> values
        classifier.kind: [linear_svm, logistic_regression]
        classifier.C: {log_uniform: [0.1, 4.0]}
        features.kind: [char, union]
        features.char.ngram_range: [[2, 5], [1, 4], [2, 6]]
        features.min_df: [1, 2, 3]
      eta: 3            # keep the best 1/eta of the candidates at each rung
      finalists: 2      # candidates that reach the last rung (all the selection rows)
      min_rows: 2000    # rows of the first rung
      inner_folds: 3    # duplicate-grouped folds that score candidates at each rung
      holdout: 0.2      # share of the rows kept out of the search for the winner's estimate

Any key of :class:`arclf.config.Config` can be searched, including keys other stages add later:
each value is applied to the base config as a ``--set`` override and the result is validated
like any config, so a misspelt key or an impossible value is reported with its dotted path
before anything runs. When a config has no search space, :data:`DEFAULT_SPACE` (shipped as
``arclf/resources/tuning/arabic-news.yaml``) is used.
"""

from __future__ import annotations

import copy
import itertools
import math
from importlib import resources
from pathlib import Path
from typing import Literal, Optional, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from arclf.config import Config, apply_overrides, parse_config
from arclf.errors import ConfigError
from arclf.util.files import read_yaml, yaml_loads

__all__ = ["LogUniform", "Uniform", "SearchSpec", "DEFAULT_SPACE", "space_file_beside", "load_search", "parse_search",
           "sample_candidates", "candidate_key", "effective_settings", "feature_keys"]

#: The shipped default search space (package data), used when a config brings none.
DEFAULT_SPACE = "arabic-news.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class LogUniform(_Strict):
    """A number drawn log-uniformly from ``[low, high]`` (both > 0), rounded to 3 significant digits."""

    log_uniform: tuple[float, float] = Field(description="[low, high], 0 < low <= high")


class Uniform(_Strict):
    """A number drawn uniformly from ``[low, high]``, rounded to 3 significant digits."""

    uniform: tuple[float, float]


Choice = Union[LogUniform, Uniform, list]


class SearchSpec(_Strict):
    """How to search: the space, and the successive-halving and evaluation settings.

    Attributes
    ----------
    space : dict of str to list or distribution
        Dotted config key -> list of values, ``{log_uniform: [low, high]}`` or ``{uniform: [low, high]}``.
    candidates : int or None
        Configurations drawn for the first rung (default ``finalists * eta ** (rungs - 1)``).
    eta : int
        Reduction factor: a rung keeps the best ``1/eta`` of its candidates and has ``eta`` times the rows.
    finalists : int
        Candidates that reach the last rung.
    min_rows : int
        Rows of the first rung (the number of rungs follows from it).
    inner_folds : int
        Duplicate-grouped stratified folds that score a candidate at each rung.
    holdout : float
        Share of the rows (whole duplicate groups, stratified) never seen by the search; the winner,
        refitted on the other rows, is scored on them.
    metric : {'macro_f1', 'accuracy', 'weighted_f1'}
    include_base : bool
        Also try the config as given (first candidate).
    per_feature_setting : int
        Candidates drawn per draw of the keys that change the features (the rest, such as C or
        ``min_df``, drawn anew for each), so that candidates share their featurization.
    """

    space: dict[str, Choice] = Field(default_factory=dict)
    candidates: Optional[int] = Field(default=None, ge=1)
    eta: int = Field(default=3, ge=2)
    finalists: int = Field(default=2, ge=1)
    min_rows: int = Field(default=2000, ge=20)
    inner_folds: int = Field(default=3, ge=2)
    holdout: float = Field(default=0.2, gt=0, lt=0.5)
    metric: Literal["macro_f1", "accuracy", "weighted_f1"] = "macro_f1"
    include_base: bool = True
    per_feature_setting: int = Field(default=3, ge=1)


def _errors(exc: ValidationError, origin: str) -> str:
    """Every pydantic error as ``origin: search.dotted.path: message``, on one line."""
    parts = []
    for err in exc.errors():
        loc = ".".join(["search", *(str(p) for p in err["loc"] if not str(p).startswith("function-"))])
        msg = "unknown key (check its spelling)" if err["type"] == "extra_forbid" or err["type"] == "extra_forbidden" else err["msg"]
        if "input" in err and err["type"] != "missing" and not isinstance(err["input"], (dict, list)):
            msg = f"{msg}, got {err['input']!r}"
        parts.append(f"{loc}: {msg}")
    return f"{origin}: " + "; ".join(parts)


def _check_choice(key: str, choice, base: dict, origin: str) -> list[str]:
    """Problems of one searched key: every value must give a valid config."""
    where = f"search.space.{key}"
    if isinstance(choice, list):
        if not choice:
            return [f"{where}: give at least one value"]
        values = list(enumerate(choice))
    else:
        low, high = choice.log_uniform if isinstance(choice, LogUniform) else choice.uniform
        if low > high or (isinstance(choice, LogUniform) and low <= 0):
            return [f"{where}: need {'0 < ' if isinstance(choice, LogUniform) else ''}low <= high, got [{low}, {high}]"]
        values = [(0, low), (1, high)]
    problems = []
    for i, value in values:
        try:
            parse_config(apply_overrides(base, [f"{key}={_yaml_value(value)}"], origin=where), origin="\x00")
        except ConfigError as exc:
            detail = str(exc).removeprefix("\x00: ")
            problems.append(f"{where}[{i}] = {value!r}: {detail}")
    return problems


def _yaml_value(value) -> str:
    """A value as ``--set`` parses it (YAML flow style)."""
    import yaml

    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("\n...").strip()


def parse_search(data, base: dict, *, origin: str = "<search>") -> SearchSpec:
    """Validate a ``search:`` mapping against the raw base config.

    Parameters
    ----------
    data : dict
        The content of ``search:``.
    base : dict
        The raw config (after ``--set`` overrides) the searched keys are applied to.
    origin : str
        Names the source in error messages (a file name).

    Returns
    -------
    SearchSpec

    Raises
    ------
    ConfigError
        One line listing every problem with its dotted path, e.g.
        ``x.yaml: search.space.classifier.Cx[0] = 1: classifier.Cx: unknown key (check its spelling)``.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: search: expected a mapping, got {type(data).__name__}")
    try:
        spec = SearchSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_errors(exc, origin)) from None
    problems = [p for key, choice in spec.space.items() for p in _check_choice(key, choice, base, origin)]
    if problems:
        raise ConfigError(f"{origin}: " + "; ".join(problems))
    return spec


def space_file_beside(config_path: Path) -> Path:
    """``<folder>/<config stem>.search.yaml``: where a config's search space is looked for."""
    return config_path.with_name(f"{config_path.stem}.search.yaml")


def load_search(config_path: Path, raw_config: dict, section=None, space: str | Path | None = None) -> tuple[SearchSpec, str]:
    """The search spec of a config and where it came from.

    Taken from, in order: ``space`` (a YAML file holding a ``search:`` mapping), the config's own
    ``search:`` section (``section``), ``<config stem>.search.yaml`` beside the config, the shipped
    default :data:`DEFAULT_SPACE`.

    Parameters
    ----------
    config_path : Path
    raw_config : dict
        The raw config, without its ``search:`` section, ``--set`` overrides applied.
    section : dict, optional
        The config's ``search:`` section.
    space : path, optional

    Returns
    -------
    (SearchSpec, origin)
        ``origin`` names where the space came from.

    Raises
    ------
    ConfigError
        Unreadable or invalid search space (one line, dotted paths).
    """
    import yaml

    path = Path(space) if space is not None else None
    if path is None and section is not None:
        return parse_search(section, raw_config, origin=str(config_path)), f"{config_path}: search"
    if path is None and space_file_beside(config_path).is_file():
        path = space_file_beside(config_path)
    if path is not None:
        data = read_yaml(path, what="search space")
        if not isinstance(data, dict) or set(data) != {"search"}:
            raise ConfigError(f"{path}: a search space file holds one top-level key, search:")
        return parse_search(data["search"], raw_config, origin=str(path)), str(path)
    text = resources.files("arclf").joinpath("resources", "tuning", DEFAULT_SPACE).read_text(encoding="utf-8")
    data = yaml_loads(text)
    return parse_search(data["search"], raw_config, origin=f"default {DEFAULT_SPACE}"), f"default: {DEFAULT_SPACE}"


def _draw(choice, rng: np.random.Generator):
    if isinstance(choice, list):
        value = choice[int(rng.integers(len(choice)))]
        return copy.deepcopy(value)
    if isinstance(choice, LogUniform):
        low, high = choice.log_uniform
        value = math.exp(rng.uniform(math.log(low), math.log(high)))
    else:
        low, high = choice.uniform
        value = rng.uniform(low, high)
    return float(f"{value:.3g}")


def effective_settings(cfg: Config) -> dict:
    """The resolved config without what no candidate varies (name, data, tasks, cv) and without the
    settings this one ignores (char settings of word features without a title block, ``alpha`` of a
    linear SVM, ...)."""
    data = cfg.resolved()
    for drop in ("name", "data", "tasks", "cv", "cache"):
        data.pop(drop, None)
    kind = data["features"]["kind"]
    if kind == "word" and not data["features"].get("title_weight"):  # the title block reads the char settings
        data["features"].pop("char", None)
    if kind == "char":
        data["features"].pop("word", None)
    clf = data["classifier"]
    if clf["kind"] in ("linear_svm", "logistic_regression"):
        clf.pop("alpha", None)
    else:
        clf.pop("C", None)
    if clf["kind"] != "linear_svm":
        clf.pop("tol", None)
    return data


def candidate_key(cfg: Config) -> str:
    """What a candidate learns and featurizes (:func:`effective_settings`), as JSON.

    Two configs with the same key train the same model, so a search tries each key once.
    """
    import json

    return json.dumps(effective_settings(cfg), sort_keys=True)


def feature_keys(space: dict, base: dict, seed: int = 0, trials: int = 4) -> list[str]:
    """The searched keys that change the featurizer (:func:`arclf.tuning.store.feature_key`).

    Found by trying: a key changes the features when two of its values give different
    featurizers in one of ``trials`` random settings of the other keys (a key that matters only
    under some other value, such as the word n-gram range under ``features.kind: union``, is
    found so).
    """
    from arclf.tuning.store import feature_key

    rng = np.random.default_rng(seed)
    found = []
    for key, choice in space.items():
        values = choice if isinstance(choice, list) else [_draw(choice, rng) for _ in range(2)]
        distinct = [v for i, v in enumerate(values) if v not in values[:i]][:3]
        if len(distinct) < 2:
            continue
        for _ in range(trials):
            rest = {k: _draw(c, rng) for k, c in space.items() if k != key}
            keys = {feature_key(parse_config(apply_overrides(base, _sets({**rest, key: v})))) for v in distinct}
            if len(keys) > 1:
                found.append(key)
                break
    return found


def _sets(params: dict) -> list[str]:
    return [f"{k}={_yaml_value(v)}" for k, v in params.items()]


def sample_candidates(space: dict, base: dict, n: int, seed: int, *, include_base: bool = True, per_feature_setting: int = 1,
                      origin: str = "<config>") -> list[tuple[dict, Config]]:
    """Draw up to ``n`` distinct candidates: ``[(overrides as {key: value}, validated Config), ...]``.

    Candidates that would train the same model (:func:`candidate_key`) are drawn once; a small
    discrete space gives fewer than ``n``. With ``include_base`` the config as given comes first
    (overrides ``{}``). With ``per_feature_setting`` k > 1, the keys that change the features
    (:func:`feature_keys`) are drawn once for every k candidates, so those k share one
    featurization; a small discrete space is enumerated instead, in a seeded random order.

    Raises
    ------
    ConfigError
        A combination of values that is invalid although each value alone is valid.
    """
    rng = np.random.default_rng(seed)
    out, seen = [], set()

    def add(params: dict) -> None:
        cfg = parse_config(apply_overrides(base, _sets(params)), origin=f"{origin} with {params}")
        key = candidate_key(cfg)
        if key not in seen:
            seen.add(key)
            out.append((params, cfg))

    if include_base:
        add({})
    finite = all(isinstance(c, list) for c in space.values())
    size = math.prod(len(c) for c in space.values()) if finite else math.inf
    if finite and size <= 4 * n:  # small space: enumerate it
        grid = [dict(zip(space, values)) for values in itertools.product(*space.values())]
        for i in rng.permutation(len(grid)):
            if len(out) >= n:
                break
            add(copy.deepcopy(grid[i]))
        return out
    shared = feature_keys(space, base, seed) if per_feature_setting > 1 else []
    for _ in range(50 * n):
        if len(out) >= n or not space:
            break
        features = {key: _draw(space[key], rng) for key in shared}
        for _ in range(per_feature_setting if shared else 1):
            if len(out) >= n:
                break
            add({key: features[key] if key in features else _draw(choice, rng) for key, choice in space.items()})
    return out
