"""Models: the linear SVM solver, calibration, probabilities from scores, pipeline builders.

Names are imported from their modules on first use (:func:`arclf.util.lazy.lazy_exports`).
"""

from arclf.util.lazy import lazy_exports

__all__ = [
    "CLASSIFIERS", "CalibratedLinear", "LinearSVM", "ScoreCalibrator", "build_featurizer",
    "build_head", "build_pipeline", "fit_score_calibrator", "softmax", "two_columns",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "LinearSVM": "solver", "CalibratedLinear": "calibration", "ScoreCalibrator": "calibration",
    "fit_score_calibrator": "calibration", "softmax": "scores", "two_columns": "scores",
    "CLASSIFIERS": "pipeline", "build_pipeline": "pipeline", "build_head": "pipeline",
    "build_featurizer": "pipeline",
})
