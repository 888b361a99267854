"""The agent stage: ``score_agent`` (one context in, one report out)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agent_eval._cases import AgentCase, AgentTurn
from agent_eval._checker import CaseVerdict, CheckMode, check_case
from evalcore.outcomes import FailureCategory, Outcome
from evalcore.records import CaseResult, MetricSummary
from evalcore.stats import summarize_metrics, usage_summary

STAGE = "agent"
METRICS = ("pass_rate", "call_precision", "call_recall", "call_f1")
"""The aggregates :func:`score_agent` reports (each with a bootstrap CI and its coverage)."""


class AgentContext(BaseModel):
    """The sole input of :func:`score_agent`: the cases and what the agent did.

    ``turns`` maps a case id to the agent's turns; ``errors`` maps a case id to the reason the
    target failed on it (such cases are ``error`` and left out of the aggregates).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    cases: list[AgentCase]
    turns: dict[str, list[AgentTurn]] = Field(default_factory=dict)
    errors: dict[str, str] = Field(default_factory=dict)
    mode: CheckMode = "strict"
    confidence: float = Field(default=0.95, gt=0.0, lt=1.0)


class AgentReport(BaseModel):
    """Per-case results and aggregates of the agent stage."""

    results: list[CaseResult]
    metrics: list[MetricSummary]
    outcomes: dict[str, int]
    failure_categories: dict[str, int]
    error_codes: dict[str, int] = Field(description="Code -> number of cases showing it.")
    per_category: dict[str, dict[str, float]] = Field(
        description='Category -> {"n", "pass_rate", "call_f1"} over scored cases.'
    )
    latency_ms: dict[str, float] | None = Field(
        default=None, description='{"p50", "p95"} of per-case latency, when recorded.'
    )
    tokens: dict[str, int] | None = Field(
        default=None, description='{"prompt", "completion"} totals, when recorded.'
    )
    mode: CheckMode = "strict"

    def metric(self, name: str) -> MetricSummary:
        """The aggregate called ``name`` (``pass_rate``, ``call_precision``, ...)."""
        return next(m for m in self.metrics if m.name == name)


def _usage(turns: list[AgentTurn]) -> dict[str, Any]:
    usage: dict[str, Any] = {}
    latencies = [t.latency_ms for t in turns if t.latency_ms is not None]
    if latencies:
        usage["latency_ms"] = float(sum(latencies))
    prompt = [t.prompt_tokens for t in turns if t.prompt_tokens is not None]
    if prompt:
        usage["prompt_tokens"] = int(sum(prompt))
    completion = [t.completion_tokens for t in turns if t.completion_tokens is not None]
    if completion:
        usage["completion_tokens"] = int(sum(completion))
    return usage


def score_agent(context: AgentContext) -> AgentReport:
    """Check every active case with :func:`check_case` and aggregate.

    Retired cases are skipped. A case the target failed on (``errors``) is ``error``; a case with
    no recorded turns is ``unmeasured``; both are left out of the aggregates, whose coverage says
    so. The rest pass or fail (``tool_misuse``) by the checker's verdict; the reason lists its
    codes. Scores per case: ``pass`` (0/1), ``call_precision``, ``call_recall``, ``call_f1``.
    """
    cases = [c for c in context.cases if not c.retired]
    results: list[CaseResult] = []
    columns: dict[str, list[float]] = {name: [] for name in METRICS}
    case_codes: list[set[str]] = []
    error_codes: Counter[str] = Counter()
    for case in cases:
        common: dict[str, Any] = {
            "stage": STAGE,
            "case_id": case.case_id,
            "category": case.category,
            "canary": case.canary,
        }
        turns = context.turns.get(case.case_id)
        usage = _usage(turns or [])
        if case.case_id in context.errors:
            results.append(
                CaseResult(
                    **common,
                    outcome=Outcome.ERROR,
                    reason=context.errors[case.case_id],
                    details=usage,
                )
            )
            continue
        if turns is None:
            results.append(
                CaseResult(
                    **common,
                    outcome=Outcome.UNMEASURED,
                    reason="no recorded output for this case",
                    details=usage,
                )
            )
            continue
        verdict: CaseVerdict = check_case(case, turns, context.mode)
        scores = {
            "pass": 1.0 if verdict.passed else 0.0,
            "call_precision": verdict.precision,
            "call_recall": verdict.recall,
            "call_f1": verdict.f1,
        }
        columns["pass_rate"].append(scores["pass"])
        columns["call_precision"].append(verdict.precision)
        columns["call_recall"].append(verdict.recall)
        columns["call_f1"].append(verdict.f1)
        error_codes.update(verdict.codes)
        case_codes.append(set(verdict.codes))
        results.append(
            CaseResult(
                **common,
                outcome=Outcome.PASS if verdict.passed else Outcome.FAIL,
                failure_category=None if verdict.passed else FailureCategory.TOOL_MISUSE,
                reason=", ".join(verdict.codes),
                scores=scores,
                details={
                    "verdict": verdict.model_dump(mode="json"),
                    "actual_turns": [
                        {
                            "tool_calls": [c.model_dump(mode="json") for c in t.tool_calls],
                            "content": t.content,
                        }
                        for t in turns
                    ],
                    **usage,
                },
            )
        )
    by_category: dict[str, list[CaseResult]] = {}
    for result in results:
        if result.outcome in (Outcome.PASS, Outcome.FAIL):
            by_category.setdefault(result.category, []).append(result)
    per_category = {
        category: {
            "n": float(len(rs)),
            "pass_rate": sum(r.outcome == Outcome.PASS for r in rs) / len(rs),
            "call_f1": float(np.mean([r.scores["call_f1"] for r in rs])),
        }
        for category, rs in sorted(by_category.items())
    }
    latency, tokens = usage_summary(results)
    return AgentReport(
        results=results,
        metrics=summarize_metrics(
            {
                **columns,
                **{
                    f"rate:{code}": [float(code in codes) for codes in case_codes]
                    for code in sorted(error_codes)
                },
            },
            len(cases),
            context.confidence,
        ),
        outcomes=dict(Counter(r.outcome.value for r in results)),
        failure_categories=dict(
            Counter(r.failure_category.value for r in results if r.failure_category is not None)
        ),
        error_codes=dict(sorted(error_codes.items())),
        per_category=per_category,
        latency_ms=latency,
        tokens=tokens,
        mode=context.mode,
    )
