"""The saved model: :class:`Bundle` of scikit-learn objects, and the NumPy-only :class:`ArrayPredictor`.

Names are imported from their modules on first use (:func:`arclf.util.lazy.lazy_exports`).
"""

from arclf.util.lazy import lazy_exports

__all__ = [
    "ArrayPredictor", "Bundle", "TaskModel", "load_bundle", "load_predictor",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "Bundle": "model", "TaskModel": "model", "load_bundle": "model", "load_predictor": "model",
    "ArrayPredictor": "arrays",
})
