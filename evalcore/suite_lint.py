"""``evalstage suite lint``: what a suite's cases lack, how they balance, which ones repeat.

Pure functions over cases already read from their files (the CLI reads them per stage). Findings
are ``error`` (a rule a run would refuse: a missing note or category, a retirement without its
version, reason or date, a case that does not validate, two cases asking the same thing) or
``warning`` (near-duplicates, one category dominating a stage, a category with a single case,
drafts waiting for review).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from evalstage.evalcore.cases import CaseBase
from evalstage.evalcore.discipline import case_problems

Severity = Literal["error", "warning"]

NEAR_DUPLICATE = 0.7
"""Two cases whose word sets overlap this much (Jaccard) are reported as near-duplicates."""
DOMINANT_SHARE = 0.6
"""One category holding more than this share of a stage's active cases is reported."""
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class LintCase:
    """One case as lint sees it: where it is written and the text it asks."""

    stage: str
    case_id: str
    path: str
    line: int
    text: str
    case: CaseBase | None
    """None when the line does not validate (``invalid`` then says why)."""
    invalid: str = ""
    context: str = ""
    """What else the case is asked with (an agent case's tool names): cases asked with
    different contexts are never duplicates."""


class Finding(BaseModel):
    """One thing lint reports: which rule, how serious, where and how to fix it."""

    severity: Severity
    rule: str
    stage: str
    message: str
    case_ids: list[str] = Field(default_factory=list)
    path: str | None = None
    line: int | None = None
    field: str | None = None
    hint: str = ""


class StageCounts(BaseModel):
    """A stage's cases: how many, how many active, drafts, retired, and per category."""

    cases: int
    active: int
    drafts: int
    retired: int
    categories: dict[str, int]


class LintReport(BaseModel):
    """Everything ``evalstage suite lint`` found, with per-stage counts."""

    suite: str
    version: str
    stages: dict[str, StageCounts]
    findings: list[Finding]

    @property
    def errors(self) -> int:
        """Findings of severity ``error``."""
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        """Findings of severity ``warning``."""
        return sum(f.severity == "warning" for f in self.findings)

    def summary(self) -> str:
        """One line: errors, warnings and drafts waiting."""
        drafts = sum(s.drafts for s in self.stages.values())
        return (
            f"{self.errors} error{'s' * (self.errors != 1)}, "
            f"{self.warnings} warning{'s' * (self.warnings != 1)}, "
            f"{drafts} draft{'s' * (drafts != 1)} waiting for review"
        )


