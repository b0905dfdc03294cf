"""``arclf env``: versions, folders and git commit, for bug reports."""

from __future__ import annotations


import typer

from arclf.cli.app import app, handle_errors


@app.command()
@handle_errors
def env():
    """Print versions of Python, arclf and its libraries, and where data and caches are looked for."""
    import os

    from arclf.runs.provenance import git_info, versions

    git = git_info()
    data = os.environ.get("ARCLF_DATA")
    info = {**versions(), "git": f"{git['commit'] or 'not a git checkout'}{' (uncommitted changes)' if git['dirty'] else ''}",
            "ARCLF_DATA": (data + ("" if os.path.isdir(os.path.expanduser(data)) else "  (not a folder: fix or unset it)")
                           if data else "not set (pass --data-dir, or set ARCLF_DATA)"),
            "cache": _cache_line()}
    for key, value in info.items():
        typer.echo(f"{key:14} {value}")


def _cache_line() -> str:
    from arclf.corpus.base import cache_dir
    from arclf.errors import DataError

    try:
        return str(cache_dir())
    except DataError as exc:
        return f"{exc}"
