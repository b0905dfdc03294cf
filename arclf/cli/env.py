"""``arclf env``: versions, folders and git commit, for bug reports."""

from __future__ import annotations


import typer

from arclf.cli.app import app, handle_errors


@app.command()
@handle_errors
def env():
    """Print versions of Python, arclf and its libraries, and where data and caches are looked for."""
    from arclf.corpus.base import cache_dir, data_dir
    from arclf.runs.provenance import git_info, versions

    git = git_info()
    info = {**versions(), "git": f"{git['commit'] or 'not a git checkout'}{' (uncommitted changes)' if git['dirty'] else ''}",
            "ARCLF_DATA": _folder_line(data_dir) or "not set (pass --data-dir, or set ARCLF_DATA)",
            "cache": _folder_line(cache_dir)}
    for key, value in info.items():
        typer.echo(f"{key:14} {value}")


def _folder_line(resolve) -> str | None:
    """The folder ``resolve()`` names, or what is wrong with it (``env`` reports, it does not stop)."""
    from arclf.errors import DataError

    try:
        folder = resolve()
    except DataError as exc:
        return str(exc)
    return str(folder) if folder else None
