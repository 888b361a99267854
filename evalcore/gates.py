"""CI gates: thresholds, canaries and regressions against a baseline run.

:func:`evaluate_gates` is pure: it takes a stored run, its case results and (optionally) a
baseline run with its results, and returns one :class:`GateResult` per check. A regression is a
change in the bad direction that a paired permutation test finds significant (``p < alpha``)
and that is larger than ``min_delta``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel

from evalstage.evalcore.compare import (
    MEASURED_OUTCOMES,
    StageComparison,
    case_metric_values,
    compare_stage,
    paired_delta,
    paired_values,
)
from evalstage.evalcore.gate_result import GateKind, GateResult, GateStatus, unknown_metric
from evalstage.evalcore.judge_gate import JudgeCheck, judge_gates
from evalstage.evalcore.outcomes import Outcome
from evalstage.evalcore.records import CaseResult, RunRecord, StageSummary
from evalstage.evalcore.scenario_gates import scenario_gates
from evalstage.evalcore.scenarios import build_scenarios
from evalstage.evalcore.suite import GatesSpec, RegressionSpec
from evalstage.evalcore.target_health import dead_targets, target_gates

__all__ = [
    "GateKind",
    "GateReport",
    "GateResult",
    "GateStatus",
    "JudgeCheck",
    "canary_gate",
    "evaluate_gates",
    "judge_gates",
    "regression_gates",
    "threshold_gates",
]


class GateReport(BaseModel):
    """Every gate of one run, the comparison with the baseline and the overall verdict."""

    run_id: str
    suite: str
    run_status: str
    baseline_run_id: str | None
    passed: bool
    gates: list[GateResult]
    comparisons: list[StageComparison]

    @property
    def failed(self) -> list[GateResult]:
        """The gates that failed."""
        return [g for g in self.gates if g.status == "fail"]


def threshold_gates(
    spec: GatesSpec,
    run: RunRecord,
    manifest_path: Path | None = None,
    dead: Collection[str] = (),
) -> list[GateResult]:
    """One gate per threshold: the stage's aggregate against its bound.

    A stage that was not run, or whose target is ``dead`` (see :mod:`evalcore.target_health`),
    is skipped; a metric the stage does not report raises :class:`SuiteError` naming the line
    of the threshold.
    """
    ran = {s.stage: s for s in run.stages if s.stage not in dead}
    gates: list[GateResult] = []
    for stage, bounds in spec.thresholds.items():
        for metric, bound in bounds.items():
            name = f"threshold {stage} {metric}"
            summary = ran.get(stage)
            if summary is None:
                gates.append(
                    GateResult(
                        name=name,
                        kind="threshold",
                        status="skipped",
                        stage=stage,
                        metric=metric,
                        threshold=bound.describe(),
                        detail=(
                            f"the target of stage '{stage}' is unreachable"
                            if stage in dead
                            else f"stage '{stage}' was not run"
                        ),
                    )
                )
                continue
            reported = [m.name for m in summary.metrics]
            if metric not in reported:
                raise unknown_metric(
                    f"metric '{metric}' is not reported by stage '{stage}'; "
                    f"reported: {', '.join(reported) or 'none'}",
                    ("gates", "thresholds", stage, metric),
                    manifest_path,
                    "use one of the reported metrics (see: evalstage show RUN_ID)",
                )
            value = summary.metric(metric)
            gates.append(
                GateResult(
                    name=name,
                    kind="threshold",
                    status="pass" if bound.holds(value.value) else "fail",
                    stage=stage,
                    metric=metric,
                    value=value.value,
                    threshold=bound.describe(),
                    ci_low=value.ci_low,
                    ci_high=value.ci_high,
                    n=value.n,
                    detail="" if bound.holds(value.value) else f"needs {bound.describe()}",
                )
            )
    return gates


def canary_gate(spec: GatesSpec, run: RunRecord, results: Sequence[CaseResult]) -> GateResult:
    """Fails when the run is invalid or any canary case did not pass."""
    if not spec.canaries:
        return GateResult(
            name="canaries", kind="canaries", status="skipped", detail="off in suite.yaml"
        )
    canaries = [r for r in results if r.canary]
    failing = [f"{r.stage}:{r.key}" for r in canaries if r.outcome != Outcome.PASS]
    if failing or run.status == "invalid":
        shown = ", ".join(failing[:10]) + (" …" if len(failing) > 10 else "")
        return GateResult(
            name="canaries",
            kind="canaries",
            status="fail",
            value=float(len(failing)),
            n=len(canaries),
            detail=f"run is {run.status}; failing canaries: {shown or 'none recorded'}",
        )
    if not canaries:
        return GateResult(
            name="canaries", kind="canaries", status="skipped", detail="the suite has no canaries"
        )
    return GateResult(
        name="canaries",
        kind="canaries",
        status="pass",
        value=0.0,
        n=len(canaries),
        detail=f"all {len(canaries)} canaries pass",
    )


def category_values(results: Sequence[CaseResult]) -> dict[str, dict[str, float]]:
    """Per failure category, each measured case's 0/1 indicator of failing in that category."""
    measured = [r for r in results if r.outcome in MEASURED_OUTCOMES]
    categories = sorted({r.failure_category.value for r in measured if r.failure_category})
    return {
        c: {
            r.key: float(r.failure_category is not None and r.failure_category.value == c)
            for r in measured
        }
        for c in categories
    }


