"""The ``arclf`` command line. Importing this package registers every command on :data:`app`."""

# in this order, the order `arclf --help` lists them
from arclf.cli import train, tune, predict, serve, env, runs, data, bundle, export  # noqa: F401,I001  (each module registers its commands)
from arclf.cli.app import _console_script, app, main

__all__ = ["app", "main"]
