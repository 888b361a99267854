"""Driving cases through agent targets: multi-step feedback, coercion, per-case errors."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evalstage.agent_eval._cases import AgentCase, AgentTurn, ExpectedTurn, ToolCall
from evalstage.agent_eval._targets import (
    Agent,
    CallableAgent,
    coerce_turn,
    drive_case,
    run_agent,
    tool_messages,
)
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.suite import TargetSpec


def _tool(name: str) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": name,
            "parameters": {"type": "object", "properties": {"x": {"type": "string"}}},
        },
    }


TOOLS = [_tool("find_user"), _tool("get_orders"), _tool("cancel")]

MULTI = AgentCase(
    case_id="multi",
    messages=[
        {"role": "system", "content": "You are a shop assistant."},
        {"role": "user", "content": "Cancel Bob's last order"},
    ],
    tools=TOOLS,
    turns=[
        ExpectedTurn(
            calls=[{"name": "find_user", "arguments": {"x": ["Bob"]}}],
            tool_results=[{"user_id": 7}],
        ),
        ExpectedTurn(
            calls=[{"name": "get_orders", "arguments": {"x": ["7"]}}],
            tool_results=["order 99"],
        ),
        ExpectedTurn(expect="no_call"),
    ],
)

SINGLE = AgentCase(
    case_id="single",
    messages=[{"role": "user", "content": "find Ann"}],
    tools=TOOLS,
    expected_calls=[{"name": "find_user", "arguments": {"x": ["Ann"]}}],
)


class Script:
    """A callable agent that replays scripted turns and records what it was sent."""

    def __init__(self, *outputs: Any) -> None:
        self.outputs = list(outputs)
        self.seen: list[list[dict[str, Any]]] = []

    def __call__(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        assert tools == TOOLS
        self.seen.append(messages)
        return self.outputs.pop(0)


@pytest.fixture
def register(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Callable[..., Any]], str]:
    """Put a function in an importable fake module; return its ``module:function`` reference."""
    module = types.ModuleType("evalstage_fake_agents")
    monkeypatch.setitem(sys.modules, "evalstage_fake_agents", module)

    def add(name: str, function: Callable[..., Any]) -> str:
        setattr(module, name, function)
        return f"evalstage_fake_agents:{name}"

    return add


def test_multi_step_feeds_tool_results_back(
    register: Callable[[str, Callable[..., Any]], str], tmp_path: Path
) -> None:
    agent = Script(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "x",
                    "type": "function",
                    "function": {"name": "find_user", "arguments": '{"x": "Bob"}'},
                },
            ],
        },
        [{"name": "get_orders", "arguments": {"x": "7"}}],
        "Cancelled order 99.",
    )
    spec = TargetSpec(name="callable", args={"function": register("multi", agent)})
    run = run_agent(spec, [MULTI], suite_root=tmp_path)
    assert run.errors == {}
    turns = run.turns["multi"]
    assert [t.tool_calls for t in turns] == [
        [ToolCall(name="find_user", arguments='{"x": "Bob"}')],
        [ToolCall(name="get_orders", arguments={"x": "7"})],
        [],
    ]
    assert turns[2].content == "Cancelled order 99."
    assert all(t.latency_ms is not None and t.latency_ms >= 0 for t in turns)
    first, second, third = agent.seen
    assert first == MULTI.messages
    assert second[:2] == MULTI.messages
    assert second[2] == {
        "role": "assistant",
        "content": "",  # not null: some servers reject it
        "tool_calls": [
            {
                "id": "call_0_0",
                "type": "function",
                "function": {"name": "find_user", "arguments": '{"x": "Bob"}'},
            }
        ],
    }
    assert second[3] == {"role": "tool", "tool_call_id": "call_0_0", "content": '{"user_id": 7}'}
    assert len(second) == 4
    assert third[:4] == second
    assert third[4]["tool_calls"][0]["function"] == {
        "name": "get_orders",
        "arguments": '{"x": "7"}',
    }
    assert third[5] == {"role": "tool", "tool_call_id": "call_1_0", "content": "order 99"}
    assert len(third) == 6


def test_stops_early_when_no_call_is_made() -> None:
    agent = Script("I need more details.")
    turns = drive_case(CallableAgent(agent), MULTI)
    assert len(turns) == 1
    assert turns[0].tool_calls == [] and turns[0].content == "I need more details."
    assert len(agent.seen) == 1


def test_the_agent_cannot_corrupt_the_conversation() -> None:
    def mutating(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        messages.clear()
        tools.clear()
        return [{"name": "find_user", "arguments": "{}"}]

    turns = drive_case(CallableAgent(mutating), MULTI)
    assert len(turns) == 3
    assert MULTI.messages[1]["content"] == "Cancel Bob's last order"


def test_tool_results_match_calls_by_name() -> None:
    expected = ExpectedTurn(
        calls=[{"name": "find_user"}, {"name": "get_orders"}],
        tool_results=["user result", {"orders": []}],
    )
    turn = AgentTurn(
        tool_calls=[
            ToolCall(name="get_orders", arguments={}),
            ToolCall(name="find_user", arguments="{}"),
            ToolCall(name="cancel", arguments="{}"),
        ]
    )
    messages = tool_messages(turn, expected, 2)
    assert [m["role"] for m in messages] == ["assistant", "tool", "tool", "tool"]
    assert [m["tool_call_id"] for m in messages[1:]] == ["call_2_0", "call_2_1", "call_2_2"]
    assert messages[1]["content"] == '{"orders": []}'
    assert messages[2]["content"] == "user result"
    assert "no result" in json.loads(messages[3]["content"])["error"]


def test_tool_results_in_order_when_calls_are_not_named() -> None:
    expected = ExpectedTurn(expect="no_call", tool_results=["a", "b"])
    turn = AgentTurn(tool_calls=[ToolCall(name="x"), ToolCall(name="y")])
    contents = [m["content"] for m in tool_messages(turn, expected, 0)[1:]]
    assert contents == ["a", "b"]


def test_callable_raising_is_that_cases_error_only(
    register: Callable[[str, Callable[..., Any]], str], tmp_path: Path
) -> None:
    def flaky(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        if "Ann" in messages[-1]["content"]:
            raise RuntimeError("model crashed")
        return [{"name": "find_user", "arguments": '{"x": "Bob"}'}]

    spec = TargetSpec(name="callable", args={"function": register("flaky", flaky)})
    cases = [SINGLE, MULTI]
    run = run_agent(spec, cases, suite_root=tmp_path)
    assert run.errors == {"single": "RuntimeError: model crashed"}
    assert set(run.turns) == {"multi"}
    assert len(run.turns["multi"]) == 3


def test_callable_returning_garbage_is_an_error(
    register: Callable[[str, Callable[..., Any]], str], tmp_path: Path
) -> None:
    spec = TargetSpec(name="callable", args={"function": register("bad", lambda m, t: 42)})
    run = run_agent(spec, [SINGLE], suite_root=tmp_path)
    assert run.errors["single"].startswith("TypeError: the agent returned int")


@pytest.mark.parametrize(
    ("value", "calls", "content"),
    [
        (None, [], None),
        ("hi", [], "hi"),
        ({"name": "f", "arguments": {"a": 1}}, [("f", {"a": 1})], None),
        ({"role": "assistant", "content": "ok", "tool_calls": []}, [], "ok"),
        ({"function_call": {"name": "f", "arguments": "{}"}}, [("f", "{}")], None),
        ([ToolCall(name="g", arguments="{}"), {"name": "h"}], [("g", "{}"), ("h", "{}")], None),
        (AgentTurn(content="z", latency_ms=5.0), [], "z"),
    ],
)
def test_coerce_turn(value: Any, calls: list[tuple[str, Any]], content: str | None) -> None:
    turn = coerce_turn(value)
    assert [(c.name, c.arguments) for c in turn.tool_calls] == calls
    assert turn.content == content


def test_agent_protocol_is_structural() -> None:
    assert isinstance(CallableAgent(lambda m, t: None), Agent)


def test_recorded_outputs_given_in_memory(tmp_path: Path) -> None:
    recorded = {"single": [AgentTurn(tool_calls=[ToolCall(name="find_user", arguments="{}")])]}
    run = run_agent(
        TargetSpec(name="recorded"), [SINGLE, MULTI], suite_root=tmp_path, recorded=recorded
    )
    assert run.turns == recorded
    assert "no recorded output" in run.errors["multi"]


def test_recorded_outputs_from_a_file(tmp_path: Path) -> None:
    pytest.importorskip("evalstage.agent_eval._outputs")
    lines = [
        {"case_id": "single", "tool_calls": [{"name": "find_user", "arguments": {"x": "Ann"}}]},
        {"case_id": "multi", "turn": 0, "tool_calls": [{"name": "find_user", "arguments": "{}"}]},
        {"case_id": "multi", "turn": 1, "content": "done"},
    ]
    (tmp_path / "outputs.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    spec = TargetSpec(name="recorded", args={"path": "outputs.jsonl"})
    run = run_agent(spec, [SINGLE, MULTI], suite_root=tmp_path)
    assert run.errors == {}
    assert run.turns["single"][0].tool_calls[0].arguments == {"x": "Ann"}
    assert [t.content for t in run.turns["multi"]] == [None, "done"]


def test_unknown_target_and_bad_args_are_suite_errors(
    register: Callable[[str, Callable[..., Any]], str], tmp_path: Path
) -> None:
    with pytest.raises(SuiteError) as info:
        run_agent(TargetSpec(name="gpt"), [SINGLE], suite_root=tmp_path)
    assert info.value.field == "target.name" and "baseline" in str(info.value)
    with pytest.raises(SuiteError) as info:
        run_agent(TargetSpec(name="callable", args={"function": "nocolon"}), [], suite_root=None)
    assert info.value.field == "target.args.function"
    with pytest.raises(SuiteError) as info:
        spec = TargetSpec(name="callable", args={"function": "evalstage_no_such_mod:f"})
        run_agent(spec, [], suite_root=None)
    assert "cannot import" in str(info.value)
    with pytest.raises(SuiteError) as info:
        run_agent(TargetSpec(name="baseline", args={"treshold": 0.3}), [], suite_root=tmp_path)
    assert info.value.field == "target.args.treshold"
    assert "threshold" in str(info.value)
    with pytest.raises(SuiteError) as info:
        run_agent(TargetSpec(name="recorded", args={}), [SINGLE], suite_root=tmp_path)
    assert info.value.field == "target.args.path"
