"""Prediction: reading the articles to classify, predicting labels, explaining them.

Names are imported from their modules on first use (:func:`arclf.util.lazy.lazy_exports`).
"""

from arclf.util.lazy import lazy_exports

__all__ = [
    "Prediction", "explain_prediction", "iter_inputs", "predict", "predict_files", "predict_iter", "read_input",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "predict": "predictor", "predict_files": "predictor", "predict_iter": "predictor", "Prediction": "predictor", "iter_inputs":
    "inputs", "read_input": "inputs", "explain_prediction": "explain",
})
