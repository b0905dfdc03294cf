"""Evaluation: folds, metrics, duplicate detection, significance tests, corpus inspection.

Names are imported from their modules on first use (:func:`arclf.util.lazy.lazy_exports`).
"""

from arclf.util.lazy import lazy_exports

__all__ = [
    "duplicate_report", "exact_duplicate_groups", "export_corpus", "fold_metrics", "inspect_corpus",
    "list_corpora", "make_folds", "near_duplicate_groups", "summarize_folds",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "make_folds": "folds", "fold_metrics": "folds", "summarize_folds": "folds",
    "exact_duplicate_groups": "duplicates", "near_duplicate_groups": "duplicates",
    "duplicate_report": "duplicates", "inspect_corpus": "inspection", "export_corpus": "inspection",
    "list_corpora": "inspection",
})
