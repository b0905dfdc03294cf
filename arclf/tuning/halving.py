"""The successive-halving schedule: how many candidates and rows each rung gets, and which rows.

Successive halving (Jamieson & Talwalkar, "Non-stochastic Best Arm Identification and
Hyperparameter Optimization", AISTATS 2016; Karnin, Koren & Somekh, ICML 2013) scores many
candidates cheaply, keeps the best ``1/eta`` of them and gives the survivors ``eta`` times the
resource, until a few finalists are scored on everything. Here the resource is training rows,
as in scikit-learn's ``HalvingRandomSearchCV``: a rung scores its candidates by duplicate-grouped
stratified k-fold CV on a sample of the selection rows, and every rung's sample holds the
previous one.

The samples are unions of *slices*: the selection rows are cut into ``eta ** (rungs - 1)``
duplicate-grouped stratified slices (:func:`arclf.evaluation.folds.grouped_stratified_folds`),
and rung ``k`` takes the first ``eta ** k`` of them. So every sample is stratified, holds whole
duplicate groups, and grows by adding rows, never by redrawing them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from arclf.evaluation.folds import grouped_stratified_folds

__all__ = ["Rung", "plan_rungs", "slice_rows"]


@dataclass(frozen=True)
class Rung:
    """One rung: its index, how many candidates enter it, how many slices of rows it uses."""

    index: int
    candidates: int
    slices: int


def plan_rungs(n_rows: int, *, eta: int, min_rows: int, finalists: int, candidates: int | None = None) -> list[Rung]:
    """The rungs for ``n_rows`` selection rows.

    The number of rungs is the largest ``R`` with ``n_rows / eta ** (R - 1) >= min_rows`` (at
    least 1). Rung ``k`` uses ``eta ** k`` of ``eta ** (R - 1)`` slices and takes
    ``max(finalists, ceil(n0 / eta ** k))`` candidates, ``n0`` being ``candidates`` or, by
    default, ``finalists * eta ** (R - 1)`` (so every rung costs about the same).

    Parameters
    ----------
    n_rows : int
        Rows the search may use (the selection rows).
    eta : int
        Reduction factor, >= 2.
    min_rows : int
        Smallest rung.
    finalists : int
        Candidates of the last rung.
    candidates : int, optional
        Candidates of the first rung.

    Returns
    -------
    list of Rung

    Examples
    --------
    >>> [(r.candidates, r.slices) for r in plan_rungs(25_000, eta=3, min_rows=800, finalists=2)]
    [(54, 1), (18, 3), (6, 9), (2, 27)]
    """
    n_rungs = 1
    while n_rows / eta ** n_rungs >= min_rows:
        n_rungs += 1
    n0 = candidates if candidates is not None else finalists * eta ** (n_rungs - 1)
    return [Rung(k, max(min(finalists, n0), math.ceil(n0 / eta ** k)), eta ** k) for k in range(n_rungs)]


def slice_rows(y, groups, n_slices: int, seed: int) -> np.ndarray:
    """The slice (0 .. n_slices-1) of every row: stratified by ``y``, duplicate groups kept whole.

    Parameters
    ----------
    y : ndarray of shape (n_rows,)
    groups : ndarray of int of shape (n_rows,)
        Duplicate-group id per row.
    n_slices : int
    seed : int

    Returns
    -------
    ndarray of int of shape (n_rows,)
    """
    slice_of = np.zeros(len(y), dtype=np.int64)
    if n_slices <= 1:
        return slice_of
    for s, (_, rows) in enumerate(grouped_stratified_folds(y, groups, n_slices, seed)):
        slice_of[rows] = s
    return slice_of
