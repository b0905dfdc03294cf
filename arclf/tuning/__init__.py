"""Hyperparameter search: ``arclf tune`` (successive halving within a time budget, estimated on held-out rows)."""

from arclf.tuning.tune import TuneResult, tune

__all__ = ["tune", "TuneResult"]
