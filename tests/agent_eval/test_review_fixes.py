"""Regressions found in review: each test failed before its fix."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest
from pydantic import ValidationError

from evalstage.agent_eval import (
    AgentCase,
    AgentTurn,
    ExpectedTurn,
    ToolCall,
    check_case,
    load_agent_cases,
)
from evalstage.agent_eval._targets import tool_messages
from evalstage.evalcore import SuiteError

F = {
    "type": "function",
    "function": {
        "name": "f",
        "description": "f",
        "parameters": {
            "type": "object",
            "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
        },
    },
}
USER = [{"role": "user", "content": "go"}]


def turn(*calls: tuple[str, dict[str, object]], content: str | None = None) -> AgentTurn:
    return AgentTurn(tool_calls=[ToolCall(name=n, arguments=a) for n, a in calls], content=content)


def test_empty_expected_turn_means_no_call() -> None:
    assert ExpectedTurn.model_validate({}).expect == "no_call"
    assert ExpectedTurn.model_validate({"expect": "call"}).expect == "call"
    case = AgentCase(
        case_id="c",
        messages=USER,
        tools=[F],
        turns=[{"calls": [{"name": "f", "arguments": {"x": [1]}}]}, {}],  # type: ignore[list-item]
    )
    answered = check_case(case, [turn(("f", {"x": 1})), turn(content="done")])
    called_again = check_case(case, [turn(("f", {"x": 1})), turn(("f", {"x": 1}))])
    assert answered.passed and not called_again.passed


def test_failing_any_call_turn_keeps_recall_at_most_one() -> None:
    case = AgentCase(case_id="c", messages=USER, tools=[F], turns=[{"expect": "call"}])  # type: ignore[list-item]
    verdict = check_case(case, [turn(("f", {"x": 1}), ("f", {"x": 2}), ("nope", {}))])
    assert not verdict.passed
    assert 0.0 <= verdict.recall <= 1.0 and 0.0 <= verdict.f1 <= 1.0


def test_empty_acceptable_list_means_leave_it_out() -> None:
    case = AgentCase(
        case_id="c",
        messages=USER,
        tools=[F],
        expected_calls=[{"name": "f", "arguments": {"x": [1], "y": []}}],  # type: ignore[list-item]
    )
    assert check_case(case, [turn(("f", {"x": 1}))]).passed
    assert not check_case(case, [turn(("f", {"x": 1, "y": 2}))]).passed


def test_dangling_ref_is_rejected_when_loading(tmp_path: Path) -> None:
    tool = json.loads(json.dumps(F))
    tool["function"]["parameters"]["properties"]["x"] = {"$ref": "#/$defs/Loc"}
    path = tmp_path / "agent.jsonl"
    path.write_text(
        json.dumps({"case_id": "c", "messages": USER, "tools": [tool], "expect": "no_call"}) + "\n"
    )
    with pytest.raises(SuiteError) as info:
        load_agent_cases(path)
    assert info.value.line == 1 and "#/$defs/Loc" in info.value.message


def test_case_lines_are_counted_like_the_loader(tmp_path: Path) -> None:
    record = {
        "case_id": "c",
        "messages": [{"role": "user", "content": "a\u2028b"}],
        "expect": "no_call",
    }
    text = "\n" + json.dumps(record, ensure_ascii=False) + "\n"
    plain = tmp_path / "agent.jsonl"
    plain.write_text(text, encoding="utf-8")
    packed = tmp_path / "agent.jsonl.gz"
    packed.write_bytes(gzip.compress(text.encode("utf-8")))
    assert [c.case_id for c in load_agent_cases(plain)] == ["c"]
    assert [c.case_id for c in load_agent_cases(packed)] == ["c"]


def test_nan_latency_is_rejected() -> None:
    with pytest.raises(ValidationError):
        AgentTurn(latency_ms=math.nan)


def test_tool_results_follow_the_arguments_not_the_position() -> None:
    expected = ExpectedTurn(
        calls=[
            {"name": "f", "arguments": {"x": [1]}},  # type: ignore[list-item]
            {"name": "f", "arguments": {"x": [2]}},  # type: ignore[list-item]
        ],
        tool_results=[{"for": 1}, {"for": 2}],
    )
    messages = tool_messages(turn(("f", {"x": 2}), ("f", {"x": 1})), expected, 0)
    results = [json.loads(m["content"]) for m in messages if m["role"] == "tool"]
    assert results == [{"for": 2}, {"for": 1}]
