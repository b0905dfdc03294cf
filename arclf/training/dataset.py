"""Training data: load the corpora of a config, read its texts in chunks, group duplicates.

Everything the training and the cross-corpus evaluation share before features are made:
:func:`load_rows` (corpora -> kept rows and their labels), :func:`text_chunks` (the texts,
a chunk at a time, from the memory-mapped Arrow dataset), :func:`text_digests` (for the data
fingerprint and exact duplicates) and :func:`duplicate_groups`.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from arclf.config import Config
from arclf.errors import ConfigError, DataError
from arclf.evaluation.duplicates import first_seen_ids

__all__ = ["Progress", "no_progress", "task_labels", "task_rows", "stratified_sample", "load_rows", "TEXT_CHUNK", "text_chunks", "text_lengths",
           "text_digests", "release_free_memory", "duplicate_groups", "merge_groups"]

#: ``progress(stage, done, total)``: how long-running functions report what they do.
Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """A :data:`Progress` that reports nothing."""


def task_labels(dataset_columns: dict, task) -> np.ndarray:
    """The label of every row for one task (object array, None where unknown)."""
    values = dataset_columns[task.field]
    if task.field == "region" and task.level:
        from arclf.corpus.labels import region_at

        values = [region_at(v, task.level) for v in values]
    return np.asarray(values, dtype=object)


def task_rows(y_all: np.ndarray, task) -> tuple[np.ndarray, np.ndarray, set]:
    """The rows a task trains on: labelled, in a class with at least ``task.min_count`` rows.

    Parameters
    ----------
    y_all : ndarray of shape (n_rows,), dtype object
        The task's label per row (None where unknown), from :func:`task_labels`.
    task : arclf.config.TaskSpec

    Returns
    -------
    rows : ndarray of int
        Row numbers kept.
    y : ndarray of str (object), shape (len(rows),)
        Their labels.
    small : set of str
        Classes dropped for having fewer than ``task.min_count`` rows.

    Raises
    ------
    DataError
        Fewer than 2 classes are left.
    """
    rows = np.flatnonzero([v is not None for v in y_all])
    values, counts = np.unique(y_all[rows].astype(str), return_counts=True)
    small = set(values[counts < task.min_count])
    rows = rows[[str(y_all[i]) not in small for i in rows]]
    y = y_all[rows].astype(str).astype(object)
    if len(set(y)) < 2:
        raise DataError(f"task {task.name!r}: fewer than 2 classes with labels in the data (field {task.field!r}); check the label map")
    return rows, y, small


def stratified_sample(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Row numbers (sorted) of a ``size`` sample stratified by ``labels`` (None and classes of one row pooled).

    Raises
    ------
    ConfigError
        ``size`` is smaller than the number of classes to stratify by.
    """
    from sklearn.model_selection import train_test_split

    if size >= len(labels):
        return np.arange(len(labels))
    keys = np.array(["\x00none" if v is None else str(v) for v in labels], dtype=object)
    values, counts = np.unique(keys, return_counts=True)
    rare = set(values[counts < 2])
    keys = np.array(["\x00rare" if k in rare else k for k in keys], dtype=object)
    if size < len(set(keys)):
        raise ConfigError(f"data.sample={size} is smaller than the number of classes to stratify by ({len(set(keys))}); "
                          "sample more articles")
    idx, _ = train_test_split(np.arange(len(labels)), train_size=size, stratify=keys, random_state=seed)
    return np.sort(idx)


def load_rows(cfg: Config, data_dir, progress: Progress, watch: Callable | None = None):
    """Load the corpora; return the dataset, the rows kept, their non-text columns and reports.

    Texts stay in the memory-mapped Arrow dataset and are read chunk by chunk later, so the
    whole corpus is never held as Python strings beside its feature matrix. Row numbers index
    ``ds.data`` directly: :func:`arclf.corpus.load_corpora` returns datasets without an indices
    mapping (cache entries and freshly built tables).

    Returns
    -------
    ds : datasets.Dataset
    keep : ndarray of int
        Ascending row numbers of the rows used (long enough, and the stratified sample if asked).
    cols : dict of str to list
        ``id``, ``source``, ``split`` and every task field, for the kept rows (and ``published``
        for ``cv.scheme: temporal``).
    reports : list
        One read report per corpus.
    n_short : int
        Rows dropped for being shorter than ``data.min_chars``.

    ``watch``, if given, is called with the dataset as soon as it is loaded (before it is read).
    """
    from arclf.corpus import load_corpora

    progress("load", 0, 1)
    ds, reports = load_corpora(cfg.data.corpora, data_dir=data_dir, cache=cfg.cache)
    if watch is not None:
        watch(ds)
    needed = {"id", "source", "split", *(t.field for t in cfg.tasks)} | ({"published"} if cfg.cv.scheme == "temporal" else set())
    cols = ds.select_columns([c for c in ds.column_names if c in needed]).to_dict()  # plain lists, not lazy columns
    lengths = text_lengths(ds, trim=True)
    keep = np.flatnonzero(lengths >= max(cfg.data.min_chars, 1))
    short = len(lengths) - len(keep)
    if cfg.data.sample:  # among rows some trained task has a label for, stratified by the first such task
        trained = [t for t in cfg.tasks if t.source == "model"] or list(cfg.tasks)
        labels = [task_labels(cols, t)[keep] for t in trained]
        labelled = np.flatnonzero(np.any([y != None for y in labels], axis=0))  # noqa: E711  (object arrays)
        keep = keep[labelled][stratified_sample(labels[0][labelled], cfg.data.sample, cfg.seed)]
    cols = {k: [v[i] for i in keep] for k, v in cols.items()}
    progress("load", 1, 1)
    return ds, keep, cols, reports, short


