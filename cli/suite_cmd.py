"""``evalstage suite ...``: lint a suite folder (and, later, import traffic and report health)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ValidationError
from rich.markup import escape
from rich.table import Table

from evalstage.cli._common import JsonOption, StoreOption, err, fail, open_store, out
from evalstage.cli.suite_import import import_command, stage_model
from evalstage.evalcore.cases import CaseBase
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.loaders import iter_jsonl, validation_error
from evalstage.evalcore.suite import Suite, load_suite
from evalstage.evalcore.suite_lint import LintCase, LintReport, lint_cases

suite_app = typer.Typer(
    help="Keep a suite in shape: import traffic as drafts, lint the cases, report their health.",
    no_args_is_help=True,
)

suite_app.command("import")(import_command)

SuiteArgument = Annotated[Path, typer.Argument(help="Suite folder holding suite.yaml.")]


def case_text(case: BaseModel) -> str:
    """What a case asks: its query, its question, or an agent case's last user message."""
    for name in ("query", "question"):
        value = getattr(case, name, None)
        if isinstance(value, str):
            return value
    messages: list[dict[str, Any]] = getattr(case, "messages", [])
    for message in reversed(messages):
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            return str(message["content"])
    return json.dumps(messages, sort_keys=True)


def _tool_names(tools: list[Any]) -> list[str]:
    names = []
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict):
            names.append(str(function.get("name", "")))
    return names


def read_lint_cases(suite: Suite) -> list[LintCase]:
    """Every case line of every stage's cases file, validated one by one (errors kept)."""
    found: list[LintCase] = []
    for stage, spec in suite.manifest.stages.items():
        if spec.options.get("beir"):
            continue  # a BEIR folder's queries are a benchmark's, not curated cases
        model, id_field = stage_model(stage)
        path = suite.path(spec.cases)
        for line, value in iter_jsonl(path):
            case_id = str(value.get(id_field, ""))
            try:
                case: CaseBase | None = model.model_validate(value)
                invalid = ""
            except ValidationError as exc:
                case, invalid = None, validation_error(exc, model, path, line).message
            text = case_text(case) if case is not None else ""
            tools = value.get("tools")
            context = " ".join(sorted(_tool_names(tools if isinstance(tools, list) else [])))
            found.append(LintCase(stage, case_id, str(path), line, text, case, invalid, context))
    return found


def lint_suite(suite_dir: Path) -> LintReport:
    """Lint the suite folder ``suite_dir`` (bad JSON or a bad suite.yaml raise SuiteError)."""
    suite = load_suite(suite_dir)
    return lint_cases(suite.manifest.name, suite.manifest.version, read_lint_cases(suite))


@suite_app.command("lint")
def lint_command(
    suite_dir: SuiteArgument,
    as_json: JsonOption = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 on warnings too (drafts, near-duplicates).")
    ] = False,
) -> None:
    """Report missing notes and categories, bad retirements, duplicates, balance and drafts.

    Exit 0 when no error is found (1 with --strict and a warning), 1 otherwise, 2 on bad input.
    """
    try:
        report = lint_suite(suite_dir)
    except SuiteError as exc:
        raise fail(exc) from exc
    if as_json:
        payload = report.model_dump(mode="json") | {"summary": report.summary()}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        _print_lint(report)
    if report.errors or (strict and report.warnings):
        raise typer.Exit(code=1)


def _print_lint(report: LintReport) -> None:
    table = Table("stage", "cases", "active", "drafts", "retired", "categories")
    for stage, counts in report.stages.items():
        cats = ", ".join(f"{k} {v}" for k, v in counts.categories.items())
        table.add_row(
            stage,
            str(counts.cases),
            str(counts.active),
            str(counts.drafts),
            str(counts.retired),
            escape(cats),
        )
    out.print(f"suite [bold]{escape(report.suite)}[/] {escape(report.version)}")
    out.print(table)
    for f in report.findings:
        where = f"{f.path}:{f.line}: " if f.path and f.line else ""
        field = f"field '{f.field}': " if f.field else ""
        colour = "red" if f.severity == "error" else "yellow"
        out.print(
            f"[{colour}]{f.severity}[/] {escape(f'[{f.stage} {f.rule}]')} "
            f"{escape(where + field + f.message)}",
            soft_wrap=True,
            highlight=False,
        )
        if f.hint:
            out.print(f"  how to fix: {escape(f.hint)}", soft_wrap=True, highlight=False)
    colour = "red" if report.errors else "green"
    err.print(f"[{colour}]{escape(report.summary())}[/]", highlight=False)


def skipped_drafts_message(suite_dir: Path, stages: list[str] | None = None) -> str | None:
    """``skipped N draft cases waiting for review (stage n, ...)``, or None without drafts."""
    per_stage: dict[str, int] = {}
    for c in read_lint_cases(load_suite(suite_dir)):
        chosen = stages is None or c.stage in stages
        if chosen and c.case is not None and c.case.draft and not c.case.retired:
            per_stage[c.stage] = per_stage.get(c.stage, 0) + 1
    if not per_stage:
        return None
    total = sum(per_stage.values())
    parts = ", ".join(f"{k} {v}" for k, v in per_stage.items())
    return (
        f"skipped {total} draft case{'s' * (total != 1)} waiting for review ({parts}); "
        f"see: evalstage suite lint {suite_dir}"
    )


@suite_app.command("health")
def health_command(
    suite_dir: SuiteArgument,
    store: StoreOption = None,
    runs: Annotated[int, typer.Option("--runs", min=1, help="The last N runs of the suite.")] = 10,
    fmt: Annotated[str, typer.Option("--format", help="md or json.")] = "md",
) -> None:
    """Saturated, flaky, never-discriminating cases and canary drift over the last N runs.

    Reads the store (never writes); cases the suite no longer runs (retired, drafts, removed)
    are left out. Exit 0 with a report, 2 on bad input.
    """
    from evalstage.evalcore.suite_health import benchmark_stages, health_markdown, suite_health

    try:
        if fmt not in ("md", "json"):
            raise SuiteError(f"unknown format {fmt!r}", field="--format", hint="use md or json")
        suite = load_suite(suite_dir)
        active = {
            (c.stage, c.case_id)
            for c in read_lint_cases(suite)
            if c.case is not None and c.case.active
        }
    except SuiteError as exc:
        raise fail(exc) from exc
    db = open_store(store)
    history = [(r, db.case_results(r.run_id)) for r in db.list_runs(suite.manifest.name, runs)]
    if not history:
        err.print(
            f"no stored runs of suite {suite.manifest.name!r}; try: evalstage run {suite_dir}",
            highlight=False,
        )
        raise typer.Exit(code=1)
    every = benchmark_stages(suite)  # a BEIR folder's queries: no cases file lists them
    report = suite_health(suite.manifest.name, history, active, every_result_of=every)
    if fmt == "json":
        payload = report.model_dump(mode="json") | {"counts": report.counts()}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        sys.stdout.write(health_markdown(report))
