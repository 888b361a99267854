"""The agent stage as a Prefect flow: one task per stage batch, never one per case."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from evalstage.agent_eval import (
    AgentContext,
    AgentInputs,
    AgentReport,
    AgentRun,
    InjectedCase,
    injected_cases,
    load_agent_inputs,
    run_agent,
    score_agent,
    score_injected,
    with_probes,
)
from evalstage.agent_eval._targets import run_agent_repeats
from evalstage.evalcore.repeats import combine_reports
from evalstage.evalcore.report import add_costs, price_report, price_results, stage_summary
from evalstage.evalcore.suite import TargetSpec, load_suite
from evalstage.flows.artifacts import publish_stage_artifacts
from evalstage.flows.caching import batch_fingerprint, run_batch
from evalstage.flows.recording import record_run
from evalstage.flows.runtime import call_task, flow, task


@task(name="run-agent", retries=0)
def run_agent_batch(inputs: AgentInputs) -> AgentRun:
    """Drive every active case through the agent (target I/O is retried inside the client)."""
    return run_agent(inputs.target, inputs.active_cases, suite_root=inputs.suite_root)


@task(name="run-agent-repeats", retries=0)
def run_agent_repeats_batch(inputs: AgentInputs, repeats: int) -> list[AgentRun]:
    """Drive every case through a live agent ``repeats`` times, the repeats in one pool."""
    return run_agent_repeats(
        inputs.target, inputs.active_cases, suite_root=inputs.suite_root, repeats=repeats
    )


@task(name="probe-agent", retries=0)
def run_agent_probes_batch(inputs: AgentInputs) -> tuple[list[InjectedCase], list[AgentRun]]:
    """Drive every injection variant of the multi-step cases through the agent (none: none).

    A ``recorded`` target has no answers for variants: it gets none.
    """
    if not inputs.options.variants or inputs.target.name == "recorded":
        return [], []
    injected, _ = injected_cases(inputs.active_cases, inputs.options.variants, inputs.options.seed)
    runs = [
        run_agent(
            inputs.target,
            [i.case for i in injected if i.variant == variant],
            suite_root=inputs.suite_root,
        )
        for variant in inputs.options.variants
    ]
    return injected, runs


@task(name="score-agent")
def score_agent_batch(inputs: AgentInputs, run: AgentRun) -> AgentReport:
    """Check every case's tool calls."""
    return score_agent(
        AgentContext(
            cases=inputs.active_cases, turns=run.turns, errors=run.errors, mode=inputs.options.mode
        )
    )


@flow(name="agent-stage", log_prints=True)
def agent_stage(
    suite_dir: str,
    target: TargetSpec | None = None,
    record: bool = False,
    store_url: str | None = None,
    repeats: int = 1,
) -> tuple[AgentInputs, AgentReport]:
    """Run and score the agent stage of the suite in ``suite_dir``.

    Inside ``evaluate_suite`` the parent stores the run; run alone (e.g. as a deployment) with
    ``record=True`` it stores a one-stage run itself. ``repeats`` > 1 (a live target): every
    case runs that many times, all repeats in the target's pool, combined in one report.
    """
    started, began = datetime.now(UTC), time.perf_counter()
    suite = load_suite(Path(suite_dir))
    inputs = load_agent_inputs(suite)
    if target is not None:
        inputs = inputs.model_copy(update={"target": target})
    fingerprint = batch_fingerprint(suite, "agent", inputs.options, {"agent": inputs.target})
    if repeats > 1:
        runs = call_task(run_agent_repeats_batch, inputs, repeats)
    else:
        runs = [run_batch(run_agent_batch, fingerprint, inputs)]
    reports = []
    for run in runs:
        scored = call_task(score_agent_batch, inputs, run)
        if repeats > 1:
            scored = price_report(scored, suite.manifest.prices, inputs.target)
        reports.append(scored.model_copy(update={"target_description": run.target}))
    report = combine_reports(reports, inputs.options.confidence)
    injected, probe_runs = run_batch(
        run_agent_probes_batch,
        batch_fingerprint(suite, "agent-probes", inputs.options, {"agent": inputs.target}),
        inputs,
    )
    if injected:
        variants = inputs.options.variants
        probes = score_injected(
            injected,
            {v: r.turns for v, r in zip(variants, probe_runs, strict=True)},
            {v: r.errors for v, r in zip(variants, probe_runs, strict=True)},
            inputs.options.mode,
        )
        if repeats > 1:  # each repeat was priced above: price the probes on their own
            probes, probe_cost = price_results(probes, suite.manifest.prices, inputs.target)
            report = report.model_copy(update={"cost": add_costs(report.cost, probe_cost)})
        report = with_probes(report, probes, inputs.options.confidence)
    if repeats == 1:
        report = price_report(report, suite.manifest.prices, inputs.target)
    publish_stage_artifacts("agent", suite.manifest.name, report.metrics, report.outcomes)
    if record:
        summary = stage_summary("agent", inputs, report, time.perf_counter() - began)
        print(f"stored run {record_run(suite, [summary], report.results, started, store_url)}")
    return inputs, report
