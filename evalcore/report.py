"""The stage contract: the report every stage returns and the helpers that build it.

Every stage's entry point returns a :class:`StageReport` subclass: per-case results, the
aggregates (each a :class:`~evalcore.records.MetricSummary` with its declared direction and
definition), the outcome tally, failure categories, per-category figures and usage. The layers
above (store, gates, CLI, app) read only these typed fields.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from evalstage.evalcore.cost import Price, cost_of, cost_summary, price_for
from evalstage.evalcore.metrics import RATE_PREFIX, MetricCatalog
from evalstage.evalcore.outcomes import FailureCategory, Outcome
from evalstage.evalcore.records import CaseResult, MetricSummary, StageSummary
from evalstage.evalcore.stats import summarize_metrics, usage_summary
from evalstage.evalcore.suite import TargetSpec

MEASURED = (Outcome.PASS, Outcome.FAIL)


class CaseHead(BaseModel):
    """What every result of one case (variant) shares; makes its error/unmeasured/scored result."""

    model_config = ConfigDict(frozen=True)

    stage: str
    case_id: str
    variant: str = "original"
    category: str = "uncategorized"
    canary: bool = False

    def error(self, reason: str, details: Mapping[str, Any] | None = None) -> CaseResult:
        """The target (or a scorer) failed on this case: ``error`` with the message."""
        return CaseResult(
            **self.model_dump(), outcome=Outcome.ERROR, reason=reason, details=dict(details or {})
        )

    def unmeasured(self, reason: str, details: Mapping[str, Any] | None = None) -> CaseResult:
        """The case could not be judged: ``unmeasured`` with the reason."""
        return CaseResult(
            **self.model_dump(),
            outcome=Outcome.UNMEASURED,
            reason=reason,
            details=dict(details or {}),
        )

    def unscored(
        self,
        error: str | None,
        output: object | None,
        reason: str,
        details: Mapping[str, Any] | None = None,
    ) -> CaseResult | None:
        """``error`` when the target failed, ``unmeasured`` (``reason``) when there is no output.

        None when the case has an output to score.
        """
        if error is not None:
            return self.error(error, details)
        if output is None:
            return self.unmeasured(reason, details)
        return None

    def scored(
        self,
        failure: FailureCategory | None,
        reason: str,
        scores: Mapping[str, float],
        details: Mapping[str, Any] | None = None,
    ) -> CaseResult:
        """A measured case: ``pass`` when ``failure`` is None, else ``fail`` in that category."""
        return CaseResult(
            **self.model_dump(),
            outcome=Outcome.PASS if failure is None else Outcome.FAIL,
            failure_category=failure,
            reason=reason,
            scores=dict(scores),
            details=dict(details or {}),
        )


class StageReport(BaseModel):
    """Per-case results and aggregates of one stage: the typed report every stage returns."""

    results: list[CaseResult]
    metrics: list[MetricSummary]
    outcomes: dict[str, int]
    failure_categories: dict[str, int]
    per_category: dict[str, dict[str, float]] = Field(
        description='Case category -> {"n", "pass_rate", and the stage\'s per-category scores}.'
    )
    error_codes: dict[str, int] = Field(
        default_factory=dict, description="Finer failure codes (e.g. tool errors), cases per code."
    )
    latency_ms: dict[str, float] | None = Field(
        default=None, description='{"p50", "p95"} of per-case latency, when recorded.'
    )
    tokens: dict[str, int] | None = Field(
        default=None, description='{"prompt", "completion"} totals, when recorded.'
    )
    cost: dict[str, Any] | None = Field(
        default=None,
        description='{"usd", "cases_priced", "cases", "model"} from the suite\'s prices, when '
        "a price and token counts were there (evalcore/cost.py); else not measured.",
    )
    declared: MetricCatalog = Field(
        default_factory=MetricCatalog, description="The stage's metric declaration."
    )
    target_description: dict[str, Any] = Field(
        default_factory=dict,
        description="The target's own describe() (no secrets): e.g. the prompt's hash, the "
        "model, the concurrency; stored in the stage summary's target as 'described'.",
    )

    def metric(self, name: str) -> MetricSummary:
        """The aggregate called ``name``."""
        for summary in self.metrics:
            if summary.name == name:
                return summary
        raise KeyError(name)

    def breakdowns(self) -> dict[str, Any]:
        """The optional breakdowns stored with the run (per category, usage, stage extras)."""
        extras: dict[str, Any] = {"per_category": self.per_category}
        if self.latency_ms is not None:
            extras["latency_ms"] = self.latency_ms
        if self.tokens is not None:
            extras["tokens"] = self.tokens
        if self.cost is not None:
            extras["cost"] = self.cost
        return extras


SR = TypeVar("SR", bound=StageReport)


def price_results(
    results: Sequence[CaseResult], prices: Mapping[str, Price], target: TargetSpec
) -> tuple[list[CaseResult], dict[str, Any] | None]:
    """``results`` with each one's ``details["cost_usd"]``, and their cost summary.

    Priced by :func:`evalcore.cost.price_for`; a result without token counts stays unpriced.
    The summary is None when nothing could be priced (not measured, never 0).
    """
    found = price_for(prices, target.model_dump())
    if found is None:
        return list(results), None
    model, price = found
    priced = []
    for r in results:
        cost = cost_of(r.details, price)
        if cost is not None:
            r = r.model_copy(update={"details": {**r.details, "cost_usd": cost}})
        priced.append(r)
    summary = cost_summary([r.details.get("cost_usd") for r in priced])
    if summary is not None:
        summary["model"] = model
    return priced, summary


def price_report(report: SR, prices: Mapping[str, Price], target: TargetSpec) -> SR:
    """``report`` with each result's ``details["cost_usd"]`` and the stage's :attr:`cost`."""
    results, cost = price_results(report.results, prices, target)
    if cost is None:
        return report
    return report.model_copy(update={"results": results, "cost": cost})


def add_costs(*costs: dict[str, Any] | None) -> dict[str, Any] | None:
    """The sum of cost summaries (e.g. every repeat's), None where none was measured."""
    measured = [c for c in costs if c is not None]
    if not measured:
        return None
    totals = {key: sum(c[key] for c in measured) for key in ("usd", "cases_priced", "cases")}
    return {**measured[0], **totals}


def tally(results: Sequence[CaseResult]) -> tuple[dict[str, int], dict[str, int]]:
    """Results per outcome, and per failure category."""
    outcomes = dict(Counter(r.outcome.value for r in results))
    failures = dict(
        Counter(r.failure_category.value for r in results if r.failure_category is not None)
    )
    return outcomes, failures


def per_category(
    results: Sequence[CaseResult], scores: Sequence[str] = ()
) -> dict[str, dict[str, float]]:
    """Per case category over measured results: ``n``, ``pass_rate`` and the mean of ``scores``."""
    groups: dict[str, list[CaseResult]] = {}
    for r in results:
        if r.outcome in MEASURED:
            groups.setdefault(r.category, []).append(r)
    return {
        name: {
            "n": float(len(rs)),
            "pass_rate": sum(r.outcome == Outcome.PASS for r in rs) / len(rs),
            **{s: float(np.mean([r.scores[s] for r in rs])) for s in scores},
        }
        for name, rs in sorted(groups.items())
    }


def rate_columns(
    catalog: MetricCatalog, flags: Sequence[set[str]] | Sequence[str | None]
) -> dict[str, list[float]]:
    """Every declared ``rate:*`` column, zeros included: per measured result, 1 when it shows it.

    ``flags`` holds, per measured result, its failure category (or None), or the set of codes
    it shows.
    """
    columns: dict[str, list[float]] = {}
    for spec in catalog.rates:
        name = spec.name.removeprefix(RATE_PREFIX)
        columns[spec.name] = [
            float(name in f) if isinstance(f, set) else float(f == name) for f in flags
        ]
    return columns


def summarize(catalog: MetricCatalog, summaries: Sequence[MetricSummary]) -> list[MetricSummary]:
    """The summaries with their declared direction and definition."""
    return [
        s.model_copy(
            update={
                "direction": catalog.direction(s.name),
                "definition": catalog.definition(s.name),
            }
        )
        for s in summaries
    ]


def declared_metrics(
    catalog: MetricCatalog,
    columns: Mapping[str, Sequence[float] | np.ndarray],
    total: int,
    confidence: float,
) -> list[MetricSummary]:
    """Summaries of ``columns`` (bootstrap CI, coverage over ``total``), declarations attached."""
    return summarize(catalog, summarize_metrics(columns, total, confidence))


def report_fields(
    results: Sequence[CaseResult], scores: Sequence[str] = (), *, usage: bool = True
) -> dict[str, Any]:
    """The :class:`StageReport` fields every stage derives alike from its results.

    ``scores``: the per-case scores averaged per category; ``usage``: whether latency and token
    figures are summarised (see :func:`~evalcore.stats.usage_summary`).
    """
    outcomes, failures = tally(results)
    latency, tokens = usage_summary(results) if usage else (None, None)
    return {
        "results": list(results),
        "outcomes": outcomes,
        "failure_categories": failures,
        "per_category": per_category(results, scores),
        "latency_ms": latency,
        "tokens": tokens,
    }


class StageInputs(Protocol):
    """What :func:`stage_summary` reads of a stage's loaded inputs."""

    @property
    def target(self) -> TargetSpec:
        """The system under test."""
        ...

    @property
    def options(self) -> BaseModel:
        """The stage's options."""
        ...

    @property
    def suite_root(self) -> Path:
        """The suite folder the inputs were loaded from."""
        ...


def stage_summary(
    stage: str, inputs: StageInputs, report: StageReport, seconds: float
) -> StageSummary:
    """The stored summary of one stage from its inputs (target, options) and report.

    Besides aggregates and counts, the report's breakdowns go into ``config``, and the suite
    folder the run read (``suite_dir``, absolute), so a viewer can find the suite again.
    """
    described = {"described": report.target_description} if report.target_description else {}
    return StageSummary(
        stage=stage,
        target=inputs.target.model_dump() | described,
        config=inputs.options.model_dump()
        | report.breakdowns()
        | {"suite_dir": str(Path(inputs.suite_root).resolve())},
        metrics=report.metrics,
        outcomes=report.outcomes,
        failure_categories=report.failure_categories,
        error_codes=report.error_codes,
        n_cases=len(report.results),
        seconds=seconds,
        declared=report.declared,
    )
