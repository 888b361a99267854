"""``judge compare`` when the judge endpoint fails, and verdict lines that name a tie."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from chat_server import FakeServer, Reply, completion
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.generation_eval.judge._parse import parse_pairwise

runner = CliRunner()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Verdict: a tie", "tie"),
        ("Verdict: A tie.", "tie"),
        ("Final answer: a draw", "tie"),
        ("Verdict: A", "first"),
        ("Verdict: a, clearly the better one", "first"),
        ("Verdict: B", "second"),
    ],
)
def test_verdict_lines(text: str, shown: str) -> None:
    assert parse_pairwise(text) == shown


def _inputs(tmp_path: Path, base_url: str) -> list[str]:
    for side in ("a", "b"):
        lines = [
            {"id": f"q{i}", "question": f"What is {i}+{i}?", "answer": f"{side} says {2 * i}"}
            for i in range(3)
        ]
        (tmp_path / f"{side}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    (tmp_path / "judge.yaml").write_text(
        "mode: pairwise\nprompt: llmbar-vanilla-norules-v1\nboth_orders: true\n"
        "backend:\n  name: openai\n  args:\n"
        f"    base_url: {base_url}\n    model: judge-m\n    max_retries: 0\n    backoff_s: 0\n"
    )
    return [
        "judge",
        "compare",
        "--judge",
        str(tmp_path / "judge.yaml"),
        "--a",
        str(tmp_path / "a.jsonl"),
        "--b",
        str(tmp_path / "b.jsonl"),
    ]


def test_compare_exits_non_zero_with_the_transport_error(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = _inputs(tmp_path, f"http://127.0.0.1:{port}/v1")
    for extra in ([], ["--json"]):
        result = runner.invoke(app, args + extra)
        assert result.exit_code == 1, result.output
        assert "measured none of the 3 pairs" in result.output
        assert "connection error" in result.output or "circuit open" in result.output


def test_compare_with_some_pairs_measured_exits_zero(server: FakeServer, tmp_path: Path) -> None:
    server.script(*(Reply(body=completion(content="Verdict: a tie")) for _ in range(6)))
    result = runner.invoke(app, _inputs(tmp_path, server.url))
    assert result.exit_code == 0, result.output
    assert "ties 3" in result.output and "wins_a 0" in result.output
