"""The ``evalstage`` command line: run, list, show, compare and gate suites."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from evalstage import __version__
from evalstage.cli._common import (
    JsonOption,
    QuietOption,
    StageOption,
    StoreOption,
    TargetArgsOption,
    TargetOption,
    err,
    fail,
    fail_dead_targets,
    flow_store,
    open_store,
    out,
)
from evalstage.cli.export import export_inputs_command
from evalstage.cli.init import init_command
from evalstage.cli.judge import judge_app, print_suite_judge
from evalstage.cli.progress import showing_progress
from evalstage.cli.render import print_run, run_summary
from evalstage.cli.report import report_command
from evalstage.cli.serve import app_command
from evalstage.cli.suite_cmd import skipped_drafts_message, suite_app
from evalstage.cli.tools import agent_app, generation_app, retrieval_app
from evalstage.evalcore.env import apply_offline_defaults
from evalstage.evalcore.errors import SuiteError

app = typer.Typer(
    name="evalstage",
    help="Evaluate RAG systems and agents stage by stage: retrieval, generation, agent.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"evalstage {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the installed evalstage version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Evaluate RAG systems and agents stage by stage: retrieval, generation, agent."""


app.add_typer(retrieval_app, name="retrieval")
app.add_typer(generation_app, name="generation")
app.add_typer(agent_app, name="agent")
app.add_typer(judge_app, name="judge")
app.add_typer(suite_app, name="suite")
app.command("app")(app_command)
app.command("init")(init_command)
app.command("export-inputs")(export_inputs_command)
app.command("report")(report_command)


RepeatsOption = Annotated[
    int,
    typer.Option(
        "--repeats",
        min=1,
        help="Run each case of a live (non-deterministic) target this many times and report "
        "pass@k, pass_all@k (pass^k) and flip_rate; the first repeat is stored as the case.",
    ),
]


@app.command()
def run(
    suite_dir: Annotated[Path, typer.Argument(help="Suite folder holding suite.yaml.")],
    stage: StageOption = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    target: TargetOption = None,
    target_args: TargetArgsOption = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Run stage batches on Dask: 'local' (a local cluster) or a scheduler address "
            "such as tcp://scheduler:8786.",
        ),
    ] = None,
    repeats: RepeatsOption = 1,
) -> None:
    """Run a suite, store the run and print its per-stage aggregates.

    Runs in this process unless a Prefect API is configured (``PREFECT_API_URL``) or
    ``EVALSTAGE_ORCHESTRATION=prefect``: see docs/deploy.md.
    """
    from evalstage.cli.gate import check_targets, target_overrides
    from evalstage.flows.evaluate import evaluate_suite, validate_suite
    from evalstage.flows.runtime import call_flow, choose_mode, orchestration

    try:
        overrides = target_overrides(stage, target, target_args)
        validate_suite(str(suite_dir), stage, overrides)  # bad input fails before any stage runs
        check_targets(suite_dir, stage, overrides)
        mode = choose_mode(dask)
        if not quiet:
            err.print(running_message(suite_dir, mode), highlight=False)
            skipped = skipped_drafts_message(suite_dir, stage)
            if skipped:
                err.print(skipped, highlight=False, soft_wrap=True)
        with orchestration(mode), showing_progress(err, quiet):
            run_id = call_flow(
                evaluate_suite,
                str(suite_dir),
                stages=stage,
                store_url=flow_store(store),
                targets=overrides,
                dask=dask,
                repeats=repeats,
            )
    except SuiteError as exc:
        raise fail(exc) from exc
    show_record(store, run_id, as_json, suite_dir)
    db = open_store(store)
    fail_dead_targets(suite_dir, db.get_run(run_id), db.case_results(run_id))


def running_message(suite_dir: Path, mode: str) -> str:
    """The status line while a run is going."""
    where = "in this process" if mode == "local" else "through Prefect"
    return f"running suite {suite_dir} {where}…"


