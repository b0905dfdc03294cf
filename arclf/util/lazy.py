"""Lazy re-exports for package ``__init__`` files: a name is imported from its module on first use.

A stage's ``__init__`` lists its public interface without importing it, so that ``import arclf``
or importing one NumPy-only module of a stage (``arclf.models.scores`` for prediction) never
pays for scikit-learn or numba (PEP 562, module ``__getattr__``).
"""

from __future__ import annotations

import importlib

__all__ = ["lazy_exports"]


def lazy_exports(package: str, names: dict[str, str]):
    """``(__getattr__, __dir__)`` for a package that re-exports ``names`` (public name -> submodule).

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : dict of str to str
        Each public name and the submodule of ``package`` that defines it.

    Returns
    -------
    tuple of two functions
        Assign them to the package's ``__getattr__`` and ``__dir__``. An unknown name raises
        AttributeError, as for any module.
    """
    def __getattr__(name: str):
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{names[name]}"), name)
        setattr(importlib.import_module(package), name, value)
        return value

    def __dir__():
        return sorted(set(names) | set(vars(importlib.import_module(package))))

    return __getattr__, __dir__
