"""Files: atomic writes, YAML reading with one-line errors, listing a folder's files.

Every file arclf writes for a user (run records, reports, bundles, caches, downloads, exports)
goes through :func:`atomic_path`, so an interrupted write never leaves a file that looks complete.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from arclf.errors import ConfigError

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "write_json", "json_default", "read_yaml",
           "list_files", "is_hidden", "temporary_name", "remove_stale_temporaries"]

_TEMP_PID = re.compile(r"^\..*\.pid(\d+)(?:\.|$)")


def temporary_name(name: str) -> str:
    """A hidden temporary name for ``name`` that carries this process's id: ``.<name>.pid<pid>``.

    :func:`remove_stale_temporaries` removes such names once their process is gone.
    """
    return f".{name}.pid{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_temporaries(folder: str | Path) -> list[Path]:
    """Delete the temporary files and folders of processes that no longer run (killed mid-write).

    Only names made by :func:`temporary_name` or :func:`atomic_path` are touched.

    Returns
    -------
    list of Path
        What was removed.
    """
    import shutil

    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_PID.match(entry.name)
        if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


@contextmanager
def atomic_path(path: str | Path, *, suffix: str = ".tmp", mode: int = 0o644) -> Iterator[Path]:
    """A temporary file beside ``path`` to write into; renamed onto ``path`` only if the block succeeds.

    Parameters
    ----------
    path : str or Path
        The file to create or replace. Its folder must exist.
    suffix : str, default='.tmp'
        Ending of the temporary name (``'.tmp.npz'`` for writers that add an extension otherwise).
    mode : int, default=0o644
        Permissions of the finished file (the temporary one is private to its owner).

    Yields
    ------
    Path
        The temporary file (created empty), in the same folder so the rename is atomic.

    Raises
    ------
    OSError
        From creating, writing or renaming; the temporary file is removed and ``path`` is
        left as it was. Any exception inside the block does the same.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f"{temporary_name(path.name)}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (:func:`atomic_path`); return ``path``.

    A reader never sees a half-written file; an interrupted write leaves the old one.
    """
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, data) -> Path:
    """Write ``data`` as indented UTF-8 JSON atomically; values JSON does not know are written as ``str``."""
    return atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def json_default(value: Any):
    """``json.dumps(default=...)`` hook for numpy scalars and paths.

    Raises
    ------
    TypeError
        Any other type (as ``json.dumps`` expects).
    """
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def yaml_loads(text: str):
    """Parse YAML text with :class:`yaml.SafeLoader` (no code runs), dates left as strings.

    PyYAML turns ``2018-07-01`` into a date, and an impossible one (``2018-13-01``) into a bare
    ``ValueError`` from its constructor; kept as text, a date is checked where its key is
    validated and a bad one is reported with that key's dotted path.

    Raises
    ------
    yaml.YAMLError
        The text is not valid YAML.
    """
    import yaml

    return yaml.load(text, Loader=_text_dates_loader())  # noqa: S506 (a SafeLoader subclass)


def _text_dates_loader():
    import yaml

    global _LOADER
    if _LOADER is None:
        class Loader(yaml.SafeLoader):
            pass

        Loader.yaml_implicit_resolvers = {
            first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
        _LOADER = Loader
    return _LOADER


_LOADER = None


def read_yaml(path: str | Path, *, what: str = "YAML file", error: type[Exception] = ConfigError,
              mapping: bool = True):
    """Read one YAML file with :func:`yaml_loads` (no code runs), every failure as one line.

    Parameters
    ----------
    path : str or Path
    what : str
        What the file is, for messages (``'config file'``, ``'label file'``).
    error : exception class, default=ConfigError
        Raised with messages of the form ``'<path>: <what is wrong>; <what to do>'``.
    mapping : bool, default=True
        Require a mapping at the top level (an empty file is then an error too).

    Returns
    -------
    object
        The parsed document (a dict when ``mapping``; None for an empty file otherwise).

    Raises
    ------
    error
        Missing file, a folder, not UTF-8, not valid YAML (first line of the parser's
        report, at most 200 characters), or not a mapping.
    """
    import yaml

    path = Path(path)
    try:
        data = yaml_loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise error(f"{path}: a folder, not a {what}") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text; a {what} is YAML saved as UTF-8") from None
    except PermissionError:
        raise error(f"{path}: permission denied reading the {what}") from None
    except yaml.YAMLError as exc:
        first = " ".join(str(exc).splitlines()[0].split()) if str(exc) else exc.__class__.__name__
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        raise error(f"{path}: not valid YAML{where}: {first[:200]}") from None
    if mapping and not isinstance(data, dict):
        got = "an empty file" if data is None else type(data).__name__
        raise error(f"{path}: expected a mapping at the top level of the {what}, got {got}")
    return data


def is_hidden(parts) -> bool:
    """Whether a relative path (its parts) is hidden: a part starting with ``.``, or macOS's ``__MACOSX``."""
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def list_files(root: str | Path, *, suffix: str | None = None) -> list[str]:
    """The files under a folder, recursively, as sorted relative POSIX paths, hidden ones skipped.

    Parameters
    ----------
    root : str or Path
        A folder.
    suffix : str, optional
        Keep only names ending with it (case-sensitive, e.g. ``'.txt'``).

    Returns
    -------
    list of str
        Relative paths (``'economy/a1.txt'``) in string order, so a corpus is read in the
        same order on every machine.
    """
    root = Path(root)
    out = []
    for p in root.rglob("*"):
        rel = p.relative_to(root)
        if (suffix is None or p.name.endswith(suffix)) and not is_hidden(rel.parts) and p.is_file():
            out.append(rel.as_posix())
    return sorted(out)