def show_record(store: str | None, run_id: str, as_json: bool, suite_dir: Path | None) -> None:
    """Print a stored run (tables, or JSON), saying why it is invalid when it is."""
    from evalstage.evalcore.records import invalid_reason

    opened = open_store(store)
    record = opened.get_run(run_id)
    reason = invalid_reason(opened.case_results(run_id)) if record.status == "invalid" else None
    if as_json:
        summary = run_summary(record) | ({"invalid_reason": reason} if reason else {})
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        return
    print_run(record)
    if reason:
        out.print(f"[bold red]run is invalid:[/] {reason}", soft_wrap=True, highlight=False)
    if suite_dir is not None:
        print_suite_judge(suite_dir, store)


@app.command()
def runs(
    store: StoreOption = None,
    suite: Annotated[str | None, typer.Option(help="Only runs of this suite.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many runs.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List stored runs, newest first."""
    records = open_store(store).list_runs(suite=suite, limit=limit)
    if as_json:
        sys.stdout.write(json.dumps([run_summary(r) for r in records], indent=2) + "\n")
        return
    if not records:
        out.print("no runs yet — try: evalstage run suites/demo")
        return
    table = Table("run_id", "suite", "version", "status", "started", "headline")
    for r in records:
        headline = "; ".join(
            f"{s.stage} {s.metrics[0].name}={s.metrics[0].value:.4f}" for s in r.stages if s.metrics
        )
        table.add_row(
            r.run_id,
            r.suite_name,
            r.suite_version,
            r.status,
            f"{r.started_at:%Y-%m-%d %H:%M:%S}",
            headline,
        )
    out.print(table)


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
    store: StoreOption = None,
    as_json: JsonOption = False,
    cases: Annotated[bool, typer.Option("--cases", help="Also list failing cases.")] = False,
) -> None:
    """Print one run."""
    db = open_store(store)
    try:
        record = db.get_run(run_id)
    except KeyError as exc:
        err.print(f"[bold red]error:[/] {exc.args[0]}; list runs with: evalstage runs")
        raise typer.Exit(code=2) from exc
    show_record(store, record.run_id, as_json, None)
    if cases and not as_json:
        table = Table("stage", "case", "category", "outcome", "reason")
        for r in db.case_results(record.run_id):
            if r.outcome != "pass":
                table.add_row(r.stage, r.case_id, r.category, r.outcome.value, r.reason)
        out.print(table)


@app.command()
def compare(
    run_a: Annotated[str, typer.Argument(help="Baseline run id (or unique prefix).")],
    run_b: Annotated[str, typer.Argument(help="Candidate run id (or unique prefix).")],
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare two runs stage by stage over the cases both hold (B against A)."""
    from evalstage.evalcore.compare import compare_stage

    db = open_store(store)
    try:
        a, b = db.get_run(run_a), db.get_run(run_b)
    except KeyError as exc:
        err.print(f"[bold red]error:[/] {exc.args[0]}; list runs with: evalstage runs")
        raise typer.Exit(code=2) from exc
    stages = [s.stage for s in a.stages if s.stage in {t.stage for t in b.stages}]
    comparisons = [
        compare_stage(stage, db.case_results(a.run_id, stage), db.case_results(b.run_id, stage))
        for stage in stages
    ]
    if as_json:
        payload = {
            "baseline": a.run_id,
            "candidate": b.run_id,
            "stages": {c.stage: c.model_dump(exclude={"stage"}) for c in comparisons},
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    out.print(f"compare [bold]{b.run_id}[/] (B) against [bold]{a.run_id}[/] (A)")
    for c in comparisons:
        table = Table(title=f"{c.stage} · {c.shared_cases} shared cases", title_justify="left")
        for column in ("metric", "A", "B", "delta", "95% CI", "p"):
            table.add_column(column, justify="left" if column == "metric" else "right")
        for m in c.metrics:
            table.add_row(
                m.metric,
                f"{m.baseline:.4f}",
                f"{m.candidate:.4f}",
                f"{m.delta:+.4f}",
                f"[{m.ci_low:+.4f}, {m.ci_high:+.4f}]",
                f"{m.p_value:.4f}",
            )
        out.print(table)
        for cat in c.failure_categories:
            out.print(f"  {cat.category}: {cat.baseline} -> {cat.candidate} ({cat.change:+d})")
        out.print(f"  newly failing: {', '.join(c.newly_failing) or 'none'}", soft_wrap=True)
        out.print(f"  newly fixed: {', '.join(c.newly_fixed) or 'none'}", soft_wrap=True)


@app.command()
def gate(
    suite_dir: Annotated[Path, typer.Argument(help="Suite folder holding suite.yaml.")],
    baseline: Annotated[
        str,
        typer.Option(
            "--baseline", help="latest (newest earlier completed run), none, or a run id."
        ),
    ] = "latest",
    stage: StageOption = None,
    store: StoreOption = None,
    target: TargetOption = None,
    target_args: TargetArgsOption = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Write a JUnit XML report here.")
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Write a PR-comment markdown summary here.")
    ] = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    repeats: RepeatsOption = 1,
) -> None:
    """Run a suite and check the gates of its suite.yaml: exit 0 if all hold, 1 if any fails."""
    from evalstage.cli.gate import (
        check_targets,
        gate_table,
        junit_xml,
        markdown_summary,
        target_overrides,
        verdict,
    )
    from evalstage.evalcore.files import write_text_atomic
    from evalstage.flows.evaluate import validate_suite
    from evalstage.flows.gate import gate_suite
    from evalstage.flows.runtime import choose_mode, orchestration

    try:
        overrides = target_overrides(stage, target, target_args)
        validate_suite(str(suite_dir), stage, overrides)
        check_targets(suite_dir, stage, overrides)
        mode = choose_mode()
        if not quiet:
            err.print(running_message(suite_dir, mode), highlight=False)
        with orchestration(mode), showing_progress(err, quiet):
            report, results = gate_suite(
                str(suite_dir),
                stages=stage,
                store_url=flow_store(store),
                targets=overrides,
                baseline=baseline,
                repeats=repeats,
            )
    except SuiteError as exc:
        raise fail(exc) from exc
    if junit is not None:
        write_text_atomic(junit, junit_xml(report, results))
    if markdown is not None:
        write_text_atomic(markdown, markdown_summary(report))
    if as_json:
        sys.stdout.write(json.dumps(report.model_dump(mode="json"), indent=2) + "\n")
    else:
        out.print(gate_table(report))
        colour = "green" if report.passed else "bold red"
        out.print(f"[{colour}]{verdict(report)}[/]", highlight=False)
    for dead in (g for g in report.gates if g.kind == "target" and g.status == "fail"):
        err.print(f"[bold red]error:[/] stage {dead.stage}: {escape(dead.detail)}", highlight=False)
    if not report.passed:
        raise typer.Exit(code=1)


@app.command()
def metrics(
    stage: Annotated[str | None, typer.Option("--stage", help="Only this stage.")] = None,
    as_json: JsonOption = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print docs/metrics.md (every stage).")
    ] = False,
) -> None:
    """List every metric each stage declares: its name, direction and definition."""
    from evalstage.cli.render import metrics_markdown, stage_metrics

    STAGE_METRICS = stage_metrics()

    if markdown:
        sys.stdout.write(metrics_markdown())
        return
    chosen = {k: v for k, v in STAGE_METRICS.items() if stage is None or k == stage}
    if not chosen:
        err.print(f"[bold red]error:[/] unknown stage {stage!r}; use one of {list(STAGE_METRICS)}")
        raise typer.Exit(code=2)
    if as_json:
        payload = {k: [m.model_dump() for m in v.metrics] for k, v in chosen.items()}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    for name, catalog in chosen.items():
        table = Table(title=name, title_justify="left")
        for column in ("metric", "better", "definition"):
            table.add_column(column)
        for m in catalog.metrics:
            table.add_row(m.name, m.direction, m.definition)
        out.print(table)


def main() -> None:
    """Entry point: offline defaults first, then the typer app."""
    apply_offline_defaults()
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    app()
