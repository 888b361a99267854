"""Run and result records: what a run stores, per case and per stage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evalstage.evalcore.metrics import Direction, MetricCatalog
from evalstage.evalcore.outcomes import FailureCategory, Outcome

SCHEMA_VERSION = 1


class CaseResult(BaseModel):
    """One case's outcome in one stage (and, where the stage makes them, one variant)."""

    model_config = ConfigDict(frozen=True)

    stage: str
    case_id: str
    variant: str = "original"
    outcome: Outcome
    failure_category: FailureCategory | None = None
    reason: str = ""
    category: str = "uncategorized"
    canary: bool = False
    scores: dict[str, float] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        """The result's id within its stage: ``case_id``, or ``case_id#variant``."""
        return variant_key(self.case_id, self.variant)


def failed_canaries(results: Sequence[CaseResult]) -> list[CaseResult]:
    """The canary results that did not pass: any one of them makes the run ``invalid``."""
    return [r for r in results if r.canary and r.outcome != Outcome.PASS]


def invalid_reason(results: Sequence[CaseResult], shown: int = 5) -> str | None:
    """Why a run is ``invalid`` (which canaries failed, in which stage and how), or None."""
    failed = failed_canaries(results)
    if not failed:
        return None
    listed = "; ".join(
        f"{r.stage} {r.key}: {r.outcome.value}" + (f" ({r.reason[:120]})" if r.reason else "")
        for r in failed[:shown]
    )
    more = f"; and {len(failed) - shown} more" if len(failed) > shown else ""
    return f"{len(failed)} canary case(s) did not pass: {listed}{more}"


def variant_key(case_id: str, variant: str) -> str:
    """``case_id`` for the original, ``case_id#variant`` otherwise (unique within a stage run)."""
    return case_id if variant == "original" else f"{case_id}#{variant}"


class MetricSummary(BaseModel):
    """An aggregate metric with its bootstrap CI over the measured cases and its coverage."""

    model_config = ConfigDict(frozen=True)

    name: str
    value: float
    ci_low: float
    ci_high: float
    n: int
    coverage: float
    direction: Direction = "higher"
    definition: str = ""


class StageSummary(BaseModel):
    """Aggregates of one stage in one run."""

    stage: str
    target: dict[str, Any]
    config: dict[str, Any] = Field(default_factory=dict)
    metrics: list[MetricSummary] = Field(default_factory=list)
    outcomes: dict[str, int] = Field(default_factory=dict)
    failure_categories: dict[str, int] = Field(default_factory=dict)
    error_codes: dict[str, int] = Field(
        default_factory=dict, description="Finer failure codes (e.g. tool errors), cases per code."
    )
    n_cases: int = 0
    seconds: float = 0.0
    declared: MetricCatalog = Field(
        default_factory=MetricCatalog, description="The stage's metric declaration."
    )

    def direction(self, name: str) -> Direction:
        """Which way ``name`` is better, as the stage declared it (else as its summary says)."""
        found = self.declared.get(name)
        if found is not None:
            return found.direction
        for summary in self.metrics:
            if summary.name == name:
                return summary.direction
        return "higher"

    def metric(self, name: str) -> MetricSummary:
        """Return the aggregate called ``name``."""
        for summary in self.metrics:
            if summary.name == name:
                return summary
        raise KeyError(name)


class RunRecord(BaseModel):
    """Everything a run stores apart from its per-case results."""

    run_id: str
    suite_name: str
    suite_version: str
    suite_hash: str
    status: str = "completed"
    started_at: datetime
    finished_at: datetime | None = None
    package_version: str = ""
    git_commit: str | None = None
    flow_run_id: str | None = None
    stages: list[StageSummary] = Field(default_factory=list)
    schema_version: int = SCHEMA_VERSION

    def stage(self, name: str) -> StageSummary:
        """Return the summary of stage ``name``."""
        for summary in self.stages:
            if summary.stage == name:
                return summary
        raise KeyError(name)
