"""The ``evalstage`` command line (typer), apart from the Prefect flows it starts."""

from evalstage.cli.main import app, main

__all__ = ["app", "main"]
