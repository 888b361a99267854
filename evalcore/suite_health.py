"""Suite health from stored runs: which cases stopped carrying signal, which ones flip.

Over a suite's last N stored runs, per result (a case, or a case's variant, in one stage):

* **saturated**: measured and passed in every run, by every target seen: a retirement candidate
  (it can no longer catch a regression);
* **flaky**: its outcome changed between runs of one configuration (the same target, as it
  describes itself, and the same suite content), or within one run under ``--repeats k``
  (some repeats passed, some failed: pass^k below pass@k);
* **never discriminating**: two or more targets were run and all got the same outcome (all
  pass: saturated; all fail: too hard, or its expectation is wrong);
* **canary drift**: a canary that did not pass in one of the runs (a canary must always pass).

The window, the runs and the targets are reported with the findings, so each one can be
checked in the store. Pure functions over records (the CLI and the app read the store).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from evalstage.evalcore.outcomes import Outcome
from evalstage.evalcore.records import CaseResult, RunRecord

if TYPE_CHECKING:
    from evalstage.evalcore.suite import Suite

_MEASURED = (Outcome.PASS, Outcome.FAIL)


class CaseHealth(BaseModel):
    """One result's history in the window and what it shows."""

    stage: str
    key: str
    category: str
    canary: bool
    runs: int = Field(description="Runs of the window that hold this result.")
    passed: int
    failed: int
    targets: int = Field(description="Distinct target configurations that ran it.")
    findings: list[str] = Field(description="saturated, flaky, never_discriminating, canary_drift")
    evidence: dict[str, str] = Field(default_factory=dict, description="Finding -> why.")


class HealthReport(BaseModel):
    """``evalstage suite health``: the window of runs and every finding."""

    suite: str
    runs: list[str] = Field(description="The run ids considered, newest first.")
    targets: dict[str, list[str]] = Field(description="Stage -> the target configurations seen.")
    cases: list[CaseHealth]

    def having(self, finding: str) -> list[CaseHealth]:
        """The cases with ``finding``."""
        return [c for c in self.cases if finding in c.findings]

    def counts(self) -> dict[str, int]:
        """Finding -> how many cases show it."""
        return {f: len(self.having(f)) for f in FINDINGS}


FINDINGS = ("saturated", "flaky", "never_discriminating", "canary_drift")


def target_label(run: RunRecord, stage: str) -> str:
    """A stage's target configuration in a run, as stable JSON.

    Its name, args and what it describes of itself (model, prompt hash ...). The stage's
    options live in suite.yaml, so runs of one suite content (``suite_hash``) with one label
    ran one configuration.
    """
    for summary in run.stages:
        if summary.stage == stage:
            return json.dumps({"target": summary.target}, sort_keys=True, default=str)
    return "{}"


def _short(label: str) -> str:
    target: dict[str, Any] = json.loads(label).get("target", {})
    args = target.get("args") or {}
    shown = ", ".join(f"{k}={v}" for k, v in sorted(args.items()))[:60]
    return f"{target.get('name', '?')}({shown})" if shown else str(target.get("name", "?"))


def benchmark_stages(suite: Suite) -> set[str]:
    """The stages that read a benchmark (a BEIR folder) rather than a cases file.

    Their queries are not curated cases (never drafts, never retired) and no cases file lists
    them, so every result of these stages counts (see ``every_result_of``).
    """
    return {stage for stage, spec in suite.manifest.stages.items() if spec.options.get("beir")}


def suite_health(
    suite: str,
    history: Sequence[tuple[RunRecord, Sequence[CaseResult]]],
    active: set[tuple[str, str]] | None = None,
    *,
    every_result_of: Collection[str] = (),
) -> HealthReport:
    """Health of every result in ``history`` (runs of one suite, newest first).

    With ``active`` (``(stage, case_id)`` of the cases the suite runs now), results of cases
    since retired, turned into drafts or removed are left out, except in the stages of
    ``every_result_of`` (a BEIR stage's queries: :func:`benchmark_stages`), all of whose
    results count.
    """
    rows: dict[tuple[str, str], list[tuple[RunRecord, str, CaseResult]]] = {}
    targets: dict[str, list[str]] = {}
    for run, results in history:
        for result in results:
            if (
                active is not None
                and result.stage not in every_result_of
                and (result.stage, result.case_id) not in active
            ):
                continue
            label = target_label(run, result.stage)
            rows.setdefault((result.stage, result.key), []).append((run, label, result))
            seen = targets.setdefault(result.stage, [])
            if _short(label) not in seen:
                seen.append(_short(label))
    cases = [_case(stage, key, found) for (stage, key), found in rows.items()]
    cases.sort(key=lambda c: (c.stage, c.key))
    return HealthReport(
        suite=suite, runs=[run.run_id for run, _ in history], targets=targets, cases=cases
    )


