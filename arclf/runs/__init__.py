"""Run folders: provenance, writing, reading, comparison with significance, reports.

Names are imported from their modules on first use (:func:`arclf.util.lazy.lazy_exports`).
"""

from arclf.util.lazy import lazy_exports

__all__ = [
    "Run", "RunWriter", "compare_runs", "compare_two", "git_info", "load_run", "resolve_runs",
    "versions", "write_report", "write_run_folder",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "load_run": "reader", "resolve_runs": "reader", "Run": "reader", "write_run_folder": "writer",
    "RunWriter": "writer", "compare_runs": "compare", "compare_two": "compare", "write_report":
    "report", "versions": "provenance", "git_info": "provenance",
})
