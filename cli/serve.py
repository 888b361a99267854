"""``evalstage app``: start the Streamlit app on 127.0.0.1 against a results store.

The Streamlit server runs as a child in its own process group. SIGINT, SIGTERM and SIGHUP to
``evalstage app`` are forwarded to that group and the parent waits for it (then kills what is
left); on Linux the child also gets SIGTERM when the parent dies, even by ``kill -9``
(``prctl(PR_SET_PDEATHSIG)``), so no server is left holding the port.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from evalstage.evalcore.env import default_store_url
from evalstage.evalcore.processes import die_with_parent, signal_group, stop_group
from evalstage.evalcore.redact import redact_url, url_has_secret

APP_MAIN = Path(str(files("evalstage.app").joinpath("main.py")))
"""The app's entry script, located from the installed package (not from the working folder)."""


def app_command_line(store: str | None, port: int) -> list[str]:
    """The ``streamlit run`` command line that serves the app for ``store`` on ``port``.

    ``store=None``: the app reads ``$EVALSTAGE_STORE``.
    """
    command = [
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
        # a viewer's toolbar: no Deploy button, no developer menu, no "rerun on save" prompt
        "--client.toolbarMode",
        "viewer",
        "--server.runOnSave",
        "false",
    ]
    return command if store is None else [*command, "--", "--store", store]


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def serve(command: list[str], env: dict[str, str] | None = None) -> int:
    """Run ``command`` as a child in its own process group until it exits or we are stopped.

    Returns the child's exit code, or 0 when a stop signal ended it.
    """
    parent = os.getpid()
    stopped: list[int] = []
    proc = subprocess.Popen(
        command,
        env=env,
        start_new_session=True,
        preexec_fn=lambda: die_with_parent(parent),  # the CLI runs no threads of its own here
    )

    def forward(signum: int, _frame: FrameType | None) -> None:
        stopped.append(signum)
        signal_group(proc, signum)

    previous = {s: signal.signal(s, forward) for s in STOP_SIGNALS}
    try:
        code = proc.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        stop_group(proc)
    return 0 if stopped else (code if code >= 0 else 128 - code)


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
    shown = redact_url(url)  # a PostgreSQL URL may hold a password
    typer.echo(f"evalstage app: http://127.0.0.1:{port}  (store: {shown}; Ctrl+C stops)")
    if url_has_secret(url):  # not on the command line, where `ps` shows it to every user
        env = {**os.environ, "EVALSTAGE_STORE": url}
        raise typer.Exit(code=serve(app_command_line(None, port), env))
    raise typer.Exit(code=serve(app_command_line(url, port)))
