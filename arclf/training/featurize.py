"""Featurize the training texts once: raw hashed n-gram counts, from the feature cache or chunk by chunk."""

from __future__ import annotations

import numpy as np

from arclf.config import Config
from arclf.models.solver import MAX_COUNT
from arclf.training.dataset import Progress, text_chunks, text_lengths

__all__ = ["ngram_bound", "featurize_counts", "transform_texts", "is_on_disk"]


def ngram_bound(length: int, cfg: Config) -> int:
    """An upper bound on the distinct hashed n-grams of a text of ``length`` characters."""
    f = cfg.features
    bound = 0
    if f.kind in ("char", "union"):
        bound += (f.char.ngram_range[1] - f.char.ngram_range[0] + 1) * (3 * length + 2)
    if f.kind in ("word", "union"):
        bound += (f.word.ngram_range[1] - f.word.ngram_range[0] + 1) * (length + 1)
    if f.title_weight > 0:  # the first line's char n-grams: bounded as if it were the whole text
        bound += (f.char.ngram_range[1] - f.char.ngram_range[0] + 1) * (3 * length + 2)
    return bound


def transform_texts(texts: list, featurizer):
    """``featurizer.transform(texts)``: one chunk's counts, as an engine task (texts first, featurizer shared)."""
    return featurizer.transform(texts)


def featurize_counts(cfg: Config, ds, keep, fingerprint: str, progress: Progress, use_cache: bool, *,
                     limit_bytes: int | None = None, spill_dir=None):
    """Raw hashed n-gram counts of the kept texts, from the feature cache or chunk by chunk.

    Chunks are copied into arrays sized by an upper bound on the n-grams; untouched pages of
    those arrays are never resident, and the arrays are shrunk in place at the end, so the peak
    is the matrix plus one chunk. Counts are stored as ``uint16`` (clipped at 65,535), 2 bytes a
    non-zero instead of float32's 4: on ANT, 136 MB less. On a Dask engine
    (:func:`arclf.engine.current_engine`) the chunks are featurized on the workers, a few ahead.

    With ``limit_bytes``, a matrix that outgrows it (6 bytes a non-zero), or that the first chunk
    projects (by its non-zeros per character) to outgrow it well, is spilled to files in
    ``spill_dir`` (default: the system's temporary folder) and the rest of the chunks are appended
    there: the matrix returned is then backed by memory-mapped files (``numpy.memmap``, writable,
    already unlinked on POSIX so nothing is left behind), and the feature cache is neither read
    for an entry larger than the limit nor written. :func:`is_on_disk` tells which path was taken.

    Returns
    -------
    featurizer : Pipeline
    X : csr_matrix of shape (len(keep), n_hash), uint16
    cache_hit : bool
    """
    import scipy.sparse as sp

    from arclf.engine import current_engine
    from arclf.features.cache import FeatureCache
    from arclf.models.pipeline import build_featurizer

    featurizer = build_featurizer(cfg).fit([""])
    cache = FeatureCache()
    key = cache.key(fingerprint, featurizer)
    entry = cache.root / f"{key}.npz"
    fits = limit_bytes is None or (entry.exists() and entry.stat().st_size <= limit_bytes)
    X = cache.get(key) if use_cache and fits else None
    if X is not None:
        return featurizer, X, True
    lengths = text_lengths(ds)[keep]
    bound = int(sum(ngram_bound(int(n), cfg) for n in lengths)) + 1
    store = _CountWriter(bound, len(keep), limit_bytes, spill_dir)
    total_chars, chars = int(lengths.sum()), 0
    del lengths
    row, sizes = 0, []

    def chunks():  # the texts of each chunk, their characters noted as they go out
        for texts in text_chunks(ds, keep):
            sizes.append(sum(map(len, texts)))
            yield texts

    for i, chunk in enumerate(current_engine().map(transform_texts, chunks(), featurizer)):
        store.append(np.minimum(chunk.data, MAX_COUNT).astype(np.uint16), chunk.indices, chunk.indptr)
        chars += sizes[i]
        if row == 0 and chars:  # a matrix that will clearly not fit goes to disk now, not half-way
            store.project(store.pos * total_chars / chars)
        row += chunk.shape[0]
        del chunk
        progress("featurize", row, len(keep))
    data, indices, indptr = store.finish()
    X = sp.csr_matrix((data, indices, indptr), shape=(len(keep), featurizer.transform([""]).shape[1]), copy=False)
    if use_cache and not store.on_disk:
        cache.put(key, X)
    return featurizer, X, False


