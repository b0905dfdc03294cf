"""What every corpus reader shares: the read statistics and where data folders are found."""

from __future__ import annotations

import collections
import dataclasses
import os
from pathlib import Path

from arclf.errors import DataError

__all__ = ["ReadStats", "data_dir", "cache_dir", "find_data", "quiet_datasets"]


@dataclasses.dataclass
class ReadStats:
    """Counts a reader keeps while it reads one corpus.

    Attributes
    ----------
    read : int
        Records yielded.
    skipped : Counter
        Reason -> number of source items skipped (e.g. ``'empty text'``).
    encodings : Counter
        Encoding name -> number of files decoded with it (folder and page readers).
    notes : list of str
        Anything else worth reporting, one line each.
    examples : dict of str to list of str
        Reason -> the first few items (files, ids) skipped for it.
    """

    read: int = 0
    skipped: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    encodings: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    notes: list = dataclasses.field(default_factory=list)
    examples: dict = dataclasses.field(default_factory=dict)

    def skip(self, reason: str, n: int = 1, item: str | None = None) -> None:
        """Count ``n`` items skipped for ``reason``; ``item`` names one (the first three are kept)."""
        self.skipped[reason] += n
        if item is not None and len(self.examples.setdefault(reason, [])) < 3:
            self.examples[reason].append(str(item))

    def summary(self) -> str:
        """One line: ``'2,910 skipped: 2,910 binary data (NUL bytes), e.g. economy/AEE1.txt'`` (empty if none)."""
        if not self.skipped:
            return ""
        parts = []
        for reason, n in self.skipped.most_common():
            eg = self.examples.get(reason)
            parts.append(f"{n:,} {reason}" + (f", e.g. {', '.join(eg[:2])}" if eg else ""))
        return f"{sum(self.skipped.values()):,} skipped: " + "; ".join(parts)

    def as_dict(self) -> dict:
        return {"read": self.read, "skipped": dict(self.skipped), "encodings": dict(self.encodings), "notes": list(self.notes),
                "examples": {k: list(v) for k, v in self.examples.items()}}


def undecodable_reason(exc: Exception) -> str:
    """The reason part of a decoding error's one-line message (``'binary data (NUL bytes), not text'``)."""
    message = str(exc).split(": ", 1)[-1]
    return message.split(";", 1)[0].strip() or "undecodable"


def data_dir(explicit: str | os.PathLike | None = None) -> Path | None:
    """The data folder: ``explicit`` if given, else ``$ARCLF_DATA``, else None.

    Raises
    ------
    DataError
        The folder named does not exist (a typo would otherwise send every corpus to the download).
    """
    value = explicit or os.environ.get("ARCLF_DATA")
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        env = os.environ.get("ARCLF_DATA")
        origin = "--data-dir" if explicit and str(explicit) != env else "ARCLF_DATA"
        fallback = (f"ARCLF_DATA ({env})" if origin == "--data-dir" and env and Path(env).expanduser().is_dir()
                    else f"the download cache {cache_dir()}")
        raise DataError(f"data folder {path} (from {origin}) is not a folder; fix the path, or leave {origin} unset "
                        f"to use {fallback}")
    return path


def cache_dir() -> Path:
    """Download and Arrow cache folder: ``$ARCLF_CACHE`` or ``~/.cache/arclf`` (created when first written).

    Raises
    ------
    DataError
        The path exists and is not a folder.
    """
    path = Path(os.environ.get("ARCLF_CACHE") or Path.home() / ".cache" / "arclf").expanduser()
    if path.exists() and not path.is_dir():
        origin = "ARCLF_CACHE" if os.environ.get("ARCLF_CACHE") else "the default cache folder"
        raise DataError(f"{origin} {path} is a file, not a folder; set ARCLF_CACHE to a folder arclf may write to")
    return path


def find_data(explicit_path, candidates: list[str], *, what: str, data_dir_: str | os.PathLike | None = None, fetch_hint: str | None = None) -> Path:
    """Resolve where a corpus lives.

    Order: ``explicit_path`` (must exist); else each of ``candidates`` (paths relative to the
    data folder, then to the cache folder). Raises :class:`DataError` with what to do.
    """
    if explicit_path is not None:
        path = Path(explicit_path).expanduser()
        if not path.exists():
            raise DataError(f"{what}: {path} does not exist; check the path")
        return path
    roots = [r for r in (data_dir(data_dir_), cache_dir()) if r is not None]
    for root in roots:
        for cand in candidates:
            if (root / cand).exists():
                return root / cand
    where = " or ".join(str(r) for r in roots)
    hint = f", or run `{fetch_hint}`" if fetch_hint else ""
    raise DataError(
        f"{what}: not found (looked for {', '.join(candidates)} in {where}); "
        f"pass --data-dir or set ARCLF_DATA to the folder that holds it{hint}"
    )


class quiet_datasets:
    """Context manager: no ``datasets`` progress bars inside (arclf draws its own; pipes stay clean)."""

    def __enter__(self):
        import datasets

        self._was = datasets.is_progress_bar_enabled()
        datasets.disable_progress_bars()
        return self

    def __exit__(self, *exc):
        import datasets

        if self._was:
            datasets.enable_progress_bars()
        return False
