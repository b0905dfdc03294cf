"""Text formatting shared by run reports and comparisons."""

from __future__ import annotations

from typing import Sequence

__all__ = ["markdown_cell", "markdown_table"]


def markdown_cell(text) -> str:
    """One table cell: ``|`` escaped, line breaks as spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence, rows: Sequence[Sequence]) -> str:
    """A GitHub-flavoured markdown table (header row, ``|---|`` rule, one line per row), without a final newline.

    >>> print(markdown_table(["metric", "mean"], [["macro_f1", "0.8742"]]))
    | metric | mean |
    |---|---|
    | macro_f1 | 0.8742 |
    """
    lines = ["| " + " | ".join(markdown_cell(h) for h in header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
