"""What every ``evalstage`` command shares: consoles, options, errors, the store."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from evalstage.evalcore.env import default_store_url
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.store import ResultStore

out = Console()
err = Console(stderr=True, soft_wrap=True)

StoreOption = Annotated[
    str | None, typer.Option("--store", help="SQLAlchemy URL of the results store.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
StageOption = Annotated[
    list[str] | None, typer.Option("--stage", help="Stage to run (repeatable); default all.")
]
TargetOption = Annotated[
    str | None,
    typer.Option("--target", help="Override the target of the stage given with --stage."),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress output (results and errors only).")
]
TargetArgsOption = Annotated[
    str | None, typer.Option("--target-args", help="JSON args for --target.")
]


def fail(exc: SuiteError) -> typer.Exit:
    """Print a user error (file, line, field, hint) and the exit that ends the command."""
    err.print(f"[bold red]error:[/] {exc.render()}", highlight=False, markup=True)
    return typer.Exit(code=2)


def open_store(url: str | None) -> ResultStore:
    """The results store at ``url`` (the default store without one)."""
    return ResultStore(url or default_store_url())