TEXT_CHUNK = 250  # articles read, normalized and featurized at a time


def text_lengths(ds, *, trim: bool = False) -> np.ndarray:
    """Characters in every text of ``ds`` (``trim``: without surrounding whitespace), shape (n_rows,).

    Computed 10,000 texts at a time: a trimmed copy of the whole text column would double the
    corpus in memory for a moment.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = []
    for chunk in ds.data.column("text").chunks:
        for start in range(0, len(chunk), 10_000):
            piece = chunk.slice(start, 10_000)
            if trim:
                piece = pc.utf8_trim_whitespace(piece)
            parts.append(pc.utf8_length(piece).to_numpy(zero_copy_only=False).astype(np.int64))
            del piece
        pa.default_memory_pool().release_unused()
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def text_chunks(ds, keep: np.ndarray):
    """Yield lists of the kept texts, ``TEXT_CHUNK`` at a time; ``keep`` holds ascending row numbers."""
    import pyarrow as pa

    if len(keep) > 1 and np.any(np.diff(keep) <= 0):
        raise ValueError("text_chunks: keep must hold ascending, distinct row numbers")

    text = ds.data.column("text")
    for start in range(0, len(keep), TEXT_CHUNK):
        rows = keep[start:start + TEXT_CHUNK]
        # take() on a whole chunked column concatenates all of it first (a copy of the corpus);
        # a zero-copy slice spanning this chunk's rows keeps the copy to the span
        span = text.slice(int(rows[0]), int(rows[-1] - rows[0]) + 1)
        chunk = span.take(pa.array(rows - rows[0]))
        yield chunk.to_pylist()
        del chunk, span
        pa.default_memory_pool().release_unused()


def text_digests(ds, keep: np.ndarray, group_duplicates: bool, progress: Progress):
    """One pass over the texts: a 128-bit digest per text (for the data fingerprint) and, with
    ``group_duplicates``, one of its :func:`arclf.text.normalize.normalize_for_dedup` form (exact duplicates)."""
    import hashlib

    from arclf.text.normalize import normalize_for_dedup

    def digest(t: str) -> bytes:
        return hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    texts, dedup = [], []
    for chunk in text_chunks(ds, keep):
        texts.extend(map(digest, chunk))
        if group_duplicates:
            dedup.extend(digest(normalize_for_dedup(t)) for t in chunk)
        progress("read", len(texts), len(keep))
    return texts, dedup


def release_free_memory() -> None:
    """Hand freed memory back to the system: Arrow's pool and glibc's heap keep it otherwise."""
    import ctypes
    import ctypes.util

    import pyarrow as pa

    pa.default_memory_pool().release_unused()  # Arrow's allocator keeps freed blocks otherwise
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def duplicate_groups(ds, keep, dedup_keys, cfg: Config):
    """Exact duplicate groups from the normalized-text digests, merged with near-duplicate groups if asked."""
    groups = first_seen_ids(dedup_keys)
    if cfg.cv.near_duplicates:
        from arclf.evaluation.duplicates import near_duplicate_groups

        texts = [t for chunk in text_chunks(ds, keep) for t in chunk]
        groups = merge_groups(groups, near_duplicate_groups(texts, threshold=cfg.cv.near_duplicates, seed=cfg.seed))
    return groups


def merge_groups(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of 'same group in a' ∪ 'same group in b' (group ids 0..k-1)."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    n = len(a)
    rows = np.concatenate([np.arange(n), np.arange(n)])
    cols = np.concatenate([n + a, n + a.max() + 1 + b])
    graph = sp.coo_matrix((np.ones(2 * n), (rows, cols)), shape=(n + a.max() + b.max() + 2,) * 2)
    _, labels = connected_components(graph, directed=False)
    _, out = np.unique(labels[:n], return_inverse=True)
    return out
