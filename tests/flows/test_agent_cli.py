"""``evalstage agent check`` and ``evalstage agent import-bfcl``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from evalstage.agent_eval import load_agent_cases
from evalstage.cli import app

ROOT = Path(__file__).resolve().parents[2]
BFCL = ROOT / "tests" / "data" / "bfcl"
runner = CliRunner()

ADD_TOOL = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two integers.",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}


def write_cases(path: Path) -> Path:
    cases = [
        {
            "case_id": "ok",
            "messages": [{"role": "user", "content": "2+3"}],
            "tools": [ADD_TOOL],
            "expected_calls": [{"name": "add", "arguments": {"a": [2], "b": [3]}}],
            "category": "math",
        },
        {
            "case_id": "bad",
            "messages": [{"role": "user", "content": "4+5"}],
            "tools": [ADD_TOOL],
            "expected_calls": [{"name": "add", "arguments": {"a": [4], "b": [5]}}],
        },
        {
            "case_id": "chat",
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [ADD_TOOL],
            "expect": "no_call",
        },
    ]
    path.write_text("".join(json.dumps(c) + "\n" for c in cases))
    return path


def test_agent_check_reports_codes_per_case(tmp_path: Path) -> None:
    cases = write_cases(tmp_path / "agent.jsonl")
    outputs = tmp_path / "outputs.jsonl"
    outputs.write_text(
        '{"case_id": "ok", "tool_calls": '
        '[{"name": "add", "arguments": "{\\"a\\": 2, \\"b\\": 3}"}]}\n'
        '{"case_id": "bad", "tool_calls": [{"name": "add", "arguments": {"a": "4", "b": 5}}]}\n'
        '{"case_id": "chat", "content": "hello!"}\n'
    )
    result = runner.invoke(
        app, ["agent", "check", "--cases", str(cases), "--outputs", str(outputs), "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    verdicts = {c["case_id"]: c for c in payload["cases"]}
    assert verdicts["ok"]["outcome"] == "pass" and verdicts["chat"]["outcome"] == "pass"
    assert verdicts["bad"]["outcome"] == "fail"
    assert "schema_violation" in verdicts["bad"]["codes"]
    assert payload["metrics"]["pass_rate"]["value"] == 2 / 3
    text = runner.invoke(app, ["agent", "check", "--cases", str(cases), "--outputs", str(outputs)])
    assert text.exit_code == 0 and "schema_violation" in text.stdout


def test_agent_check_bad_outputs_name_file_line_field(tmp_path: Path) -> None:
    cases = write_cases(tmp_path / "agent.jsonl")
    outputs = tmp_path / "outputs.jsonl"
    outputs.write_text('{"case_id": "ok", "tool_calls": []}\n{"tool_calls": []}\n')
    result = runner.invoke(
        app, ["agent", "check", "--cases", str(cases), "--outputs", str(outputs)]
    )
    assert result.exit_code == 2
    assert f"{outputs}:2" in result.stderr and "case_id" in result.stderr


def test_agent_cases_with_unknown_tool_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "agent.jsonl"
    path.write_text(
        json.dumps(
            {
                "case_id": "x",
                "messages": [{"role": "user", "content": "hi"}],
                "tools": [ADD_TOOL],
                "expected_calls": [{"name": "multiply", "arguments": {}}],
            }
        )
        + "\n"
    )
    outputs = tmp_path / "o.jsonl"
    outputs.write_text("")
    result = runner.invoke(app, ["agent", "check", "--cases", str(path), "--outputs", str(outputs)])
    assert result.exit_code == 2
    assert f"{path}:1" in result.stderr and "expected_calls.0.name" in result.stderr


def test_import_bfcl_writes_loadable_cases(tmp_path: Path) -> None:
    out = tmp_path / "agent.jsonl"
    result = runner.invoke(
        app,
        [
            "agent",
            "import-bfcl",
            str(BFCL / "BFCL_v4_parallel.json"),
            str(BFCL / "possible_answer" / "BFCL_v4_parallel.json"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    cases = load_agent_cases(out)
    assert len(cases) == 200 and all(c.order == "any" for c in cases)
    irrelevant = tmp_path / "irr.jsonl"
    result = runner.invoke(
        app,
        ["agent", "import-bfcl", str(BFCL / "BFCL_v4_irrelevance.json"), "--out", str(irrelevant)],
    )
    assert result.exit_code == 0
    assert all(c.expect == "no_call" for c in load_agent_cases(irrelevant))