def _case(stage: str, key: str, found: list[tuple[RunRecord, str, CaseResult]]) -> CaseHealth:
    measured = [(run, label, r) for run, label, r in found if r.outcome in _MEASURED]
    passed = sum(r.outcome == Outcome.PASS for _, _, r in measured)
    labels = {label for _, label, _ in measured}
    findings: list[str] = []
    evidence: dict[str, str] = {}
    if len(measured) >= 2 and passed == len(measured):
        findings.append("saturated")
        evidence["saturated"] = (
            f"passed in all {len(measured)} runs by {len(labels)} target(s): a retirement candidate"
        )
    flaky = _flaky(measured)
    if flaky:
        findings.append("flaky")
        evidence["flaky"] = flaky
    if len(labels) >= 2:
        per_target = {
            label: {r.outcome for _, lab, r in measured if lab == label} for label in labels
        }
        outcomes = set().union(*per_target.values())
        if len(outcomes) == 1:
            findings.append("never_discriminating")
            (only,) = outcomes
            evidence["never_discriminating"] = (
                f"{only.value} for every one of {len(labels)} targets"
                + ("" if only == Outcome.PASS else ": too hard, or the expectation is wrong")
            )
    canary = any(r.canary for _, _, r in found)
    missed = [(run, r) for run, _, r in found if r.canary and r.outcome != Outcome.PASS]
    if missed:
        findings.append("canary_drift")
        run, r = missed[0]
        evidence["canary_drift"] = (
            f"did not pass in {len(missed)} of {len(found)} runs (latest: run {run.run_id}, "
            f"{r.outcome.value}{': ' + r.reason[:80] if r.reason else ''})"
        )
    last = found[0][2]
    return CaseHealth(
        stage=stage,
        key=key,
        category=last.category,
        canary=canary,
        runs=len(found),
        passed=passed,
        failed=len(measured) - passed,
        targets=len({label for _, label, _ in found}),
        findings=findings,
        evidence=evidence,
    )


def _flaky(measured: list[tuple[RunRecord, str, CaseResult]]) -> str:
    for _, _, r in measured:
        repeats = [o for o in r.details.get("repeats") or [] if o in ("pass", "fail")]
        if "pass" in repeats and "fail" in repeats:
            return (
                f"{repeats.count('pass')} of {len(repeats)} repeats passed in one run "
                "(pass^k below pass@k)"
            )
    by_config: dict[tuple[str, str], set[Outcome]] = {}
    for run, label, r in measured:
        by_config.setdefault((label, run.suite_hash), set()).add(r.outcome)
    for (label, _), outcomes in by_config.items():
        if len(outcomes) > 1:
            return f"passed and failed in runs of one configuration ({_short(label)})"
    return ""


def _cell(text: str) -> str:
    """``text`` safe in a markdown table cell: ``|`` escaped, no line breaks."""
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").splitlines())


def health_markdown(report: HealthReport, limit: int = 50) -> str:
    """The report as markdown: the window, a count per finding, then each finding's cases."""
    lines = [
        f"# Suite health: {report.suite}",
        "",
        f"{len(report.runs)} runs (newest first: {', '.join(report.runs[:5])}"
        f"{', ...' if len(report.runs) > 5 else ''}); targets: "
        + "; ".join(f"{s}: {', '.join(t)}" for s, t in report.targets.items()),
        "",
        "| finding | cases |",
        "|---|---|",
        *(f"| {finding} | {n} |" for finding, n in report.counts().items()),
    ]
    for finding in FINDINGS:
        found = report.having(finding)
        if not found:
            continue
        lines += ["", f"## {finding} ({len(found)})", "", "| stage | case | category | why |"]
        lines.append("|---|---|---|---|")
        for c in found[:limit]:
            why = _cell(c.evidence.get(finding, ""))
            lines.append(f"| {_cell(c.stage)} | {_cell(c.key)} | {_cell(c.category)} | {why} |")
        if len(found) > limit:
            lines.append(f"| ... | {len(found) - limit} more | | |")
    return "\n".join(lines) + "\n"
