"""Mixing a judge score with deterministic checks in a per-case record.

A case keeps every check's result — deterministic ones (exact match, citation format...) and
the judge's — and says which of them decided its outcome. The policy is explicit:

* a failing deterministic check fails the case, whatever the judge says;
* the judge decides only when ``judge_decides`` is on, and only a *measured* judge score that is
  backed by a fresh calibration (``calibration_id`` set);
* with nothing decisive measured, the case is ``unmeasured``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from evalstage.evalcore.outcomes import Outcome
from evalstage.generation_eval.judge._models import JudgeIdentity

CheckKind = Literal["deterministic", "judge"]


class JudgeScore(BaseModel):
    """A judge's score of one case, with the judge's identity and its calibration."""

    model_config = ConfigDict(frozen=True)

    judge_key: str
    prompt_name: str
    prompt_sha256: str
    model: str
    mode: Literal["pairwise", "rubric"]
    value: float | None = Field(description="Rubric: level in [0, 1]; pairwise: win score of B.")
    label: str | None = Field(default=None, description="The level, or the verdict A/B/tie.")
    status: Literal["measured", "unmeasured"]
    flags: list[str] = Field(default_factory=list)
    reason: str = ""
    calibration_id: str | None = Field(
        default=None, description="The fresh calibration of this judge; None when uncalibrated."
    )

    @classmethod
    def of(
        cls,
        identity: JudgeIdentity,
        *,
        value: float | None,
        label: str | None,
        flags: Sequence[str] = (),
        reason: str = "",
        calibration_id: str | None = None,
    ) -> JudgeScore:
        """A score by the judge ``identity`` (``unmeasured`` when ``value`` is ``None``)."""
        return cls(
            judge_key=identity.key,
            prompt_name=identity.prompt_name,
            prompt_sha256=identity.prompt_sha256,
            model=identity.model,
            mode=identity.mode,
            value=value,
            label=label,
            status="measured" if value is not None else "unmeasured",
            flags=list(flags),
            reason=reason,
            calibration_id=calibration_id,
        )


class CheckResult(BaseModel):
    """One check of a case: passed, failed, or not measured (``passed`` is ``None``)."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: CheckKind
    passed: bool | None
    value: float | None = None
    reason: str = ""


class CaseDecision(BaseModel):
    """A case's outcome, every check behind it, and the names of the checks that decided it."""

    model_config = ConfigDict(frozen=True)

    outcome: Outcome
    decided_by: list[str]
    checks: list[CheckResult]
    judge: JudgeScore | None = None


def judge_check(score: JudgeScore, pass_at: float) -> CheckResult:
    """The judge score as a check that passes at ``value >= pass_at``."""
    passed = None if score.value is None else score.value >= pass_at
    reason = score.reason or ("uncalibrated judge" if score.calibration_id is None else "")
    return CheckResult(
        name=f"judge:{score.prompt_name}",
        kind="judge",
        passed=passed,
        value=score.value,
        reason=reason,
    )


def decide(
    checks: Sequence[CheckResult],
    judge: JudgeScore | None = None,
    *,
    judge_pass_at: float = 0.5,
    judge_decides: bool = False,
) -> CaseDecision:
    """Combine deterministic checks and an optional judge score under the policy above."""
    every = list(checks)
    if judge is not None:
        every.append(judge_check(judge, judge_pass_at))
    fixed = [c for c in checks if c.kind == "deterministic" and c.passed is not None]
    failed = [c.name for c in fixed if not c.passed]
    if failed:
        return CaseDecision(outcome=Outcome.FAIL, decided_by=failed, checks=every, judge=judge)
    decisive = [c.name for c in fixed]
    outcome = Outcome.PASS if fixed else Outcome.UNMEASURED
    usable = (
        judge_decides
        and judge is not None
        and judge.value is not None
        and judge.calibration_id is not None
    )
    if usable and judge is not None:
        verdict = every[-1]
        decisive.append(verdict.name)
        outcome = Outcome.PASS if verdict.passed else Outcome.FAIL
        if not verdict.passed:
            decisive = [verdict.name]
    return CaseDecision(outcome=outcome, decided_by=decisive, checks=every, judge=judge)
