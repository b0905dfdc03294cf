"""Experiment files: named variants of a base config, run one after another, each as its own run.

An experiment file is YAML with a ``base`` config (path relative to the experiment file) and either
explicit ``variants`` (name -> overrides as dotted keys) or a ``grid`` (dotted key -> list of values,
every combination is a variant), or both::

    base: ../configs/ant-sections.yaml
    set: {cv.folds: 5}                 # applied to every variant
    grid:
      classifier.kind: [linear_svm, logistic_regression]
      features.kind: [char, word]

Every variant's run lands in ``experiments/runs/<experiment name>/`` so ``arclf compare <name>``
compares them all; ``run.json`` records the variant's name and overrides.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import yaml

from arclf.config import Config, load_config
from arclf.errors import ConfigError
from arclf.util.files import read_yaml

__all__ = ["is_experiment", "load_experiment", "run_experiment", "train_variant"]


def _read(path: Path) -> dict:
    data = read_yaml(path, what="config file", mapping=False)
    return data if isinstance(data, dict) else {}


def is_experiment(path: str | Path) -> bool:
    """True if the YAML file at ``path`` is an experiment file (has a ``base`` key)."""
    return "base" in _read(Path(path))


def _fmt(value) -> str:
    # one line, however long: PyYAML wraps at 80 columns and indents the continuation otherwise
    return yaml.safe_dump(value, default_flow_style=True, width=2**31 - 1).strip().removesuffix("...").strip()


def load_experiment(path: str | Path, overrides: list[str] | None = None) -> list[tuple[str, Config]]:
    """Expand an experiment file into ``[(variant name, Config), ...]``.

    Each config is named after the experiment file's stem, so all runs share one folder.

    Raises
    ------
    ConfigError
        Unknown keys, no variants, or an invalid variant (the message names the variant).
    """
    path = Path(path)
    data = _read(path)
    unknown = set(data) - {"base", "set", "variants", "grid", "description"}
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; an experiment file has base, set, variants, grid")
    base = (path.parent / data["base"]).resolve()
    common = [f"{k}={_fmt(v)}" for k, v in (data.get("set") or {}).items()]
    variants: list[tuple[str, list[str]]] = []
    for name, delta in (data.get("variants") or {}).items():
        variants.append((str(name), [f"{k}={_fmt(v)}" for k, v in (delta or {}).items()]))
    grid = data.get("grid") or {}
    if grid:
        keys = list(grid)
        for combo in itertools.product(*(grid[k] for k in keys)):
            name = ",".join(f"{k.split('.')[-1] if not isinstance(v, dict) else k}={_fmt(v)}" for k, v in zip(keys, combo))
            variants.append((name, [f"{k}={_fmt(v)}" for k, v in zip(keys, combo)]))
    if not variants:
        raise ConfigError(f"{path}: no variants (add a 'variants' or 'grid' section)")
    out = []
    for name, sets in variants:
        try:
            cfg = load_config(base, [f"name={path.stem}", *common, *sets, *(overrides or [])])
        except ConfigError as exc:
            raise ConfigError(f"{path} variant {name!r}: {exc}") from None
        out.append((name, cfg))
    return out


def run_experiment(path: str | Path, *, overrides: list[str] | None = None, on_variant=None, engine=None, **train_kwargs) -> list:
    """Train every variant of an experiment file; returns the :class:`arclf.training.trainer.TrainResult` list.

    ``on_variant(index, total, name)`` is called before each variant starts. Extra keyword arguments
    go to :func:`arclf.training.trainer.train` (``data_dir``, ``cv``, ``progress``, …).

    ``engine`` (default: the base config's ``engine``) says where the variants run: one after
    another here, or on a Dask engine as tasks, all submitted at once, each training on one worker
    (which reads the corpora from the data folder and writes its run folder: both paths must be
    reachable from every worker, as on one machine or a shared filesystem). Results come back in
    the file's order.

    Raises
    ------
    EngineError
        A variant's worker died more often than Dask retries; the variants that finished keep
        their run folders, the others leave none.
    """
    from arclf.engine import current_engine, use_engine
    from arclf.training.trainer import train

    variants = load_experiment(path, overrides)
    spec = engine if engine is not None else (variants[0][1].engine if variants[0][1].engine.kind != "local" else current_engine())
    results = []
    with use_engine(spec) as eng:
        if eng.distributed:
            return _run_on_cluster(eng, variants, on_variant, train_kwargs)
        for i, (name, cfg) in enumerate(variants):
            if on_variant:
                on_variant(i, len(variants), name)
            cfg.set_origin(variant=name)
            results.append(train(cfg, **train_kwargs))
    return results


def train_variant(variant: tuple, train_kwargs: dict):
    """Train one ``(name, Config)`` variant here, on the local engine (an engine task of :func:`run_experiment`)."""
    from arclf.config import EngineSpec
    from arclf.engine import use_engine
    from arclf.training.trainer import train

    name, cfg = variant
    cfg.set_origin(variant=name)
    cfg.engine = EngineSpec()  # the worker runs it itself
    with use_engine("local"):
        return train(cfg, **train_kwargs)


def _run_on_cluster(engine, variants: list, on_variant, train_kwargs: dict) -> list:
    import os

    from arclf.training.trainer import DEFAULT_RUNS_ROOT

    kwargs = {k: v for k, v in train_kwargs.items() if k != "progress"}  # progress bars stay here
    data_dir = kwargs.get("data_dir") or os.environ.get("ARCLF_DATA")
    if data_dir:
        kwargs["data_dir"] = str(Path(data_dir).resolve())  # workers may start elsewhere
    if kwargs.get("output_dir") is None and kwargs.get("save", True):
        kwargs["runs_root"] = str(Path(kwargs.get("runs_root") or DEFAULT_RUNS_ROOT).resolve())
    for i, (name, _) in enumerate(variants):
        if on_variant:
            on_variant(i, len(variants), name)
    return list(engine.map(train_variant, variants, kwargs, window=len(variants)))
