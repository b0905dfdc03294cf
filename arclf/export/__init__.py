"""Export finished runs to other tools: :func:`export_mlflow` logs run folders to an MLflow tracking store.

MLflow is an optional extra (``pip install 'arclf[mlflow]'``); it is imported only when an export runs.
"""

from arclf.util.lazy import lazy_exports

__all__ = ["ExportResult", "ExportedRun", "export_mlflow"]

__getattr__, __dir__ = lazy_exports(__name__, {
    "ExportResult": "mlflow_export", "ExportedRun": "mlflow_export", "export_mlflow": "mlflow_export",
})
