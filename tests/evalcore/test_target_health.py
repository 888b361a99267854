"""Dead targets (too many error outcomes) and empty stages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from suite_fixtures import write_tiny_suite

from evalstage.agent_eval import load_agent_inputs
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.gates import evaluate_gates
from evalstage.evalcore.outcomes import Outcome
from evalstage.evalcore.records import CaseResult, MetricSummary, RunRecord, StageSummary
from evalstage.evalcore.suite import Bound, GatesSpec, load_suite, max_error_rates
from evalstage.evalcore.target_health import dead_targets
from evalstage.retrieval_eval import load_retrieval_inputs

SECRET = "sk-health-0123456789"


def results(errors: int, n: int = 4) -> list[CaseResult]:
    return [
        CaseResult(
            stage="agent",
            case_id=f"c{i}",
            outcome=Outcome.ERROR if i < errors else Outcome.PASS,
            reason=f"TargetError: HTTP 401: echoed Bearer {SECRET}\n  twice" if i < errors else "",
        )
        for i in range(n)
    ]


def run_of(metrics: list[MetricSummary]) -> RunRecord:
    return RunRecord(
        run_id="r",
        suite_name="s",
        suite_version="1",
        suite_hash="h",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        stages=[StageSummary(stage="agent", target={"name": "openai"}, metrics=metrics)],
    )


def test_more_than_the_share_of_errors_is_a_dead_target() -> None:
    run = run_of([])
    assert dead_targets(run, results(2)) == []  # 2 of 4 is not more than 0.5
    (dead,) = dead_targets(run, results(3))
    assert (dead.stage, dead.errored, dead.total) == ("agent", 3, 4)
    assert dead.message.startswith(
        "target unreachable: 3 of 4 cases errored: TargetError: HTTP 401"
    )
    assert SECRET not in dead.message and "\n" not in dead.message
    assert dead_targets(run, results(3), {"agent": 0.8}) == []
    assert dead_targets(run, results(1), {"agent": 0.0}) != []


def test_the_gate_fails_a_dead_target_instead_of_blaming_the_thresholds() -> None:
    spec = GatesSpec(thresholds={"agent": {"pass_rate": Bound(min=0.5)}}, regression=None)
    report = evaluate_gates(spec, run_of([]), results(4))  # no metric reported at all
    assert not report.passed
    target = next(g for g in report.gates if g.kind == "target")
    assert target.status == "fail" and target.stage == "agent"
    assert target.detail.startswith("target unreachable: 4 of 4 cases errored")
    threshold = next(g for g in report.gates if g.kind == "threshold")
    assert threshold.status == "skipped" and "unreachable" in threshold.detail
    with pytest.raises(SuiteError, match="is not reported"):  # a live target: still an error
        evaluate_gates(spec, run_of([]), results(0))


def test_max_error_rate_is_read_per_stage_and_bounded(tmp_path: Path) -> None:
    suite_dir = write_tiny_suite(tmp_path / "s")
    text = (suite_dir / "suite.yaml").read_text()
    (suite_dir / "suite.yaml").write_text(
        text.replace("    options:", "    max_error_rate: 0.2\n    options:", 1)
    )
    assert max_error_rates(load_suite(suite_dir).manifest) == {"retrieval": 0.2}
    (suite_dir / "suite.yaml").write_text(
        text.replace("    options:", "    max_error_rate: 2\n    options:", 1)
    )
    with pytest.raises(SuiteError) as info:
        load_suite(suite_dir)
    assert "max_error_rate" in str(info.value)


def test_a_stage_whose_cases_are_all_retired_is_refused_at_load(tmp_path: Path) -> None:
    suite_dir = write_tiny_suite(tmp_path / "s")
    cases = suite_dir / "retrieval.jsonl"
    rows = [json.loads(line) for line in cases.read_text().splitlines()]
    retired = {"retired_in": "0.1", "retired_reason": "saturated", "retired_on": "2026-11-30"}
    cases.write_text("".join(json.dumps({**r, **retired}) + "\n" for r in rows))
    with pytest.raises(SuiteError) as info:
        load_retrieval_inputs(load_suite(suite_dir))
    assert info.value.path == str(cases.resolve())
    assert "no active cases (all 4 are retired or drafts)" in info.value.message


def test_an_agent_stage_without_active_cases_is_refused(tmp_path: Path) -> None:
    suite_dir = write_tiny_suite(tmp_path / "s")
    case = {"case_id": "c", "messages": [{"role": "user", "content": "hi"}], "expect": "no_call"}
    retired = {"retired_in": "0.1", "retired_reason": "obsolete", "retired_on": "2026-11-30"}
    reviewed = {"note": "n", "category": "c"}
    (suite_dir / "agent.jsonl").write_text(json.dumps({**case, **reviewed, **retired}) + "\n")
    with (suite_dir / "suite.yaml").open("a") as handle:
        handle.write(
            "  agent:\n    cases: agent.jsonl\n"
            "    target: {name: recorded, args: {path: o.jsonl}}\n"
        )
    with pytest.raises(SuiteError, match="agent stage has no active cases"):
        load_agent_inputs(load_suite(suite_dir))
