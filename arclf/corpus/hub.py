"""Hub reader: a dataset from the Hugging Face Hub, a local dataset folder or a ``save_to_disk`` folder.

::

    - name: hub
      hub: {name: some-user/arabic-news, subset: null, split: train, revision: <commit>}
      text_column: text
      label_columns: {section: label}

The rows are mapped to schema records exactly as table files are
(:func:`arclf.corpus.tables.records_from_dataset`). ``spec.path`` may instead name a folder
written by :meth:`datasets.Dataset.save_to_disk` (read with :func:`datasets.load_from_disk`)
or a folder of data files that :func:`datasets.load_dataset` understands. With
``spec.splits`` every listed split is read and its name kept in ``split``; otherwise the one
split ``hub.split`` (default ``train``). Pin ``revision`` for reproducible runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from arclf.errors import ConfigError, DataError
from arclf.corpus.base import ReadStats, cache_dir, find_data
from arclf.corpus.tables import records_from_dataset

__all__ = ["read_hub", "load_hub_splits"]


def _is_saved(path: Path) -> bool:
    return path.is_dir() and ((path / "state.json").exists() or (path / "dataset_dict.json").exists())


def load_hub_splits(spec, *, data_dir=None) -> tuple[str, list[tuple[str, object]]]:
    """Return ``(corpus name, [(split name, datasets.Dataset), ...])`` for a hub spec.

    Raises
    ------
    ConfigError
        Neither ``hub.name`` nor ``path`` is given.
    DataError
        The dataset, subset or split cannot be loaded (offline, missing, misspelled).
    """
    import datasets

    hub = spec.hub
    splits = list(spec.splits) if spec.splits else [hub.split if hub else "train"]
    if spec.path is not None:
        path = find_data(spec.path, [], what="hub dataset", data_dir_=data_dir)
        corpus = spec.corpus or path.name
        where = str(path)
    elif hub is not None:
        path, corpus, where = None, spec.corpus or hub.name.split("/")[-1], hub.name
    else:
        raise ConfigError("hub corpus: give `hub: {name: ...}` or `path` (a save_to_disk folder or a data folder)")
    try:
        if path is not None and _is_saved(path):
            loaded = datasets.load_from_disk(str(path))
            if isinstance(loaded, datasets.Dataset):
                return corpus, [(splits[0] if spec.splits else None, loaded)]
            missing = [s for s in splits if s not in loaded]
            if missing:
                raise DataError(f"{where}: no split {', '.join(missing)}; the splits are {', '.join(loaded)}")
            return corpus, [(s, loaded[s]) for s in splits]
        target = str(path) if path is not None else hub.name
        subset = hub.subset if hub else None
        revision = hub.revision if hub else None
        return corpus, [(s, datasets.load_dataset(target, subset, split=s, revision=revision,
                                                  cache_dir=str(cache_dir() / "hf-datasets"))) for s in splits]
    except DataError:
        raise
    except Exception as exc:  # datasets raises many types (DatasetNotFoundError, ConnectionError, ValueError ...)
        msg = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise DataError(f"{where}: cannot load ({exc.__class__.__name__}: {msg})") from exc


def read_hub(spec, *, stats: ReadStats, data_dir=None) -> Iterator[dict]:
    """Yield schema records from a hub dataset (see the module docstring for the spec).

    Raises :class:`ConfigError` without ``hub`` or ``path``; :class:`DataError` when the
    dataset cannot be loaded or a named column is missing.
    """
    corpus, parts = load_hub_splits(spec, data_dir=data_dir)
    seen: set = set()
    for split, ds in parts:
        yield from records_from_dataset(ds, spec, stats=stats, corpus=corpus, id_prefix=f"{corpus}:{split or 'data'}",
                                        split=split, seen_ids=seen)
