"""Suite discipline: what a reviewed case must carry, and how a retired case is recorded.

A case that is not a ``draft`` needs a ``note`` (why it exists) and a ``category``; a retired
case needs ``retired_in`` (a version no later than the suite's own), ``retired_reason`` and
``retired_on``. Stage loaders call :func:`check_cases` (the first problem raises
:class:`SuiteError`); ``evalstage suite lint`` calls :func:`case_problems` to list them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from evalstage.evalcore.cases import CaseBase
from evalstage.evalcore.errors import SuiteError

UNCATEGORIZED = "uncategorized"


@dataclass(frozen=True)
class Problem:
    """One rule a case breaks: the field, what is wrong and how to fix it."""

    field: str
    message: str
    hint: str


def parse_version(text: str) -> Version | None:
    """``text`` as a comparable version (``1.2.0``, ``2``, ``1.0.0-rc.1``), or None."""
    try:
        return Version(text.strip().removeprefix("v"))
    except InvalidVersion:
        return None


def case_problems(case: CaseBase, suite_version: str | None) -> list[Problem]:
    """Every discipline rule ``case`` breaks (none for a well-kept case)."""
    problems: list[Problem] = []
    if not case.draft:
        if not case.note.strip():
            problems.append(
                Problem(
                    "note",
                    "a reviewed case needs a note saying why it exists",
                    'write the failure it guards, e.g. "note": "ticket #311: the synonym was '
                    'missed"; or mark it "draft": true until it is reviewed',
                )
            )
        if "category" not in case.model_fields_set or case.category == UNCATEGORIZED:
            problems.append(
                Problem(
                    "category",
                    "a reviewed case needs a category",
                    'name the kind of case, e.g. "category": "synonyms" (results are broken '
                    "down and gated per category)",
                )
            )
    if case.retired_in is not None:
        problems.extend(_retirement_problems(case, suite_version))
    return problems


def _retirement_problems(case: CaseBase, suite_version: str | None) -> list[Problem]:
    problems: list[Problem] = []
    retired = parse_version(case.retired_in or "")
    current = parse_version(suite_version) if suite_version is not None else None
    if retired is None:
        problems.append(
            Problem(
                "retired_in",
                f"retired_in '{case.retired_in}' is not a version",
                'write the suite version that retired the case, e.g. "retired_in": "1.2.0"',
            )
        )
    elif suite_version is not None and current is not None and retired > current:
        problems.append(
            Problem(
                "retired_in",
                f"retired_in '{case.retired_in}' is later than the suite's version "
                f"'{suite_version}'",
                "retire the case in the current version or an earlier one, or bump 'version' "
                "in suite.yaml",
            )
        )
    if not case.retired_reason.strip():
        problems.append(
            Problem(
                "retired_reason",
                "a retired case needs the reason it was retired",
                'e.g. "retired_reason": "passed by every target for 30 runs (saturated)"',
            )
        )
    if case.retired_on is None:
        problems.append(
            Problem(
                "retired_on",
                "a retired case needs the date it was retired",
                'e.g. "retired_on": "2026-11-30"',
            )
        )
    return problems


def check_cases(
    cases: Iterable[tuple[int, CaseBase]], path: Path, suite_version: str | None
) -> None:
    """Raise :class:`SuiteError` (file, line, field, fix) at the first case that breaks a rule."""
    for line, case in cases:
        problems = case_problems(case, suite_version)
        if problems:
            first = problems[0]
            raise SuiteError(
                first.message, path=path, line=line, field=first.field, hint=first.hint
            )
