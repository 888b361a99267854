"""The built-in baseline agent: argument extraction, tool choice, no call when nothing fits."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evalstage.agent_eval._baseline import (
    BaselineAgent,
    BaselineConfig,
    extract_arguments,
    split_request,
    tool_text,
)
from evalstage.agent_eval._cases import AgentCase, ExpectedTurn
from evalstage.agent_eval._targets import run_agent
from evalstage.evalcore.suite import TargetSpec

WEATHER_PARAMS = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "City name"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["city"],
}
ADD_PARAMS = {
    "type": "object",
    "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
    "required": ["a", "b"],
}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": WEATHER_PARAMS,
    },
}
ADD = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two integers and return their sum",
        "parameters": ADD_PARAMS,
    },
}
TOOLS = [WEATHER, ADD]


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


# ------------------------------------------------------------------ extraction (no model)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What's the weather in Paris in celsius?", {"city": "Paris", "unit": "celsius"}),
        ("Weather in New York please", {"city": "New York"}),
        ("Paris weather in Fahrenheit", {"city": "Paris", "unit": "fahrenheit"}),
        ("Tell me the weather for 'San Francisco'", {"city": "San Francisco"}),
        ("weather for city Oslo", {"city": "Oslo"}),
        ("how warm is it", {}),
    ],
)
def test_extract_strings_and_enums(text: str, expected: dict[str, Any]) -> None:
    assert extract_arguments(text, WEATHER_PARAMS) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What is 3 plus 5?", {"a": 3, "b": 5}),
        ("Add -2 and 10", {"a": -2, "b": 10}),
        ("compute b = 4 and a = 7", {"a": 7, "b": 4}),
        ("add 3.5 and 2", {"a": 2}),
        ("add stuff", {}),
    ],
)
def test_extract_integers(text: str, expected: dict[str, Any]) -> None:
    assert extract_arguments(text, ADD_PARAMS) == expected


def test_extract_booleans_numbers_arrays() -> None:
    params = {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "limit": {"type": "integer"},
            "safe": {"type": "boolean"},
            "include_images": {"type": "boolean"},
            "ratio": {"type": "number"},
        },
        "required": ["query"],
    }
    got = extract_arguments('Search "python tips" with limit 5 and include images', params)
    assert got == {"query": "python tips", "limit": 5, "include_images": True}
    got = extract_arguments("search for Rust without include images, ratio 0.5", params)
    assert got == {"query": "Rust", "include_images": False, "ratio": 0.5}
    got = extract_arguments("Search for Rust, safe: yes", params)
    assert got["safe"] is True
    values = {
        "type": "object",
        "properties": {"xs": {"type": "array", "items": {"type": "number"}}},
    }
    assert extract_arguments("mean of 1, 2.5 and 7", values) == {"xs": [1, 2.5, 7]}


def test_split_and_tool_text() -> None:
    assert split_request("What's the weather in Paris and what is 2 plus 3?") == [
        "What's the weather in Paris",
        "what is 2 plus 3",
    ]
    assert split_request("add 3 and 5") == ["add 3"]
    assert tool_text(WEATHER) == "get weather: Get the current weather for a city"


# ------------------------------------------------------------------ logic with a fake encoder
class KeywordEncoder:
    """Embeds texts on two axes: weather-ness and arithmetic-ness (deterministic, no model)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        rows = []
        for text in texts:
            low = text.lower()
            row = [
                float("weather" in low),
                float(any(w in low for w in ("add", "plus", "sum"))),
                0.1,
            ]
            rows.append(np.array(row) / np.linalg.norm(row))
        return np.asarray(rows, dtype=np.float32)


def test_baseline_logic_with_a_fake_encoder() -> None:
    encoder = KeywordEncoder()
    agent = BaselineAgent(BaselineConfig(threshold=0.5), encoder=encoder)
    turn = agent.respond(user("weather in Oslo and what is 2 plus 3?"), TOOLS)
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [
        ("get_weather", {"city": "Oslo"}),
        ("add", {"a": 2, "b": 3}),
    ]
    single = BaselineAgent(BaselineConfig(threshold=0.5, max_calls=1), encoder=encoder)
    turn = single.respond(user("weather in Oslo and what is 2 plus 3?"), TOOLS)
    assert len(turn.tool_calls) == 1
    assert agent.respond(user("tell me a joke"), TOOLS).tool_calls == []
    assert agent.respond(user("weather?"), []).tool_calls == []
    # after its calls were answered it replies with the results and calls nothing more
    answered = [
        *user("weather in Oslo"),
        {"role": "assistant", "tool_calls": [{"id": "1", "function": {"name": "get_weather"}}]},
        {"role": "tool", "tool_call_id": "1", "content": "sunny"},
    ]
    turn = agent.respond(answered, TOOLS)
    assert turn.tool_calls == [] and turn.content == "sunny"


# ------------------------------------------------------------------ the real model
@pytest.fixture(scope="module")
def agent() -> BaselineAgent:
    baseline = BaselineAgent()
    baseline.respond(user("warm up: what is the weather in Paris?"), TOOLS)  # loads the model
    return baseline


@pytest.mark.slow
def test_picks_weather_and_fills_arguments(agent: BaselineAgent) -> None:
    turn = agent.respond(user("What's the weather like in Paris in celsius?"), TOOLS)
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [
        ("get_weather", {"city": "Paris", "unit": "celsius"})
    ]


@pytest.mark.slow
def test_picks_add_and_fills_integers(agent: BaselineAgent) -> None:
    turn = agent.respond(user("What is 12 plus 30?"), TOOLS)
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [("add", {"a": 12, "b": 30})]


@pytest.mark.slow
def test_no_call_on_irrelevant_request(agent: BaselineAgent) -> None:
    for text in ("Tell me a joke about cats", "Who wrote Hamlet?"):
        turn = agent.respond(user(text), TOOLS)
        assert turn.tool_calls == [], text
        assert turn.content


@pytest.mark.slow
def test_several_calls_and_determinism(agent: BaselineAgent) -> None:
    messages = user("What's the weather in London; also what is 2 plus 3?")
    turn = agent.respond(messages, TOOLS)
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [
        ("get_weather", {"city": "London"}),
        ("add", {"a": 2, "b": 3}),
    ]
    assert agent.respond(messages, TOOLS) == turn


@pytest.mark.slow
def test_baseline_target_through_run_agent(agent: BaselineAgent, tmp_path: Path) -> None:
    case = AgentCase(
        case_id="w",
        messages=user("Is it raining in Berlin?"),
        tools=TOOLS,
        turns=[
            ExpectedTurn(calls=[{"name": "get_weather"}], tool_results=["rain, 9C"]),
            ExpectedTurn(expect="no_call"),
        ],
    )
    run = run_agent(TargetSpec(name="baseline"), [case], suite_root=tmp_path)
    assert run.errors == {}
    first, second = run.turns["w"]
    assert first.tool_calls[0].name == "get_weather"
    assert first.tool_calls[0].arguments == {"city": "Berlin"}
    assert second.tool_calls == [] and second.content == "rain, 9C"
    assert run.target["kind"] == "baseline"
