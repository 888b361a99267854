"""``evalstage report RUN``: the scenario report of a stored run (markdown, HTML or JSON)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from evalstage.cli._common import StoreOption, err, fail, open_store
from evalstage.evalcore.errors import SuiteError


class ReportFormat(StrEnum):
    """The formats ``evalstage report`` writes."""

    MD = "md"
    HTML = "html"
    JSON = "json"


def report_command(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
    fmt: Annotated[
        ReportFormat, typer.Option("--format", help="md (default), html or json.")
    ] = ReportFormat.MD,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the report here instead of stdout.")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Print the scenario report of a run: one row per suite category and stage.

    Columns grouped as quality, robustness, calibration, safety and efficiency; every cell with
    its confidence interval and n, or "not measured" and why. See docs/robustness.md.
    """
    from evalstage.evalcore.files import check_writable, write_text_atomic
    from evalstage.evalcore.scenario_render import to_html, to_markdown
    from evalstage.evalcore.scenarios import build_scenarios

    if out_file is not None:
        try:
            check_writable(out_file, "--out")
        except SuiteError as exc:
            raise fail(exc) from exc
    db = open_store(store)
    try:
        record = db.get_run(run_id)
    except KeyError as exc:
        err.print(f"[bold red]error:[/] {exc.args[0]}; list runs with: evalstage runs")
        raise typer.Exit(code=2) from exc
    report = build_scenarios(record, db.case_results(record.run_id))
    if fmt == ReportFormat.JSON:
        text = json.dumps(report.model_dump(mode="json"), indent=2) + "\n"
    elif fmt == ReportFormat.HTML:
        text = to_html(report)
    else:
        text = to_markdown(report)
    if out_file is None:
        sys.stdout.write(text)
        return
    write_text_atomic(out_file, text)
    err.print(f"wrote the scenario report of run {record.run_id} to {out_file}", highlight=False)
