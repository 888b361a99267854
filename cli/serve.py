"""``evalstage app``: start the Streamlit app on 127.0.0.1 against a results store."""

from __future__ import annotations

import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer

from evalstage.evalcore.env import default_store_url

APP_MAIN = Path(str(files("evalstage.app").joinpath("main.py")))
"""The app's entry script, located from the installed package (not from the working folder)."""


def app_command_line(store: str, port: int) -> list[str]:
    """The ``streamlit run`` command line that serves the app for ``store`` on ``port``."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_MAIN),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--",
        "--store",
        store,
    ]


def app_command(
    store: Annotated[
        str | None, typer.Option("--store", help="SQLAlchemy URL of the results store.")
    ] = None,
    port: Annotated[int, typer.Option("--port", help="Port to serve on (127.0.0.1).")] = 8501,
) -> None:
    """Browse runs in a local web app (Streamlit, read-only, on 127.0.0.1)."""
    if not APP_MAIN.is_file():
        typer.echo(f"error: the app is missing: {APP_MAIN}", err=True)
        raise typer.Exit(code=2)
    url = store or default_store_url()
    typer.echo(f"evalstage app: http://127.0.0.1:{port}  (store: {url}; Ctrl+C stops)")
    try:
        code = subprocess.call(app_command_line(url, port))
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code=code)
