"""Agent targets with concurrency: multi-turn cases keep their order, results their case order."""

from __future__ import annotations

import json
from typing import Any

from chat_server import FakeServer, Reply, completion
from overlap import Overlap

from evalstage.agent_eval import AgentContext, score_agent
from evalstage.agent_eval._cases import AgentCase
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
CITIES = ["Paris", "Rome", "Oslo", "Lima", "Kyiv", "Doha", "Bern", "Riga"]


def _case(i: int) -> AgentCase:
    first, second = CITIES[i % 8], CITIES[(i + 3) % 8]
    return AgentCase(
        case_id=f"c{i}",
        messages=[{"role": "user", "content": f"weather in {first}, then {second}?"}],
        tools=[WEATHER],
        turns=[
            {"calls": [{"name": "get_weather", "arguments": {"city": [first]}}],
             "tool_results": [{"temp": i}]},
            {"calls": [{"name": "get_weather", "arguments": {"city": [second]}}]},
        ],
    )  # fmt: skip


CASES = [_case(i) for i in range(12)]


def _check(body: dict[str, Any]) -> Reply:
    """Call for the first city, then (after a tool result) the second; Doha: no call."""
    ask = body["messages"][0]["content"]
    first, second = ask.removeprefix("weather in ").rstrip("?").split(", then ")
    city = second if body["messages"][-1]["role"] == "tool" else first
    if first == "Doha":
        return Reply(body=completion(content="I will not."))
    call = {"name": "get_weather", "arguments": json.dumps({"city": city})}
    return Reply(body=completion(tool_calls=[call]))


def _spec(server: FakeServer, **args: Any) -> TargetSpec:
    base = {"base_url": server.url, "model": "m", "max_retries": 0}
    return TargetSpec(name="openai", args=base | args)


def test_concurrent_agent_runs_score_the_same_as_sequential(server: FakeServer) -> None:
    server.check = _check
    one = run_agent(_spec(server), CASES, suite_root=None)
    overlap = Overlap(needed=6)  # each reply waits until six requests are in flight
    server.around_reply = overlap.enter
    six = run_agent(_spec(server, concurrency=6), CASES, suite_root=None)
    assert overlap.reached and overlap.most == 6
    assert list(six.turns) == list(one.turns) == [c.case_id for c in CASES]
    strip = lambda run: {  # noqa: E731
        k: [t.model_dump(exclude={"latency_ms"}) for t in v] for k, v in run.turns.items()
    }
    assert strip(six) == strip(one)
    reports = [score_agent(AgentContext(cases=CASES, turns=r.turns)) for r in (one, six)]
    assert [(r.case_id, r.outcome, r.failure_category) for r in reports[0].results] == [
        (r.case_id, r.outcome, r.failure_category) for r in reports[1].results
    ]
    assert sum(r.outcome == "pass" for r in reports[1].results) == 11  # c5 (Doha) makes no call
    assert six.target["concurrency"] == 6


FOLLOW_OVERLAP = Overlap(needed=4, timeout_s=0.0)


def follow(messages, tools):
    with FOLLOW_OVERLAP.enter():
        pass
    ask = messages[0]["content"]
    first, second = ask.removeprefix("weather in ").rstrip("?").split(", then ")
    return [{"name": "get_weather", "arguments": {"city": second if len(messages) > 1 else first}}]


def test_a_callable_agent_runs_concurrently() -> None:
    target = f"{__name__}:follow"
    one = run_agent(TargetSpec(name="callable", args={"function": target}), CASES, suite_root=None)
    FOLLOW_OVERLAP.timeout_s = 20.0  # now each call waits until four are in flight
    four = run_agent(
        TargetSpec(name="callable", args={"function": target, "concurrency": 4}),
        CASES,
        suite_root=None,
    )
    assert not four.errors and list(four.turns) == list(one.turns)
    assert FOLLOW_OVERLAP.reached and FOLLOW_OVERLAP.most == 4
    calls = lambda run: {k: [t.tool_calls for t in v] for k, v in run.turns.items()}  # noqa: E731
    assert calls(four) == calls(one)
