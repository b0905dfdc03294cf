"""The saved model: :class:`Bundle` of scikit-learn objects, the NumPy-only :class:`ArrayPredictor`, and the
bundle file (a zip of a JSON manifest and ``.npy`` arrays, :mod:`arclf.bundle.archive`) with its tools.

Names are imported from their modules on first use (:func:`arclf.util.lazy.lazy_exports`).
"""

from arclf.util.lazy import lazy_exports

__all__ = [
    "ArrayPredictor", "Bundle", "TaskModel", "load_bundle", "load_predictor",
    "BundleInfo", "VerifyReport", "bundle_info", "verify_bundle", "convert_bundle",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "Bundle": "model", "TaskModel": "model", "load_bundle": "model", "load_predictor": "model",
    "ArrayPredictor": "arrays",
    "BundleInfo": "manage", "VerifyReport": "manage", "bundle_info": "manage", "verify_bundle": "manage",
    "convert_bundle": "manage",
})
