from arclf.cli.app import app, main, _console_script
