"""numba kernels compiled on first use: one way for every stage that has kernels.

A module with kernels creates one :class:`KernelSet` over its globals and marks its kernels
with :meth:`KernelSet.kernel`; until :meth:`KernelSet.compile` runs they are plain Python
functions and numba is not imported (``arclf predict`` on a few texts never pays numba's start-up
of about a third of a second). ``compile`` replaces every marked function in the module by its
``numba.njit(cache=True, nogil=True, parallel=...)`` dispatcher, so kernels calling kernels call
the compiled ones, and numba's on-disk cache makes later processes load machine code instead of
compiling. See the numba documentation, "Compiling Python code with @jit" (cache, nogil, parallel).
"""

from __future__ import annotations

import threading

__all__ = ["KernelSet", "any_compiled", "kernel_sets"]

_SETS: list["KernelSet"] = []


class KernelSet:
    """The numba kernels of one module.

    Parameters
    ----------
    namespace : dict
        The module's ``globals()``; marked functions are replaced there, and a ``prange``
        global (``range`` until compiled) becomes ``numba.prange``.

    Attributes
    ----------
    module : str
        The module's name.
    compiled : bool
        Whether :meth:`compile` has run in this process.
    """

    def __init__(self, namespace: dict):
        self._namespace = namespace
        self.module = namespace.get("__name__", "?")
        self._kernels: list[tuple[str, bool]] = []
        self._lock = threading.Lock()
        self.compiled = False
        _SETS.append(self)

    def kernel(self, parallel: bool = False):
        """Decorator marking a module-level function as a kernel (``parallel`` allows ``prange``)."""
        def mark(func):
            self._kernels.append((func.__name__, parallel))
            return func
        return mark

    @property
    def names(self) -> list[str]:
        """The marked functions' names, in the order they were defined."""
        return [name for name, _ in self._kernels]

    def compile(self) -> None:
        """Import numba and replace every marked function by its dispatcher (once per process, thread-safe).

        Machine code is made on each kernel's first call for its argument types (or loaded from
        numba's cache), not here.
        """
        if self.compiled:
            return
        with self._lock:
            if self.compiled:
                return
            import numba

            if "prange" in self._namespace:
                self._namespace["prange"] = numba.prange
            for name, parallel in self._kernels:
                self._namespace[name] = numba.njit(cache=True, nogil=True, parallel=parallel)(self._namespace[name])
            self.compiled = True


def kernel_sets() -> list[KernelSet]:
    """Every :class:`KernelSet` created in this process (one per imported kernel module)."""
    return list(_SETS)


def any_compiled() -> bool:
    """Whether any kernel module has been compiled in this process."""
    return any(s.compiled for s in _SETS)
