"""score_agent: outcomes, reasons, scores, aggregates with CIs and coverage, usage, categories."""

from __future__ import annotations

import math
from pathlib import Path

from evalstage.agent_eval import (
    ERROR_CODES,
    AgentCase,
    AgentContext,
    AgentTurn,
    ExpectedCall,
    ToolCall,
    import_bfcl,
    score_agent,
)
from evalstage.evalcore import FailureCategory, Outcome

TOOL = {
    "type": "function",
    "function": {
        "name": "add",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}


def case(case_id: str, category: str = "math", **extra: object) -> AgentCase:
    return AgentCase(
        case_id=case_id,
        messages=[{"role": "user", "content": "1 + 2?"}],
        tools=[TOOL],
        expected_calls=[ExpectedCall(name="add", arguments={"a": [1], "b": [2]})],
        category=category,
        **extra,  # type: ignore[arg-type]
    )


def add(a: object, b: object, **usage: float) -> AgentTurn:
    call = ToolCall(name="add", arguments={"a": a, "b": b})
    return AgentTurn(tool_calls=[call], **usage)  # type: ignore[arg-type]


CASES = [
    case("ok"),
    case("wrong", category="other"),
    case("boom", canary=True),
    case("silent"),
    case("old", retired_in="2"),
    AgentCase(
        case_id="quiet",
        messages=[{"role": "user", "content": "hi"}],
        tools=[TOOL],
        expect="no_call",
        category="other",
    ),
]


def context(mode: str = "strict") -> AgentContext:
    return AgentContext(
        cases=CASES,
        turns={
            "ok": [add(1, 2, latency_ms=100.0, prompt_tokens=50, completion_tokens=5)],
            "wrong": [add(1, True, latency_ms=300.0, prompt_tokens=60)],
            "quiet": [AgentTurn(content="hello", latency_ms=200.0)],
            "old": [add(1, 2)],
        },
        errors={"boom": "TimeoutError: model did not answer"},
        mode=mode,  # type: ignore[arg-type]
    )


def test_outcomes_reasons_scores_and_details() -> None:
    report = score_agent(context())
    by_id = {r.case_id: r for r in report.results}
    assert set(by_id) == {"ok", "wrong", "boom", "silent", "quiet"}  # retired "old" skipped
    assert {r.stage for r in report.results} == {"agent"}
    ok, wrong = by_id["ok"], by_id["wrong"]
    assert ok.outcome == Outcome.PASS and ok.failure_category is None and ok.reason == ""
    assert ok.scores == {"pass": 1.0, "call_precision": 1.0, "call_recall": 1.0, "call_f1": 1.0}
    assert ok.details["latency_ms"] == 100.0 and ok.details["prompt_tokens"] == 50
    assert ok.details["verdict"]["passed"] is True
    raw = ok.details["actual_turns"]  # what the agent did, kept for the case view
    assert (
        len(raw) == 1
        and raw[0]["tool_calls"][0]["name"] == ok.details["verdict"]["calls"][0]["name"]
    )
    assert wrong.outcome == Outcome.FAIL
    assert wrong.failure_category == FailureCategory.TOOL_MISUSE
    assert wrong.reason == "schema_violation, type_error"
    assert wrong.details["verdict"]["calls"][0]["schema_paths"] == ["$.b"]
    assert wrong.scores["pass"] == 0.0 and wrong.scores["call_f1"] == 0.0
    assert by_id["boom"].outcome == Outcome.ERROR and "did not answer" in by_id["boom"].reason
    assert by_id["boom"].canary
    assert by_id["silent"].outcome == Outcome.UNMEASURED
    assert by_id["quiet"].outcome == Outcome.PASS
    assert report.outcomes == {"pass": 2, "fail": 1, "error": 1, "unmeasured": 1}
    assert report.failure_categories == {"tool_misuse": 1}
    assert report.error_codes == {"schema_violation": 1, "type_error": 1}


def test_aggregates_have_cis_coverage_and_no_nan() -> None:
    report = score_agent(context())
    assert [m.name for m in report.metrics] == [
        "pass_rate",
        "call_precision",
        "call_recall",
        "call_f1",
        *(f"rate:{code}" for code in sorted(ERROR_CODES)),
    ]
    # each error code's rate over the measured cases, with its own CI; absent codes are 0
    assert report.metric("rate:type_error").value == 1 / 3
    assert report.metric("rate:wrong_tool").value == 0.0
    assert report.metric("rate:wrong_tool").n == 3
    assert report.metric("rate:type_error").direction == "lower"
    assert report.metric("call_f1").direction == "higher" and report.metric("call_f1").definition
    pass_rate = report.metric("pass_rate")
    assert pass_rate.value == 2 / 3 and pass_rate.n == 3 and pass_rate.coverage == 3 / 5
    assert pass_rate.ci_low <= pass_rate.value <= pass_rate.ci_high
    for metric in report.metrics:
        assert all(math.isfinite(x) for x in (metric.value, metric.ci_low, metric.ci_high))
    assert report.per_category == {
        "math": {"n": 1.0, "pass_rate": 1.0, "call_f1": 1.0},
        "other": {"n": 2.0, "pass_rate": 0.5, "call_f1": 0.5},
    }
    assert report.latency_ms == {"p50": 200.0, "p95": 290.0}
    assert report.tokens == {"prompt": 110, "completion": 5}
    # nothing scored: no metric at all rather than NaN
    empty = score_agent(AgentContext(cases=CASES[:1], errors={"ok": "down"}))
    assert empty.metrics == [] and empty.latency_ms is None and empty.tokens is None
    assert empty.per_category == {}


def test_modes_differ_where_documented() -> None:
    normalised = AgentCase(
        case_id="city",
        messages=[{"role": "user", "content": "weather in New York"}],
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "weather",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                },
            }
        ],
        expected_calls=[ExpectedCall(name="weather", arguments={"city": ["New York"]})],
    )
    turns = {
        "city": [AgentTurn(tool_calls=[ToolCall(name="weather", arguments='{"city": "new york"}')])]
    }
    strict = score_agent(AgentContext(cases=[normalised], turns=turns))
    bfcl = score_agent(AgentContext(cases=[normalised], turns=turns, mode="bfcl"))
    assert strict.results[0].outcome == Outcome.FAIL and strict.mode == "strict"
    assert bfcl.results[0].outcome == Outcome.PASS and bfcl.mode == "bfcl"


def test_bfcl_data_through_the_stage() -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "bfcl"
    cases = import_bfcl(data / "BFCL_v4_irrelevance.json", None)[:20]
    turns = {c.case_id: [AgentTurn(content="no tool fits")] for c in cases[:15]}
    name = cases[15].tools[0]["function"]["name"]
    turns[cases[15].case_id] = [AgentTurn(tool_calls=[ToolCall(name=name, arguments="{}")])]
    report = score_agent(AgentContext(cases=cases, turns=turns, mode="bfcl"))
    assert report.outcomes == {"pass": 15, "fail": 1, "unmeasured": 4}
    assert report.error_codes == {"called_when_irrelevant": 1}
    assert report.per_category["irrelevance"]["n"] == 16.0
    assert report.metric("call_f1").value == 15 / 16