def words(text: str) -> frozenset[str]:
    """The lower-cased word set of ``text`` (what near-duplicate detection compares)."""
    return frozenset(_WORD.findall(text.lower()))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """``|a ∩ b| / |a ∪ b|`` (1.0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def lint_cases(suite: str, version: str, cases: Sequence[LintCase]) -> LintReport:
    """Lint every case of a suite (all stages): discipline, duplicates, balance, drafts."""
    findings: list[Finding] = []
    stages: dict[str, StageCounts] = {}
    for stage in dict.fromkeys(c.stage for c in cases):
        mine = [c for c in cases if c.stage == stage]
        findings.extend(_case_findings(mine, version))
        findings.extend(_duplicates(mine))
        counts = _counts(mine)
        stages[stage] = counts
        findings.extend(_balance(stage, counts))
        if counts.drafts:
            drafts = [c.case_id for c in mine if c.case is not None and c.case.draft]
            findings.append(
                Finding(
                    severity="warning",
                    rule="draft",
                    stage=stage,
                    message=f"{counts.drafts} draft case{'s' * (counts.drafts != 1)} waiting "
                    "for review (runs skip them)",
                    case_ids=drafts,
                    path=mine[0].path,
                    hint="write the expected behaviour, a note and a category, then remove "
                    '"draft": true (see docs/traffic.md)',
                )
            )
    return LintReport(suite=suite, version=version, stages=stages, findings=findings)


def _case_findings(cases: Sequence[LintCase], version: str) -> list[Finding]:
    found: list[Finding] = []
    for c in cases:
        if c.case is None:
            found.append(
                Finding(
                    severity="error",
                    rule="invalid",
                    stage=c.stage,
                    message=c.invalid,
                    case_ids=[c.case_id] if c.case_id else [],
                    path=c.path,
                    line=c.line,
                    hint="run `evalstage run` on the suite for the full message",
                )
            )
            continue
        for p in case_problems(c.case, version):
            found.append(
                Finding(
                    severity="error",
                    rule=f"missing_{p.field}" if p.field in ("note", "category") else "retirement",
                    stage=c.stage,
                    message=p.message,
                    case_ids=[c.case_id],
                    path=c.path,
                    line=c.line,
                    field=p.field,
                    hint=p.hint,
                )
            )
    return found


def _duplicates(cases: Sequence[LintCase]) -> list[Finding]:
    live = [c for c in cases if c.case is not None and not c.case.retired and c.text.strip()]
    found: list[Finding] = []
    exact: dict[str, list[LintCase]] = {}
    for c in live:
        ordered = " ".join(_WORD.findall(c.text.lower())) or c.text
        exact.setdefault(f"{ordered}\n{c.context}", []).append(c)
    for group in exact.values():
        if len(group) > 1:
            found.append(
                Finding(
                    severity="error",
                    rule="duplicate",
                    stage=group[0].stage,
                    message=f"{len(group)} cases ask the same thing: {group[0].text[:80]!r}",
                    case_ids=[c.case_id for c in group],
                    path=group[0].path,
                    line=group[1].line,
                    hint="keep one (retire the others with a reason) or make them differ",
                )
            )
    firsts = [group[0] for group in exact.values()]
    sets = [words(c.text) for c in firsts]
    for i, a in enumerate(firsts):
        for j in range(i + 1, len(firsts)):
            b = firsts[j]
            score = jaccard(sets[i], sets[j])
            if score >= NEAR_DUPLICATE and a.context == b.context:
                found.append(
                    Finding(
                        severity="warning",
                        rule="near_duplicate",
                        stage=a.stage,
                        message=f"cases '{a.case_id}' and '{b.case_id}' share {score:.0%} of "
                        "their words",
                        case_ids=[a.case_id, b.case_id],
                        path=a.path,
                        line=b.line,
                        hint="check that each guards a different failure; say which in its note",
                    )
                )
    return found


def _counts(cases: Sequence[LintCase]) -> StageCounts:
    valid = [c.case for c in cases if c.case is not None]
    active = [c for c in valid if c.active]
    return StageCounts(
        cases=len(cases),
        active=len(active),
        drafts=sum(c.draft for c in valid),
        retired=sum(c.retired for c in valid),
        categories=dict(Counter(c.category for c in active).most_common()),
    )


def _balance(stage: str, counts: StageCounts) -> list[Finding]:
    found: list[Finding] = []
    if counts.active >= 4 and counts.categories:
        top, n = next(iter(counts.categories.items()))
        if n / counts.active > DOMINANT_SHARE:
            found.append(
                Finding(
                    severity="warning",
                    rule="balance",
                    stage=stage,
                    message=f"category '{top}' holds {n} of {counts.active} active cases "
                    f"({n / counts.active:.0%})",
                    hint="add cases of the other categories, or split this one, so a "
                    "regression elsewhere is not drowned out",
                )
            )
    singles = sorted(k for k, v in counts.categories.items() if v == 1)
    if singles and len(counts.categories) > 1:
        found.append(
            Finding(
                severity="warning",
                rule="balance",
                stage=stage,
                message=f"{len(singles)} categor{'ies' if len(singles) > 1 else 'y'} with a "
                f"single case: {', '.join(singles[:10])}",
                hint="one case cannot show a per-category regression; add cases or merge "
                "categories",
            )
        )
    return found
