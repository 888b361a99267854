"""Dead targets: a stage whose target errored on too many cases measured nothing.

A stage's results are only worth gating when its system under test answered. When more than
``max_error_rate`` (``stages.<stage>.max_error_rate`` in ``suite.yaml``, default 0.5) of its
results are ``error`` outcomes, the target is taken for unreachable: ``evalstage run`` stores
the run and exits 1, and ``evalstage gate`` fails a ``target <stage>`` gate with the same
message (``target unreachable: N of M cases errored: <first error>``) instead of gating the
metrics the stage could not measure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evalstage.evalcore.gate_result import GateResult
from evalstage.evalcore.outcomes import Outcome
from evalstage.evalcore.records import CaseResult, RunRecord
from evalstage.evalcore.redact import redact_text

DEFAULT_MAX_ERROR_RATE = 0.5
_FIRST_ERROR_CHARS = 300


@dataclass(frozen=True)
class DeadTarget:
    """A stage whose target errored on more than its allowed share of cases."""

    stage: str
    errored: int
    total: int
    first_error: str
    max_error_rate: float

    @property
    def message(self) -> str:
        """``target unreachable: N of M cases errored: <first error, redacted>``."""
        return (
            f"target unreachable: {self.errored} of {self.total} cases errored: {self.first_error}"
        )


def dead_targets(
    run: RunRecord, results: Sequence[CaseResult], limits: Mapping[str, float] | None = None
) -> list[DeadTarget]:
    """The stages of ``run`` whose error share exceeds their limit (stage -> max error rate)."""
    found: list[DeadTarget] = []
    for summary in run.stages:
        limit = (limits or {}).get(summary.stage, DEFAULT_MAX_ERROR_RATE)
        rows = [r for r in results if r.stage == summary.stage]
        errors = [r for r in rows if r.outcome == Outcome.ERROR]
        if not rows or len(errors) / len(rows) <= limit:
            continue
        first = redact_text(" ".join((errors[0].reason or "no reason recorded").split()))
        if len(first) > _FIRST_ERROR_CHARS:
            first = first[:_FIRST_ERROR_CHARS] + "..."
        found.append(DeadTarget(summary.stage, len(errors), len(rows), first, limit))
    return found


def target_gates(dead: Sequence[DeadTarget]) -> list[GateResult]:
    """One failing ``target <stage>`` gate per dead target."""
    return [
        GateResult(
            name=f"target {d.stage}",
            kind="target",
            status="fail",
            stage=d.stage,
            value=d.errored / d.total,
            threshold=f"errors <= {d.max_error_rate:g}",
            n=d.total,
            detail=d.message,
        )
        for d in dead
    ]
