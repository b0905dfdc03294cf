"""Memory budget and file-backed arrays that do not stay resident.

:func:`memory_budget` says how much memory a run may use (``ARCLF_MEMORY_BUDGET``, else what
the system has available). :class:`PageReaper` keeps the resident part of memory-mapped files
small: a background thread tells the kernel, every ``interval`` seconds, that the pages of the
registered mappings are not needed (``madvise(MADV_DONTNEED)``). For a file mapping that only
drops this process's page-table entries; the data stays in the file and in the page cache (which
the system reclaims under pressure), and the next read of a page maps it again (a minor fault).
So arrays many times larger than the budget can be read over and over, by compiled kernels in
other threads, with the resident set bounded by what is touched between two sweeps.

Linux only; elsewhere :class:`PageReaper` does nothing (the mapped pages then stay resident until
the system needs them back).
"""

from __future__ import annotations

import mmap
import os
import re
import threading
import time

__all__ = ["parse_size", "memory_budget", "PageReaper", "BUDGET_ENV"]

#: Environment variable that sets the memory budget (``2GB``, ``512M``, ``1.5GiB`` or bytes).
BUDGET_ENV = "ARCLF_MEMORY_BUDGET"

_UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 10**3, "kib": 2**10, "m": 2**20, "mb": 10**6, "mib": 2**20,
          "g": 2**30, "gb": 10**9, "gib": 2**30, "t": 2**40, "tb": 10**12, "tib": 2**40}


