"""What every ``evalstage`` command shares: consoles, options, errors, the store."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from evalstage.evalcore.env import default_store_url
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.loaders import parse_json
from evalstage.evalcore.records import CaseResult, RunRecord
from evalstage.evalcore.redact import redact_text, url_has_secret
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
    """Print a user error (file, line, field, hint) and the exit that ends the command.

    Redacted: the message may quote a URL or an error body holding a key.
    """
    err.print(f"[bold red]error:[/] {escape(redact_text(exc.render()))}", highlight=False)
    return typer.Exit(code=2)


def json_flag(text: str | None, flag: str, example: str = '{"k1": 0.9}') -> dict[str, Any]:
    """A JSON-object command-line flag through :func:`evalcore.loaders.parse_json`.

    Bad JSON, NaN/Infinity, deep nesting or a non-object raise :class:`SuiteError` naming
    ``flag``.
    """
    if text is None or not text.strip():
        return {}
    try:
        value = parse_json(text)
    except SuiteError as exc:
        raise SuiteError(exc.message, field=flag, hint=f"write e.g. {example}") from None
    if not isinstance(value, dict):
        raise SuiteError(
            f"not a JSON object (got {type(value).__name__})",
            field=flag,
            hint=f"write e.g. {example}",
        )
    return value


def fail_dead_targets(suite_dir: Path, run: RunRecord, results: Sequence[CaseResult]) -> None:
    """Exit 1 when a stage's target errored on more than its ``max_error_rate`` of cases.

    The run is stored already (it is the evidence); the message names the first error.
    """
    from evalstage.evalcore.loaders import load_yaml_model
    from evalstage.evalcore.suite import SuiteManifest, max_error_rates
    from evalstage.evalcore.target_health import dead_targets

    manifest = load_yaml_model(suite_dir / "suite.yaml", SuiteManifest)  # no hashing again
    dead = dead_targets(run, results, max_error_rates(manifest))
    for target in dead:
        err.print(
            f"[bold red]error:[/] stage {target.stage}: {escape(target.message)}",
            highlight=False,
        )
    if dead:
        raise typer.Exit(code=1)


def flow_store(url: str | None) -> str | None:
    """``--store`` as a Prefect flow parameter: a URL with a password never becomes one.

    Such a URL is handed over in ``$EVALSTAGE_STORE`` (the flows run in this process and read
    it through :func:`evalcore.env.default_store_url`) and the parameter is None.
    """
    if url is None or not url_has_secret(url):
        return url
    os.environ["EVALSTAGE_STORE"] = url
    return None


def open_store(url: str | None) -> ResultStore:
    """The results store at ``url`` (the default store without one)."""
    return ResultStore(url or default_store_url())
