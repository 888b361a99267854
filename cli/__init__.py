"""The ``evalstage`` command line (typer), apart from the Prefect flows it starts."""

from cli.main import app, main

__all__ = ["app", "main"]
