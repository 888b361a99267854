"""The agent ``http`` target (tool calls from a JSON path) and export-inputs --stage agent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chat_server import FakeServer, Reply
from suite_fixtures import reviewed, string_tool
from typer.testing import CliRunner

from evalstage.agent_eval._cases import AgentCase
from evalstage.agent_eval._targets import run_agent
from evalstage.cli import app
from evalstage.evalcore.suite import TargetSpec

runner = CliRunner()


CASES = [
    {
        "case_id": "single",
        "messages": [{"role": "user", "content": "Find the user Ann"}],
        "tools": [string_tool("find_user")],
        "expected_calls": [{"name": "find_user", "arguments": {"x": ["Ann"]}}],
    },
    {
        "case_id": "multi",
        "messages": [{"role": "user", "content": "Cancel Bob's last order"}],
        "tools": [string_tool("find_user"), string_tool("cancel")],
        "turns": [
            {
                "calls": [{"name": "find_user", "arguments": {"x": ["Bob"]}}],
                "tool_results": [{"user_id": "u7"}],
            },
            {"calls": [{"name": "cancel", "arguments": {"x": ["u7"]}}]},
        ],
    },
]


def _answer(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A stand-in for the team's agent: reads the conversation, calls the right tool."""
    last = messages[-1]
    if last["role"] == "tool":
        return [{"name": "cancel", "arguments": {"x": json.loads(last["content"])["user_id"]}}]
    name = "Ann" if "Ann" in last["content"] else "Bob"
    return [{"name": "find_user", "arguments": {"x": name}}]


def test_the_http_agent_reads_tool_calls_from_its_path_and_feeds_them_back(server: FakeServer):
    tries: dict[str, int] = {}

    def reply(body: dict[str, Any]) -> Reply:
        key = json.dumps(body["conv"])
        tries[key] = tries.get(key, 0) + 1
        if tries[key] == 1 and "Bob" in key and "tool" not in key:
            return Reply(429, {"error": "busy"}, headers={"Retry-After": "0"})
        return Reply(body={"out": {"calls": _answer(body["conv"])}, "usage": {"in": 9}})

    server.check = reply
    spec = TargetSpec(
        name="http",
        args={
            "url": f"{server.url}/agent",
            "body": {"conv": "$messages", "functions": "$tools"},
            "tool_calls": "out.calls",
            "prompt_tokens": "usage.in",
            "backoff_s": 0.01,
            "concurrency": 2,
        },
    )
    cases = [AgentCase.model_validate(c) for c in CASES]
    run = run_agent(spec, cases, suite_root=None)
    assert not run.errors
    assert [c.name for t in run.turns["multi"] for c in t.tool_calls] == ["find_user", "cancel"]
    assert run.turns["multi"][1].tool_calls[0].arguments == {"x": "u7"}
    assert run.turns["single"][0].prompt_tokens == 9
    assert run.target["kind"] == "http" and run.target["paths"]["tool_calls"] == "out.calls"
    fed = [r["body"]["conv"] for r in server.requests if len(r["body"]["conv"]) > 1]
    assert fed and fed[0][-1]["role"] == "tool"  # the results went back in the conversation


def test_a_malformed_agent_reply_is_that_cases_error(server: FakeServer):
    server.check = lambda body: Reply(body={"output": "I would call find_user"})
    spec = TargetSpec(name="http", args={"url": f"{server.url}/agent", "tool_calls": "out.calls"})
    run = run_agent(spec, [AgentCase.model_validate(CASES[0])], suite_root=None)
    assert "malformed reply" in run.errors["single"] and "no key 'out'" in run.errors["single"]


def _suite(tmp_path: Path) -> Path:
    folder = tmp_path / "agent-suite"
    folder.mkdir()
    (folder / "agent.jsonl").write_text("".join(json.dumps(c) + "\n" for c in reviewed(CASES)))
    (folder / "suite.yaml").write_text(
        "name: a\nversion: '1'\nstages:\n  agent:\n    cases: agent.jsonl\n"
        "    target: {name: baseline}\n"
    )
    return folder


def _score(suite: Path, args: dict[str, Any]):
    return runner.invoke(
        app,
        ["run", str(suite), "--stage", "agent", "--target", "recorded", "--target-args",
         json.dumps(args), "--json"],
    )  # fmt: skip


def test_export_inputs_then_recorded_round_trips_every_turn(tmp_path: Path):
    suite = _suite(tmp_path)
    out = tmp_path / "inputs.jsonl"
    result = runner.invoke(
        app, ["export-inputs", str(suite), "--stage", "agent", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "wrote 3 turns of 2 cases" in " ".join(result.output.split())
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["case_id"], r["turn"]) for r in rows] == [("single", 0), ("multi", 0), ("multi", 1)]
    assert set(rows[0]) == {"case_id", "turn", "messages", "tools"}
    second = rows[2]["messages"]
    assert second[-2]["tool_calls"][0]["function"]["name"] == "find_user"
    assert json.loads(second[-1]["content"]) == {"user_id": "u7"}
    answers = suite / "answers.jsonl"
    lines = [
        {"case_id": r["case_id"], "turn": r["turn"], "tool_calls": _answer(r["messages"])}
        for r in rows
    ]
    answers.write_text("".join(json.dumps(x) + "\n" for x in lines))
    scored = _score(suite, {"path": "answers.jsonl", "strict": True})
    assert scored.exit_code == 0, scored.output
    stage = json.loads(scored.stdout)["stages"]["agent"]
    assert stage["outcomes"] == {"pass": 2}

    answers.write_text("".join(json.dumps(x) + "\n" for x in lines[:1]))  # 'multi' missing
    missing = _score(suite, {"path": "answers.jsonl", "strict": True})
    assert missing.exit_code == 2 and "no output for 1 of the 2 cases" in missing.output
    assert "'multi'" in missing.output and "Traceback" not in missing.output

    extra = [*lines, {"case_id": "multi", "turn": 2, "tool_calls": []}]
    answers.write_text("".join(json.dumps(x) + "\n" for x in extra))
    too_many = _score(suite, {"path": "answers.jsonl"})
    assert too_many.exit_code == 2 and "answers.jsonl:4" in too_many.output
    assert "3 recorded turns; the run asks 2" in " ".join(too_many.output.split())

    unknown = [*lines, {"case_id": "ghost", "tool_calls": []}]
    answers.write_text("".join(json.dumps(x) + "\n" for x in unknown))
    ghost = _score(suite, {"path": "answers.jsonl"})
    assert ghost.exit_code == 2 and "answers.jsonl:4" in ghost.output and "'ghost'" in ghost.output
