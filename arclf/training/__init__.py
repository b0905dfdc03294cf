"""Training: dataset preparation, featurization, cross-validation, ``train``, experiments, cross-corpus evaluation.

Names are imported from their modules on first use (:func:`arclf.util.lazy.lazy_exports`).
"""

from arclf.util.lazy import lazy_exports

__all__ = [
    "EvalResult", "TrainResult", "evaluate_bundle", "run_experiment", "train",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "train": "trainer", "TrainResult": "trainer", "run_experiment": "experiments",
    "evaluate_bundle": "crosscorpus", "EvalResult": "crosscorpus",
})
