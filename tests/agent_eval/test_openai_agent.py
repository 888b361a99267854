"""The ``openai`` agent target against a local server (127.0.0.1) that behaves like real ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chat_server import FakeServer, Reply, completion

from evalstage.agent_eval import AgentContext, score_agent
from evalstage.agent_eval._cases import AgentCase
from evalstage.agent_eval._openai_agent import text_tool_calls
from evalstage.agent_eval._targets import run_agent
from evalstage.evalcore.suite import TargetSpec

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
ONE = AgentCase(
    case_id="one",
    messages=[{"role": "user", "content": "weather in Paris?"}],
    tools=[WEATHER],
    expected_calls=[{"name": "get_weather", "arguments": {"city": ["Paris"]}}],
)
TWO_STEPS = AgentCase(
    case_id="two",
    messages=[{"role": "user", "content": "weather in Paris, then in Rome?"}],
    tools=[WEATHER],
    turns=[
        {"calls": [{"name": "get_weather", "arguments": {"city": ["Paris"]}}],
         "tool_results": [{"temp": 20}]},
        {"calls": [{"name": "get_weather", "arguments": {"city": ["Rome"]}}]},
    ],
)  # fmt: skip


def spec(server: FakeServer, **args: Any) -> TargetSpec:
    base = {"base_url": server.url, "model": "qwen", "max_retries": 1, "backoff_s": 0.0}
    return TargetSpec(name="openai", args=base | args)


def test_tool_choice_auto_is_sent_with_tools_and_is_configurable(
    server: FakeServer, tmp_path: Path
) -> None:
    call = {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    server.script(*(Reply(body=completion(tool_calls=[call])) for _ in range(3)))
    no_tools = ONE.model_copy(update={"tools": [], "expect": "no_call", "expected_calls": []})
    run_agent(spec(server), [ONE, no_tools], suite_root=tmp_path)
    run_agent(spec(server, tool_choice="required"), [ONE], suite_root=tmp_path)
    run_agent(spec(server, tool_choice=None), [ONE], suite_root=tmp_path)
    bodies = [r["body"] for r in server.requests]
    assert bodies[0]["tool_choice"] == "auto"
    assert "tool_choice" not in bodies[1] and "tools" not in bodies[1]
    assert bodies[2]["tool_choice"] == "required"
    assert "tool_choice" not in bodies[3]


@pytest.mark.parametrize(
    "content",
    [
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
        '{"name": "get_weather", "arguments": {"city": "Paris"}}',
        '```json\n[{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}]\n```',
        '<tool_call>{"name": "get_weather", "parameters": {"city": "Paris"}}',  # unclosed
    ],
)
def test_calls_written_as_text_are_read(server: FakeServer, tmp_path: Path, content: str) -> None:
    server.script(Reply(body=completion(content=content)))
    run = run_agent(spec(server), [ONE], suite_root=tmp_path)
    (turn,) = run.turns["one"]
    assert [c.name for c in turn.tool_calls] == ["get_weather"]
    args = turn.tool_calls[0].arguments
    assert (json.loads(args) if isinstance(args, str) else args) == {"city": "Paris"}
    assert turn.content is None and "read from the reply's text" in turn.notes[0]
    report = score_agent(AgentContext(cases=[ONE], turns=run.turns))
    assert report.results[0].outcome.value == "pass"


def test_text_calls_can_be_turned_off_and_prose_is_left_alone(
    server: FakeServer, tmp_path: Path
) -> None:
    text = '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>'
    server.script(Reply(body=completion(content=text)))
    (turn,) = run_agent(spec(server, text_tool_calls=False), [ONE], suite_root=tmp_path).turns[
        "one"
    ]
    assert turn.tool_calls == [] and turn.content == text
    assert text_tool_calls("It is sunny in Paris.") == ([], "It is sunny in Paris.")
    assert text_tool_calls('{"city": "Paris"}') == ([], '{"city": "Paris"}')
    calls, rest = text_tool_calls(
        'Let me check.\n<tool_call>{"name": "f", "arguments": {}}</tool_call>'
    )
    assert calls == [{"name": "f", "arguments": {}}] and rest == "Let me check."


def _reject_null_content(body: dict[str, Any]) -> Reply | None:
    """vLLM's behaviour: an assistant message with content null fails validation (HTTP 500)."""
    for message in body["messages"]:
        if message.get("role") == "assistant" and message.get("content") is None:
            cause = "1 validation error for ChatCompletionRequest messages.1.content: Input none"
            return Reply(500, {"error": {"message": cause, "type": "BadRequestError"}})
    return None


def test_multi_step_feeds_back_empty_content(server: FakeServer, tmp_path: Path) -> None:
    server.check = _reject_null_content
    paris = {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    rome = {"name": "get_weather", "arguments": '{"city": "Rome"}'}
    server.script(
        Reply(body=completion(tool_calls=[paris])), Reply(body=completion(tool_calls=[rome]))
    )
    run = run_agent(spec(server), [TWO_STEPS], suite_root=tmp_path)
    assert run.errors == {}
    assistant = server.requests[1]["body"]["messages"][1]
    assert assistant["role"] == "assistant" and assistant["content"] == ""
    report = score_agent(AgentContext(cases=[TWO_STEPS], turns=run.turns))
    assert report.results[0].outcome.value == "pass"


def test_a_later_turn_failure_keeps_the_first_turn(server: FakeServer, tmp_path: Path) -> None:
    paris = {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    cause = "x" * 400 + " the prompt is too long for this model (max 4096 tokens)"
    server.script(
        Reply(body=completion(tool_calls=[paris])),
        Reply(500, {"error": {"message": cause, "type": "invalid_request_error"}}),
    )
    run = run_agent(spec(server), [TWO_STEPS], suite_root=tmp_path)
    assert len(server.requests) == 2  # the request error is not retried
    first, failed = run.turns["two"]
    assert first.tool_calls[0].name == "get_weather" and failed.tool_calls == []
    assert failed.error is not None and "too long for this model" in failed.error
    (result,) = score_agent(AgentContext(cases=[TWO_STEPS], turns=run.turns)).results
    assert result.outcome.value == "fail"  # scored on what was produced, not an error
    assert result.scores["call_recall"] == 0.5 and result.scores["call_precision"] == 1.0
    assert "turn 1 failed" in result.reason and result.details["turn_errors"]
