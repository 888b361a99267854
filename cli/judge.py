"""``evalstage judge ...``: calibrate an LLM judge against human labels, compare two targets."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from evalstage.cli._common import JsonOption, StoreOption, err, fail, open_store, out
from evalstage.evalcore.errors import SuiteError

judge_app = typer.Typer(help="LLM judge: calibrate against human labels, compare two targets.")


def print_suite_judge(suite_dir: Path, store: str | None) -> None:
    """After a run: the suite's judge (if it declares one) and the state of its calibration."""
    from evalstage.cli.judge_render import judge_status_line
    from evalstage.evalcore.suite import load_suite
    from evalstage.flows.judge import judge_check

    check = judge_check(load_suite(suite_dir), open_store(store))
    if check is not None:
        out.print(judge_status_line(check), soft_wrap=True, highlight=False)


JudgeOption = Annotated[
    Path | None, typer.Option("--judge", help="Judge spec YAML (mode, prompt, backend).")
]


@judge_app.command("calibrate")
def judge_calibrate(
    labels: Annotated[
        Path | None, typer.Option("--labels", help="Human-labelled validation set (JSONL).")
    ] = None,
    judge: JudgeOption = None,
    suite: Annotated[
        Path | None, typer.Option("--suite", help="Take --judge/--labels from this suite.")
    ] = None,
    record: Annotated[
        Path | None, typer.Option("--record", help="Also write the judge's replies here.")
    ] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Measure a judge against human labels (accuracy, kappa, bias, with CIs) and store it."""
    from evalstage.cli.judge_render import calibration_lines, figures_table
    from evalstage.flows.judge import calibrate_judge, resolve_inputs

    try:
        spec_path, labels_path = resolve_inputs(
            str(suite) if suite else None,
            str(judge) if judge else None,
            str(labels) if labels else None,
        )
        result = calibrate_judge(spec_path, labels_path, store, record)
    except SuiteError as exc:
        raise fail(exc) from exc
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    lines = calibration_lines(result)
    out.print(lines[0], soft_wrap=True, highlight=False)
    out.print(figures_table("calibration against human labels", result.metrics))
    for line in lines[1:]:
        out.print(line, soft_wrap=True, highlight=False)


@judge_app.command("compare")
def judge_compare(
    target_a: Annotated[Path, typer.Option("--a", help="Target A's answers (JSONL).")],
    target_b: Annotated[Path, typer.Option("--b", help="Target B's answers (JSONL).")],
    judge: JudgeOption = None,
    model_a: Annotated[str | None, typer.Option("--model-a", help="Model behind A.")] = None,
    model_b: Annotated[str | None, typer.Option("--model-b", help="Model behind B.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Judge target B against A: win rate, length-controlled win rate, position consistency."""
    from evalstage.cli.judge_render import comparison_tables
    from evalstage.flows.judge import compare_targets

    if judge is None:
        err.print("[bold red]error:[/] --judge JUDGE.yaml is required")
        raise typer.Exit(code=2)
    try:
        result = compare_targets(judge, target_a, target_b, model_a=model_a, model_b=model_b)
    except SuiteError as exc:
        raise fail(exc) from exc
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2, exclude={"judgements"}) + "\n")
        _fail_when_nothing_measured(result)
        return
    for table in comparison_tables(result):
        out.print(table)
    counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
    out.print(f"counts: {counts}", soft_wrap=True, highlight=False)
    if result.length_slope is not None:
        out.print(f"length slope (log-odds per doubling of B's length): {result.length_slope:+.3f}")
    for warning in result.warnings:
        out.print(f"[yellow]warning:[/] {warning}", soft_wrap=True, highlight=False)
    _fail_when_nothing_measured(result)


def _fail_when_nothing_measured(result: Any) -> None:
    """Exit 1, showing why, when there were pairs and the judge measured none of them."""
    if not result.counts.get("pairs") or result.counts.get("measured"):
        return
    reasons = list(dict.fromkeys(j.reason for j in result.judgements if j.reason))
    err.print(
        f"[bold red]error:[/] the judge measured none of the {result.counts['pairs']} pairs",
        soft_wrap=True,
        highlight=False,
    )
    for reason in reasons[:3]:
        err.print(f"  {reason}", soft_wrap=True, highlight=False, markup=False)
    raise typer.Exit(code=1)


@judge_app.command("calibrations")
def judge_calibrations(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """List stored judge calibrations, newest first."""
    records = open_store(store).list_calibrations()
    if as_json:
        sys.stdout.write(json.dumps([r.model_dump(mode="json") for r in records], indent=2) + "\n")
        return
    table = Table(title="judge calibrations", title_justify="left")
    for column in ("id", "created", "prompt", "model", "labels", "n", "accuracy", "kappa"):
        table.add_column(column)
    for r in records:
        figures = {m.name: f"{m.value:.3f}" for m in r.metrics}
        table.add_row(
            r.calibration_id,
            f"{r.created_at:%Y-%m-%d %H:%M}",
            f"{r.prompt_name}@{r.prompt_sha256[:12]}",
            r.model,
            r.labels_name,
            f"{r.n_measured}/{r.n_items}",
            figures.get("accuracy", ""),
            figures.get("kappa", ""),
        )
    out.print(table)