def is_on_disk(X) -> bool:
    """True when the arrays of the sparse matrix ``X`` are memory-mapped files (the out-of-core path)."""
    def mapped(a):
        while a is not None and not isinstance(a, np.memmap):
            a = getattr(a, "base", None)
        return a is not None

    return mapped(X.data) and mapped(X.indices)


class _CountWriter:
    """Appends CSR chunks in memory (arrays sized by ``bound``, virtual until written) and, past
    ``limit_bytes``, in two files (``uint16`` counts, ``int32`` columns) memory-mapped at the end."""

    def __init__(self, bound: int, n_rows: int, limit_bytes: int | None, spill_dir):
        self.limit = None if limit_bytes is None else max(int(limit_bytes) // 6, 0)  # non-zeros
        # virtual until written; past the limit the chunks go to files, so no more room is needed
        # (and ten times ANT's bound, 36 GB, is more than the system may promise)
        capacity = bound if self.limit is None else min(bound, self.limit)
        self.data = np.empty(capacity, dtype=np.uint16)
        self.indices = np.empty(capacity, dtype=np.int32)
        self.indptr = np.zeros(n_rows + 1, dtype=np.int64)
        self.pos = self.row = 0
        self.spill_dir = spill_dir
        self.files = None
        self.on_disk = False

    def append(self, data, indices, indptr) -> None:
        nnz = len(data)
        if not self.on_disk and self.limit is not None and self.pos + nnz > self.limit:
            self._spill()
        if self.on_disk:
            data.tofile(self.files[0][1])
            indices.astype(np.int32, copy=False).tofile(self.files[1][1])
        else:
            self.data[self.pos:self.pos + nnz] = data
            self.indices[self.pos:self.pos + nnz] = indices
        self.indptr[self.row + 1:self.row + len(indptr)] = indptr[1:] + self.pos
        self.pos += nnz
        self.row += len(indptr) - 1

    def project(self, nnz: float) -> None:
        """Spill now if ``nnz`` (the projected non-zeros of the whole matrix) is 1.25 times over the limit."""
        if not self.on_disk and self.limit is not None and nnz > 1.25 * self.limit:
            self._spill()

    def _spill(self) -> None:
        import tempfile
        from pathlib import Path

        folder = Path(tempfile.mkdtemp(prefix="arclf-counts-", dir=self.spill_dir))
        self.folder = folder
        self.files = [(folder / "data.u16", open(folder / "data.u16", "wb")),
                      (folder / "indices.i32", open(folder / "indices.i32", "wb"))]
        self.data[:self.pos].tofile(self.files[0][1])
        self.indices[:self.pos].tofile(self.files[1][1])
        self.data = self.indices = None  # unmaps the in-memory arrays
        self.on_disk = True

    def finish(self):
        """``(data, indices, indptr)``; indptr is int32 when the non-zeros allow it."""
        indptr = self.indptr.astype(np.int32) if self.pos <= np.iinfo(np.int32).max else self.indptr
        if not self.on_disk:
            self.data.resize(self.pos, refcheck=False)
            self.indices.resize(self.pos, refcheck=False)
            return self.data, self.indices, indptr
        import os
        import shutil

        arrays = []
        for (path, fh), dtype in zip(self.files, (np.uint16, np.int32)):
            fh.close()
            arrays.append(np.memmap(path, dtype=dtype, mode="r+", shape=(self.pos,)) if self.pos
                          else np.zeros(0, dtype))
        if os.name == "posix":  # the mappings keep the data; the files go when they are unmapped
            shutil.rmtree(self.folder, ignore_errors=True)
        return arrays[0], arrays[1], indptr