def _regression_gate(
    kind: GateKind,
    stage: str,
    metric: str,
    baseline: dict[str, float],
    candidate: dict[str, float],
    spec: RegressionSpec,
    lower_better: bool,
) -> GateResult | None:
    _, left, right = paired_values(baseline, candidate)
    delta = paired_delta(left, right)
    if delta is None:
        return None
    worse = delta.delta > 0 if lower_better else delta.delta < 0
    significant = delta.p_value < spec.alpha
    failed = worse and significant and abs(delta.delta) > spec.min_delta
    direction = "lower" if lower_better else "higher"
    detail = ""
    if failed:
        detail = f"significantly worse (p < {spec.alpha:g}); {direction} is better"
    elif worse and significant:
        detail = f"significant but within min_delta {spec.min_delta:g}"
    label = f"rate:{metric}" if kind == "category" else metric
    return GateResult(
        name=f"regression {stage} {label}",
        kind=kind,
        status="fail" if failed else "pass",
        stage=stage,
        metric=label,
        value=delta.candidate,
        baseline=delta.baseline,
        delta=delta.delta,
        ci_low=delta.ci_low,
        ci_high=delta.ci_high,
        p_value=delta.p_value,
        n=delta.n,
        detail=detail,
    )


def regression_gates(
    spec: RegressionSpec,
    summary: StageSummary,
    baseline: Sequence[CaseResult],
    candidate: Sequence[CaseResult],
    manifest_path: Path | None = None,
) -> list[GateResult]:
    """Paired tests of one stage's per-case metrics and failure-category indicators.

    Which way is worse comes from the stage's metric declaration (``summary.direction``); with
    ``metrics: all``, the metrics declared without a direction are left out.
    """
    stage = summary.stage
    a_values, b_values = case_metric_values(baseline), case_metric_values(candidate)
    if spec.metrics == "all":
        names = [m for m in b_values if m in a_values and summary.direction(m) != "none"]
    else:
        names = spec.metrics.get(stage, [])
        for metric in names:
            if metric not in b_values:
                raise unknown_metric(
                    f"metric '{metric}' has no per-case values in stage '{stage}'; "
                    f"per-case metrics: {', '.join(b_values)}",
                    ("gates", "regression", "metrics", stage),
                    manifest_path,
                    "list per-case metrics only; failure categories are tested separately",
                )
    gates = [
        _regression_gate(
            "regression",
            stage,
            m,
            a_values.get(m, {}),
            b_values[m],
            spec,
            summary.direction(m) == "lower",
        )
        for m in names
    ]
    if spec.categories:
        a_cats, b_cats = category_values(baseline), category_values(candidate)
        for category in sorted(set(a_cats) | set(b_cats)):
            # a category absent from one run is 0 for every measured case there
            left = a_cats.get(category) or dict.fromkeys(_measured_keys(baseline), 0.0)
            right = b_cats.get(category) or dict.fromkeys(_measured_keys(candidate), 0.0)
            gates.append(_regression_gate("category", stage, category, left, right, spec, True))
    return [g for g in gates if g is not None]


def _measured_keys(results: Sequence[CaseResult]) -> list[str]:
    return [r.key for r in results if r.outcome in MEASURED_OUTCOMES]


def _by_stage(results: Sequence[CaseResult], stage: str) -> list[CaseResult]:
    return [r for r in results if r.stage == stage]


def evaluate_gates(
    spec: GatesSpec,
    run: RunRecord,
    results: Sequence[CaseResult],
    baseline: RunRecord | None = None,
    baseline_results: Sequence[CaseResult] = (),
    *,
    manifest_path: Path | None = None,
    no_baseline_reason: str = "no baseline run",
    judge: JudgeCheck | None = None,
    max_error_rates: Mapping[str, float] | None = None,
) -> GateReport:
    """Evaluate every gate of ``spec`` on ``run``; regressions only when there is a baseline.

    With ``judge`` (the suite declares an LLM judge), its calibration is gated too. A stage
    whose target errored on more than its ``max_error_rates`` share (default 0.5) fails a
    ``target`` gate; its thresholds and regressions are skipped (it measured nothing).
    """
    dead = dead_targets(run, results, max_error_rates)
    dead_stages = {d.stage for d in dead}
    gates = target_gates(dead)
    gates += threshold_gates(spec, run, manifest_path, dead_stages)
    gates.append(canary_gate(spec, run, results))
    if spec.scenarios:
        live = [r for r in results if r.stage not in dead_stages]
        gates.extend(scenario_gates(spec.scenarios, build_scenarios(run, live)))
    if judge is not None:
        gates.extend(judge_gates(spec.judge, judge, manifest_path))
    comparisons: list[StageComparison] = []
    if spec.regression is None:
        gates.append(
            GateResult(
                name="regression", kind="regression", status="skipped", detail="off in suite.yaml"
            )
        )
    elif baseline is None:
        gates.append(
            GateResult(
                name="regression", kind="regression", status="skipped", detail=no_baseline_reason
            )
        )
    else:
        shared = [
            s.stage
            for s in run.stages
            if s.stage in {b.stage for b in baseline.stages} and s.stage not in dead_stages
        ]
        for stage in shared:
            a, b = _by_stage(baseline_results, stage), _by_stage(results, stage)
            comparisons.append(compare_stage(stage, a, b))
            gates.extend(regression_gates(spec.regression, run.stage(stage), a, b, manifest_path))
        if not shared:
            gates.append(
                GateResult(
                    name="regression",
                    kind="regression",
                    status="skipped",
                    detail=f"baseline {baseline.run_id} shares no stage with this run",
                )
            )
    return GateReport(
        run_id=run.run_id,
        suite=run.suite_name,
        run_status=run.status,
        baseline_run_id=baseline.run_id if baseline is not None else None,
        passed=all(g.status != "fail" for g in gates),
        gates=gates,
        comparisons=comparisons,
    )
