"""Exceptions raised by arclf.

Library code raises these; the CLI turns them into one line on stderr and a
non-zero exit code (2 for usage errors: :class:`ConfigError`,
:class:`DataError`, :class:`BundleError`, :class:`InputError`). Anything else
is a bug and keeps its traceback.
"""

__all__ = ["ArclfError", "ConfigError", "DataError", "BundleError", "InputError"]


class ArclfError(Exception):
    """Base class of every error arclf raises on purpose."""

    exit_code = 1


class ConfigError(ArclfError, ValueError):
    """A config file or override is invalid; the message names the file and dotted path."""

    exit_code = 2


class DataError(ArclfError, ValueError):
    """A corpus or data folder is missing, unreadable or has no usable records."""

    exit_code = 2


class BundleError(ArclfError, ValueError):
    """A model bundle is missing, truncated or from an incompatible version."""

    exit_code = 2


class InputError(ArclfError, ValueError):
    """An input to classify is empty, binary, undecodable or holds no Arabic text."""

    exit_code = 2
