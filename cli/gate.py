"""``evalstage gate`` renderers (table, JUnit XML, PR-comment markdown) and ``--target``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from evalstage.cli._common import json_flag
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.gates import GateReport, GateResult
from evalstage.evalcore.outcomes import Outcome
from evalstage.evalcore.records import CaseResult
from evalstage.evalcore.redact import literal_secrets
from evalstage.evalcore.suite import TargetSpec

MARKDOWN_GATE_ROWS = 25
MARKDOWN_CATEGORY_ROWS = 5
MARKDOWN_CASE_IDS = 15


def target_overrides(
    stages: list[str] | None, target: str | None, target_args: str | None
) -> dict[str, TargetSpec]:
    """``--target``/``--target-args`` as ``{stage: TargetSpec}``; needs exactly one ``--stage``.

    The overrides become Prefect flow parameters, which Prefect stores: a literal secret in
    ``--target-args`` (a header value, an ``api_key``/``token``/``password``... value, a URL with
    user info or a key in its query) is refused. Secrets travel by reference: ``api_key_env``,
    or a header written ``{"env": "NAME"}``; the target reads the variable when it runs.
    """
    if target is None:
        return {}
    if not stages or len(stages) != 1:
        raise SuiteError(
            "--target needs exactly one --stage",
            field="--target",
            hint="add e.g. --stage retrieval",
        )
    args = json_flag(target_args, "--target-args")
    literal = literal_secrets(args)
    if literal:
        raise SuiteError(
            f"a literal secret in {', '.join(literal)} (its value is not shown); flow "
            "parameters are stored by Prefect, so secrets are passed by reference",
            field="--target-args",
            hint='name an environment variable instead: "api_key_env": "MY_KEY" for the key, '
            '"headers": {"X-Api-Key": {"env": "MY_HEADER"}} for a header; no user:pass@ in URLs',
        )
    return {stages[0]: TargetSpec(name=target, args=args)}


def check_targets(
    suite_dir: Path, stages: list[str] | None, overrides: dict[str, TargetSpec]
) -> None:
    """Validate the target of every selected stage (overrides first) before Prefect starts.

    An unknown target name or bad ``args`` (e.g. a ``base_url`` with a password) raise
    :class:`SuiteError` naming ``suite.yaml`` (or the flag) instead of failing inside a task.
    """
    from evalstage.agent_eval import AGENT_TARGETS
    from evalstage.evalcore.suite import load_suite
    from evalstage.evalcore.targets import TargetContext
    from evalstage.generation_eval import GENERATION_TARGETS
    from evalstage.retrieval_eval import RETRIEVAL_TARGETS

    registries: dict[str, Any] = {
        "retrieval": RETRIEVAL_TARGETS,
        "generation": GENERATION_TARGETS,
        "agent": AGENT_TARGETS,
    }
    suite = load_suite(suite_dir)
    for stage in stages or list(suite.manifest.stages):
        declared = suite.manifest.stages.get(stage)
        if stage not in registries or declared is None:
            continue  # select_stages reports it
        if stage in overrides:
            try:
                registries[stage].args(overrides[stage])
            except SuiteError as exc:
                raise SuiteError(
                    exc.message, field=f"--target-args ({exc.field})", hint=exc.hint
                ) from None
        else:
            registries[stage].args(declared.target, TargetContext(suite.root))


def value_cell(gate: GateResult) -> str:
    """The measured value: the metric, ``baseline -> candidate``, or a count of canaries."""
    if gate.value is None:
        return ""
    if gate.baseline is not None:
        return f"{gate.baseline:.4f} → {gate.value:.4f}"
    if gate.kind == "canaries":
        return f"{gate.value:.0f} failing of {gate.n}"
    return f"{gate.value:.4f}"


def bound_cell(gate: GateResult) -> str:
    """The threshold, or the paired delta with its 95% CI."""
    if gate.delta is not None and gate.ci_low is not None and gate.ci_high is not None:
        return f"{gate.delta:+.4f} [{gate.ci_low:+.4f}, {gate.ci_high:+.4f}]"
    return gate.threshold or ""


def p_cell(gate: GateResult) -> str:
    """The permutation p-value, if the gate has one."""
    return f"{gate.p_value:.4f}" if gate.p_value is not None else ""


STATUS_STYLE = {"pass": "green", "fail": "bold red", "skipped": "yellow"}
STATUS_MARK = {"pass": "✅ pass", "fail": "❌ fail", "skipped": "⏭️ skipped"}


def gate_table(report: GateReport) -> Table:
    """A rich table of every gate."""
    title = f"gates · run {report.run_id} · baseline {report.baseline_run_id or 'none'}"
    table = Table(title=title, title_justify="left")
    for column in ("gate", "status", "value", "threshold / delta [95% CI]", "p", "detail"):
        table.add_column(column, justify="right" if column in ("value", "p") else "left")
    for gate in report.gates:
        style = STATUS_STYLE[gate.status]
        table.add_row(
            gate.name,
            f"[{style}]{gate.status}[/]",
            value_cell(gate),
            bound_cell(gate),
            p_cell(gate),
            gate.detail,
        )
    return table


def verdict(report: GateReport) -> str:
    """One line: passed, or how many gates failed."""
    skipped = sum(g.status == "skipped" for g in report.gates)
    tail = f", {skipped} skipped" if skipped else ""
    if report.passed:
        return f"gate passed: {len(report.gates) - skipped} of {len(report.gates)} held{tail}"
    return f"gate FAILED: {len(report.failed)} of {len(report.gates)} gates failed{tail}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_summary(report: GateReport) -> str:
    """A PR-comment-sized summary: verdict, gates, category regressions, newly failing cases."""
    mark = "✅ passed" if report.passed else "❌ failed"
    baseline = f"`{report.baseline_run_id}`" if report.baseline_run_id else "none"
    lines = [
        f"## evalstage gate {mark}: suite `{report.suite}`",
        "",
        f"run `{report.run_id}` ({report.run_status}) · baseline {baseline} · {verdict(report)}",
        "",
        "| gate | status | value | threshold / delta [95% CI] | p | note |",
        "|---|---|---:|---|---:|---|",
    ]
    order = {"fail": 0, "skipped": 1, "pass": 2}
    ranked = sorted(
        report.gates, key=lambda g: (order[g.status], g.kind in ("regression", "category"))
    )
    for gate in ranked[:MARKDOWN_GATE_ROWS]:
        cells = (gate.name, STATUS_MARK[gate.status], value_cell(gate), bound_cell(gate))
        lines.append(
            "| " + " | ".join(_cell(c) for c in (*cells, p_cell(gate), gate.detail)) + " |"
        )
    if len(ranked) > MARKDOWN_GATE_ROWS:
        lines.append(
            f"\n… and {len(ranked) - MARKDOWN_GATE_ROWS} more gates (see the JUnit report)"
        )
    rising = sorted(
        (g for g in report.gates if g.kind == "category" and g.delta is not None and g.delta > 0),
        key=lambda g: (g.p_value or 1.0, -(g.delta or 0.0)),
    )
    if rising:
        lines += [
            "",
            "### Failure categories that rose",
            "",
            "| stage | category | rate before → after | delta [95% CI] | p |",
            "|---|---|---:|---|---:|",
        ]
        for gate in rising[:MARKDOWN_CATEGORY_ROWS]:
            category = (gate.metric or "").removeprefix("rate:")
            lines.append(
                f"| {gate.stage} | {_cell(category)} | {value_cell(gate)} | {bound_cell(gate)} "
                f"| {p_cell(gate)} |"
            )
    failing = [(c.stage, c.newly_failing) for c in report.comparisons if c.newly_failing]
    if failing:
        lines += ["", "### Newly failing cases", ""]
        for stage, ids in failing:
            shown = ", ".join(f"`{i}`" for i in ids[:MARKDOWN_CASE_IDS])
            more = (
                f" … and {len(ids) - MARKDOWN_CASE_IDS} more"
                if len(ids) > MARKDOWN_CASE_IDS
                else ""
            )
            lines.append(f"- {stage} ({len(ids)}): {shown}{more}")
    return "\n".join(lines) + "\n"


def _counts(outcomes: Sequence[str]) -> dict[str, str]:
    return {
        "tests": str(len(outcomes)),
        "failures": str(sum(o == "fail" for o in outcomes)),
        "errors": str(sum(o == "error" for o in outcomes)),
        "skipped": str(sum(o in ("skipped", Outcome.UNMEASURED) for o in outcomes)),
    }


def _case_element(parent: ET.Element, result: CaseResult) -> None:
    case = ET.SubElement(parent, "testcase", classname=f"evalstage.{result.stage}", name=result.key)
    if result.outcome == Outcome.FAIL:
        category = result.failure_category.value if result.failure_category else "fail"
        failure = ET.SubElement(case, "failure", message=f"{category}: {result.reason}")
        failure.set("type", category)
        failure.text = result.reason
    elif result.outcome == Outcome.ERROR:
        error = ET.SubElement(case, "error", message=result.reason or "error", type="error")
        error.text = result.reason
    elif result.outcome == Outcome.UNMEASURED:
        ET.SubElement(case, "skipped", message=result.reason or "unmeasured")


def _gate_element(parent: ET.Element, gate: GateResult) -> None:
    case = ET.SubElement(parent, "testcase", classname="evalstage.gates", name=gate.name)
    summary = " ".join(p for p in (value_cell(gate), bound_cell(gate), p_cell(gate)) if p)
    if gate.status == "fail":
        failure = ET.SubElement(case, "failure", message=gate.detail, type=gate.kind)
        failure.text = summary
    elif gate.status == "skipped":
        ET.SubElement(case, "skipped", message=gate.detail)


def junit_xml(report: GateReport, results: Sequence[CaseResult]) -> str:
    """JUnit XML: one test case per evaluated case (per stage suite) and one per gate."""
    root = ET.Element("testsuites", name="evalstage")
    every: list[str] = []
    for stage in dict.fromkeys(r.stage for r in results):
        rows = [r for r in results if r.stage == stage]
        outcomes = [r.outcome.value for r in rows]
        suite = ET.SubElement(
            root, "testsuite", {"name": f"evalstage.{stage}", **_counts(outcomes)}
        )
        for result in rows:
            _case_element(suite, result)
        every += outcomes
    statuses: list[str] = [g.status for g in report.gates]
    gates = ET.SubElement(root, "testsuite", {"name": "evalstage.gates", **_counts(statuses)})
    properties = ET.SubElement(gates, "properties")
    for name, value in (
        ("suite", report.suite),
        ("run_id", report.run_id),
        ("baseline_run_id", report.baseline_run_id or ""),
        ("passed", str(report.passed).lower()),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for gate in report.gates:
        _gate_element(gates, gate)
    root.attrib.update(_counts(every + statuses))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
