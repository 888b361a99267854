"""Recorded agent outputs: shapes accepted, turns ordered, errors that say file:line:field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalstage.agent_eval import AgentTurn, load_outputs
from evalstage.evalcore import SuiteError


def write(tmp_path: Path, *lines: Any) -> Path:
    path = tmp_path / "outputs.jsonl"
    text = [line if isinstance(line, str) else json.dumps(line) for line in lines]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


def test_plain_openai_and_content_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"case_id": "a", "tool_calls": [{"name": "f", "arguments": '{"x": 1}'}], "latency_ms": 12},
        {
            "case_id": "b",
            "turn": 1,
            "content": "done",
            "prompt_tokens": 30,
            "completion_tokens": 4,
        },
        {
            "case_id": "b",
            "turn": 0,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "g", "arguments": "{}"}},
                {"name": "h", "arguments": {"y": [1, 2]}},
            ],
        },
        "",
        {"case_id": "c", "content": "I can't help with that."},
    )
    outputs = load_outputs(path)
    assert set(outputs) == {"a", "b", "c"}
    (a,) = outputs["a"]
    assert a.tool_calls[0].name == "f" and a.tool_calls[0].arguments == '{"x": 1}'
    assert a.latency_ms == 12.0
    first, second = outputs["b"]
    assert [c.name for c in first.tool_calls] == ["g", "h"]
    assert first.tool_calls[1].arguments == {"y": [1, 2]}
    assert second == AgentTurn(content="done", prompt_tokens=30, completion_tokens=4)
    assert outputs["c"][0].tool_calls == [] and outputs["c"][0].content


def test_arguments_stay_raw_even_when_malformed(tmp_path: Path) -> None:
    path = write(tmp_path, {"case_id": "a", "tool_calls": [{"name": "f", "arguments": "{oops"}]})
    assert load_outputs(path)["a"][0].tool_calls[0].arguments == "{oops"


@pytest.mark.parametrize(
    ("lines", "line", "field", "message"),
    [
        (
            [{"case_id": "a", "content": "x"}, {"case_id": "a", "content": "y"}],
            2,
            "turn",
            "recorded twice",
        ),
        (
            [
                {"case_id": "a", "turn": 0, "content": "x"},
                {"case_id": "a", "turn": 2, "content": "y"},
            ],
            2,
            "turn",
            "no turn 1",
        ),
        ([{"content": "x"}], 1, "case_id", "missing or empty 'case_id'"),
        ([{"case_id": "a", "turn": -1, "content": "x"}], 1, "turn", "whole number"),
        ([{"case_id": "a", "turn": "0", "content": "x"}], 1, "turn", "whole number"),
        ([{"case_id": "a", "tool_calls": {"name": "f"}}], 1, "tool_calls", "must be a list"),
        ([{"case_id": "a", "tool_calls": ["f"]}], 1, "tool_calls.0", "must be an object"),
        (
            [{"case_id": "a", "tool_calls": [{"arguments": "{}"}]}],
            1,
            "tool_calls.0.name",
            "tool name",
        ),
        (
            [{"case_id": "a", "tool_calls": [{"name": "f"}, {"function": {"arguments": "{}"}}]}],
            1,
            "tool_calls.1.function.name",
            "tool name",
        ),
        ([{"case_id": "a", "tool_calls": [{"function": "f"}]}], 1, "tool_calls.0.function", ""),
        ([{"case_id": "a"}], 1, "tool_calls", "neither"),
        ([{"case_id": "a", "content": "x", "latency_ms": "slow"}], 1, "latency_ms", ""),
        (['{"case_id": "a", '], 1, None, "not valid JSON"),
    ],
)
def test_errors_name_file_line_and_field(
    tmp_path: Path, lines: list[Any], line: int, field: str | None, message: str
) -> None:
    path = write(tmp_path, *lines)
    with pytest.raises(SuiteError) as caught:
        load_outputs(path)
    error = caught.value
    assert (error.path, error.line, error.field) == (str(path), line, field)
    assert message in error.message
    assert error.hint
    assert f"{path}:{line}" in str(error)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="file not found"):
        load_outputs(tmp_path / "nope.jsonl")
