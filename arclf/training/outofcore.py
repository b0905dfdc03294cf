"""Out-of-core training: decide from a memory budget whether the count matrix stays in memory.

Training holds one matrix of hashed n-gram counts (``uint16`` counts and ``int32`` columns, 6
bytes a non-zero: about 0.4 GB for ANT, so 4 GB for ten times ANT). :class:`MemoryPlan` gives
it half of the memory budget (:func:`arclf.util.memory.memory_budget`: the ``memory_budget``
argument of :func:`arclf.train`, else ``$ARCLF_MEMORY_BUDGET``, else the memory available); the
other half is for the corpus being read, the folds' weights and Python itself.

* **In memory** when the matrix fits its half: the matrix is built in anonymous memory, as it
  always was (the fastest path; nothing changes when data fits).
* **On disk** otherwise (or when the first chunk of texts projects the matrix well past its
  share): featurization spills the matrix, chunk by chunk, into two files that are then
  memory-mapped (:func:`arclf.training.featurize.featurize_counts`). Pruning and every fold
  read it through the same compiled kernels, while a :class:`arclf.util.memory.PageReaper` drops
  the mapped pages from the process every quarter of a second, and at once whenever they pass an
  eighth of the budget (it looks every 10 ms: a sequential scan maps gigabytes a second), so the
  resident set stays bounded and the page cache, which the system may reclaim, holds the data.
  Dual coordinate descent visits the rows by 256 KB stretches of the file, shuffled, in blocks
  of :data:`SOLVER_BLOCK_BYTES` (:func:`arclf.models.solver.fit_ovr_scaled`): over one shuffle of
  all rows every sweep would find the whole file resident again (measured on ten times ANT: 4.4
  GB of mapped pages between sweeps), and blocks of consecutive rows would hand the solver one
  class at a time in a corpus stored class by class (measured: 50 epochs instead of 11). Rows
  that fit one block (32 MB) train to the bit as in memory; more reach the same optimum within
  the solver's tolerance.

The memory-mapped corpus itself (Arrow files) is read chunk by chunk; when its files are larger
than a quarter of the budget its pages are dropped the same way while it is read.

What was chosen and why is recorded in ``run.json`` under ``memory``.
"""

from __future__ import annotations

import os

from arclf.errors import ConfigError
from arclf.util.memory import PageReaper, memory_budget

#: On the disk path the solver visits the training rows in blocks of about this many bytes of the
#: mapped matrix (:func:`arclf.models.solver.fit_ovr_scaled`'s ``block_bytes``), so the pages it
#: touches between two of the reaper's sweeps are a few blocks', not the whole file's (two folds
#: train at once: two blocks stay well under the reaper's limit, an eighth of the budget).
SOLVER_BLOCK_BYTES = 32 * 2**20

__all__ = ["MemoryPlan", "MATRIX_SHARE"]

#: Share of the memory budget the count matrix may take in memory.
MATRIX_SHARE = 0.5


class MemoryPlan:
    """Where the count matrix of one training run lives, and the record of that choice.

    Parameters
    ----------
    budget : int
        Bytes the run may use.
    source : str
        Where the budget came from (``argument``, ``ARCLF_MEMORY_BUDGET``, ``available memory``).
    spill_dir : path, optional
        Folder for the matrix files (default ``$ARCLF_SPILL_DIR``, else the temporary folder).

    Raises
    ------
    ConfigError
        The budget is not above 0, or the spill folder is not a folder (checked here, before any
        work, not when the matrix first goes to disk).
    """

    def __init__(self, budget: int, source: str, spill_dir=None):
        self.budget = int(budget)
        self.source = source
        if self.budget <= 0:
            raise ConfigError(f"memory budget ({source}): must be above 0, e.g. 2GB")
        self.spill_dir = spill_dir or os.environ.get("ARCLF_SPILL_DIR") or None
        if self.spill_dir is not None and not os.path.isdir(self.spill_dir):
            origin = "spill_dir" if spill_dir else "ARCLF_SPILL_DIR"
            raise ConfigError(f"{origin}={self.spill_dir}: not a folder; name an existing folder for the memory-mapped "
                              "count matrix, or unset it to use the temporary folder")
        self.matrix_limit = int(self.budget * MATRIX_SHARE)
        self.path = None
        self.matrix_bytes = None
        self._reaper = self._corpus_reaper = None
        self.corpus_bytes = None

    @classmethod
    def from_budget(cls, explicit=None) -> "MemoryPlan":
        """The plan for a budget given explicitly, by ``$ARCLF_MEMORY_BUDGET`` or by the memory available.

        Raises
        ------
        ConfigError
            The budget is not a size.
        """
        try:
            budget, source = memory_budget(explicit)
        except ValueError as exc:
            raise ConfigError(f"memory budget: {exc}") from None
        return cls(budget, source)

    @property
    def reaper_limit(self) -> int:
        """Mapped bytes the reapers let the process hold before they sweep: an eighth of the budget."""
        return self.budget // 8

    def watch_corpus(self, ds) -> None:
        """Drop the corpus's mapped pages as it is read, when its files exceed a quarter of the budget.

        The texts are read in chunks (:func:`arclf.training.dataset.text_chunks`), but the pages of
        a memory-mapped Arrow file stay resident once read; on ten times ANT that is 2 GB.
        """
        files = [f["filename"] for f in getattr(ds, "cache_files", None) or []]
        size = sum(os.path.getsize(f) for f in files if os.path.exists(f))
        self.corpus_bytes = size
        if size > self.budget / 4:
            self._corpus_reaper = PageReaper(limit=self.reaper_limit)
            if self._corpus_reaper.add_file_mappings(files, keepalive=ds):
                self._corpus_reaper.start()

    def corpus_done(self) -> None:
        """Stop dropping the corpus's pages (before the dataset is deleted)."""
        self._corpus_reaper = _stopped(self._corpus_reaper)

    def matrix_taken(self, X) -> None:
        """Note where the featurized matrix ``X`` ended up; start dropping its pages if it is on disk."""
        from arclf.training.featurize import is_on_disk

        self.matrix_bytes = int(X.data.nbytes + X.indices.nbytes + X.indptr.nbytes)
        self.path = "disk" if is_on_disk(X) else "memory"
        if self.path == "disk":
            self._reaper = PageReaper(limit=self.reaper_limit)
            self._reaper.add(X.data)
            self._reaper.add(X.indices)
            self._reaper.start()

    def release(self) -> None:
        """Stop dropping pages and let go of the mappings (before the matrix is deleted)."""
        self._reaper = _stopped(self._reaper)

    def record(self) -> dict:
        """What ``run.json`` keeps under ``memory``."""
        return {"budget_mb": round(self.budget / 2**20, 1), "budget_from": self.source,
                "matrix_limit_mb": round(self.matrix_limit / 2**20, 1),
                "matrix_mb": None if self.matrix_bytes is None else round(self.matrix_bytes / 2**20, 1),
                "path": self.path, "corpus_files_mb": None if self.corpus_bytes is None else round(self.corpus_bytes / 2**20, 1),
                "why": None if self.path is None else
                ("count matrix over its share of the budget: memory-mapped files" if self.path == "disk"
                 else "count matrix within its share of the budget: in memory")}


def _stopped(reaper):
    """Stop a :class:`PageReaper` (if any) and let go of its mappings; returns None, the field's new value."""
    if reaper is not None:
        reaper.stop()
        reaper.clear()
    return None
