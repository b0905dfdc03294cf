"""Where library code reports the progress of a download without printing: a hook the caller installs.

Library functions never print; a long transfer started deep inside a call (a corpus downloaded on
first use by ``train``) still needs a progress bar. The command line installs a callback with
:func:`download_progress` around a command; :func:`report_download` calls the innermost one, or
does nothing when none is installed (a notebook, a test).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Optional

__all__ = ["DownloadCallback", "download_progress", "report_download"]

#: ``callback(label, bytes_done, bytes_total)``: ``bytes_total`` is None while the size is unknown;
#: the last call of a transfer has ``bytes_done == bytes_total``.
DownloadCallback = Callable[[str, int, Optional[int]], None]

# A stack, not a context variable: downloads may run in worker threads, which do not inherit contexts.
_HOOKS: list[Optional[DownloadCallback]] = []


@contextmanager
def download_progress(callback: Optional[DownloadCallback]) -> Iterator[None]:
    """Send the progress of every download inside the block to ``callback`` (None: to nowhere).

    Blocks nest; the innermost callback wins, so a command's progress display can take over
    the downloads of a call inside it.
    """
    _HOOKS.append(callback)
    try:
        yield
    finally:
        _HOOKS.pop()


def report_download(label: str, done: int, total: Optional[int]) -> None:
    """Tell the installed callback that ``label`` has ``done`` of ``total`` bytes (None: size unknown)."""
    if _HOOKS and _HOOKS[-1] is not None:
        _HOOKS[-1](label, done, total)
