"""``evalstage gate``: run a suite, check its gates, and report for CI (table, JUnit, markdown).

The gates themselves are evaluated by :func:`evalcore.gates.evaluate_gates`; this module picks
the baseline run, runs the suite through :func:`flows.evaluate.evaluate_suite` and renders the
verdict.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from rich.table import Table

from evalcore.env import default_store_url
from evalcore.errors import SuiteError
from evalcore.gates import GateReport, GateResult, evaluate_gates
from evalcore.outcomes import Outcome
from evalcore.records import CaseResult, RunRecord
from evalcore.store import ResultStore
from evalcore.suite import TargetSpec, load_suite
from flows.evaluate import evaluate_suite, validate_suite
from flows.judge import judge_check

BASELINE_LATEST = "latest"
BASELINE_NONE = "none"
MARKDOWN_GATE_ROWS = 25
MARKDOWN_CATEGORY_ROWS = 5
MARKDOWN_CASE_IDS = 15


def target_overrides(
    stages: list[str] | None, target: str | None, target_args: str | None
) -> dict[str, TargetSpec]:
    """``--target``/``--target-args`` as ``{stage: TargetSpec}``; needs exactly one ``--stage``."""
    if target is None:
        return {}
    if not stages or len(stages) != 1:
        raise SuiteError(
            "--target needs exactly one --stage",
            field="--target",
            hint="add e.g. --stage retrieval",
        )
    try:
        args = json.loads(target_args or "{}")
        return {stages[0]: TargetSpec(name=target, args=args)}
    except (ValueError, TypeError) as exc:
        raise SuiteError(
            f"not a JSON object: {exc}", field="--target-args", hint='write e.g. {"k1": 0.9}'
        ) from exc


def latest_baseline(store: ResultStore, run: RunRecord) -> RunRecord | None:
    """The newest completed run of the same suite that started before ``run``."""
    for candidate in store.list_runs(suite=run.suite_name, limit=200):
        if (
            candidate.run_id != run.run_id
            and candidate.status == "completed"
            and candidate.started_at < run.started_at
        ):
            return candidate
    return None


def explicit_baseline(store: ResultStore, choice: str) -> RunRecord | None:
    """The run named by ``--baseline`` (an id or unique prefix); ``None`` for latest/none."""
    if choice in (BASELINE_LATEST, BASELINE_NONE):
        return None
    try:
        return store.get_run(choice)
    except KeyError as exc:
        raise SuiteError(
            str(exc.args[0]),
            field="--baseline",
            hint="pass latest, none or a run id; list runs with: evalstage runs",
        ) from exc


def gate_suite(
    suite_dir: str,
    stages: list[str] | None = None,
    store_url: str | None = None,
    targets: dict[str, TargetSpec] | None = None,
    baseline: str = BASELINE_LATEST,
) -> tuple[GateReport, list[CaseResult]]:
    """Run the suite, then evaluate the gates of its ``suite.yaml``.

    ``baseline`` is ``latest`` (the newest earlier completed run of the suite), ``none`` or a
    run id. Returns the report and the run's case results. Bad input raises
    :class:`SuiteError` before anything runs (or, for a metric no stage reports, after the run).
    """
    validate_suite(suite_dir, stages)
    suite = load_suite(Path(suite_dir))
    store = ResultStore(store_url or default_store_url())
    chosen = explicit_baseline(store, baseline)
    judge = judge_check(suite, store)  # a broken judge spec fails before the run
    run_id = evaluate_suite(suite_dir, stages=stages, store_url=store.url, targets=targets or {})
    run = store.get_run(run_id)
    results = store.case_results(run_id)
    reason = "--baseline none"
    if baseline == BASELINE_LATEST:
        chosen = latest_baseline(store, run)
        reason = f"no earlier completed run of suite '{run.suite_name}' in the store"
    report = evaluate_gates(
        suite.manifest.gates,
        run,
        results,
        chosen,
        store.case_results(chosen.run_id) if chosen is not None else [],
        manifest_path=suite.manifest_path,
        no_baseline_reason=reason,
        judge=judge,
    )
    return report, results


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