def parse_size(value) -> int:
    """Bytes of a size such as ``2GB`` (10**9), ``2GiB`` or ``2G`` (2**30), ``512M``, or a plain number.

    Raises
    ------
    ValueError
        Not a size: ``'two gigs'``, a negative number.

    Examples
    --------
    >>> parse_size("512M"), parse_size("2GB"), parse_size(1024)
    (536870912, 2000000000, 1024)
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number, unit = float(value), ""
    else:
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", str(value))
        if not match or match.group(2).lower() not in _UNITS:
            raise ValueError(f"memory size {value!r}: expected a number with an optional unit (K, M, G, MB, GiB...)")
        number, unit = float(match.group(1)), match.group(2).lower()
    if number < 0:
        raise ValueError(f"memory size {value!r}: must be >= 0")
    return int(number * _UNITS[unit])


def memory_budget(explicit=None) -> tuple[int, str]:
    """``(bytes, where it came from)``: ``explicit``, else ``$ARCLF_MEMORY_BUDGET``, else available memory.

    Available memory is psutil's ``virtual_memory().available`` (what can be used without swapping).

    Raises
    ------
    ValueError
        The explicit value or the variable is not a size (see :func:`parse_size`).
    """
    if explicit is not None:
        return parse_size(explicit), "argument"
    env = os.environ.get(BUDGET_ENV)
    if env:
        try:
            return parse_size(env), BUDGET_ENV
        except ValueError as exc:
            raise ValueError(f"{BUDGET_ENV}: {exc}") from None
    import psutil

    return int(psutil.virtual_memory().available), "available memory"


def _libc_madvise():
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.madvise
    except (OSError, AttributeError):
        return None
    fn.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    fn.restype = ctypes.c_int
    return fn


def _open_statm() -> int | None:
    try:
        return os.open("/proc/self/statm", os.O_RDONLY)
    except OSError:
        return None


def _shared_bytes(fd: int) -> int:
    """Resident file-backed (and shared) memory of this process, from ``/proc/self/statm``."""
    return int(os.pread(fd, 128, 0).split()[2]) * mmap.PAGESIZE


class PageReaper:
    """Drop the resident pages of registered file mappings every ``interval`` seconds, in a thread.

    Register numpy memory-maps (:class:`numpy.memmap`, or arrays viewing one) with :meth:`add`;
    use as a context manager, or :meth:`start` / :meth:`stop`. :meth:`sweep` drops them at once.
    Only ever give it arrays backed by a *file* mapping opened by this process: on anonymous
    memory ``MADV_DONTNEED`` would zero the pages (:meth:`add` refuses arrays that are not
    memory-maps).

    Parameters
    ----------
    interval : float, default=0.25
        Seconds between sweeps.
    limit : int, optional
        Bytes of file-backed resident memory (``/proc/self/statm``'s shared pages, counted from
        what the process held when the thread started) past which it sweeps at once. It looks
        every ``poll`` seconds: a sequential scan maps pages at gigabytes a second, far faster
        than a sweep every ``interval`` would drop them (measured on a 2.2 GB matrix: 2.4 GB
        resident after one scan). Without ``/proc``, only the timed sweeps.
    poll : float, default=0.01
        Seconds between looks at the resident size when ``limit`` is given.
    """

    def __init__(self, interval: float = 0.25, limit: int | None = None, poll: float = 0.01):
        self.interval = interval
        self.limit = limit
        self.poll = poll
        self._ranges: list[tuple[int, int, object]] = []  # (address, length, the memmap: kept mapped while registered)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self._madvise = _libc_madvise() if hasattr(mmap, "MADV_DONTNEED") else None
        self.sweeps = 0

    def add(self, array) -> None:
        """Register the file mapping behind ``array`` (a :class:`numpy.memmap` or a view of one)."""
        import numpy as np

        base = array
        while base is not None and not isinstance(base, np.memmap):
            base = getattr(base, "base", None)
        if base is None or not isinstance(getattr(base, "_mmap", None), mmap.mmap):
            raise ValueError("PageReaper.add: the array is not backed by a numpy.memmap")
        start = base.__array_interface__["data"][0]
        page = mmap.PAGESIZE
        lo = start - start % page
        hi = start + base.nbytes
        with self._lock:
            self._ranges.append((lo, hi - lo, base))

    def add_file_mappings(self, paths, keepalive) -> int:
        """Register this process's current mappings of the files ``paths`` (read from ``/proc/self/maps``).

        ``keepalive`` (the object owning the mappings, e.g. a memory-mapped Arrow table) is held
        until :meth:`clear`, so the addresses cannot be unmapped and reused meanwhile. Returns the
        number of mappings registered (0 where ``/proc`` is missing).
        """
        wanted = {os.path.realpath(p) for p in paths}
        found = 0
        try:
            with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
                lines = fh.readlines()
        except OSError:
            return 0
        with self._lock:
            for line in lines:
                parts = line.split(maxsplit=5)
                if len(parts) == 6 and os.path.realpath(parts[5].strip()) in wanted:
                    lo, hi = (int(v, 16) for v in parts[0].split("-"))
                    self._ranges.append((lo, hi - lo, keepalive))
                    found += 1
        return found

    def clear(self) -> None:
        """Forget every registered mapping (and release the references that kept them mapped)."""
        with self._lock:
            self._ranges = []

    def sweep(self) -> None:
        """Drop the resident pages of every registered mapping now."""
        if self._madvise is None:
            return
        with self._lock:
            for addr, length, _ in self._ranges:
                if length > 0:
                    self._madvise(addr, length, mmap.MADV_DONTNEED)
        self.sweeps += 1

    def _run(self) -> None:
        statm = _open_statm() if self.limit is not None else None
        if statm is None:
            while not self._stop.wait(self.interval):
                self.sweep()
            return
        try:
            floor = _shared_bytes(statm) + self.limit
            last = time.monotonic()
            while not self._stop.wait(self.poll):
                now = time.monotonic()
                if now - last >= self.interval or _shared_bytes(statm) > floor:
                    self.sweep()
                    last = now
        finally:
            os.close(statm)

    def start(self) -> "PageReaper":
        if self._thread is None and self._madvise is not None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="arclf-page-reaper", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        self.sweep()

    def __enter__(self) -> "PageReaper":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
