"""``--repeats k`` of a live generation or agent target: every repeat's calls in one pool."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from suite_fixtures import reviewed, write_tiny_rag_suite
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.evalcore import ResultStore, sqlite_url

runner = CliRunner()

GENERATOR = """
import threading

BARRIER = threading.Barrier(8, timeout=120)  # 4 variants x 2 repeats, all in flight at once
CALLS = []


def answer(question, passages):
    CALLS.append(question)
    BARRIER.wait()
    return {"answer": passages[0]["text"] + " [1]", "prompt_tokens": 10, "completion_tokens": 2}
"""

AGENT = """
import threading

BARRIER = threading.Barrier(4, timeout=120)  # 2 cases x 2 repeats, all in flight at once
CALLS = []


def respond(messages, tools):
    CALLS.append(messages[-1]["content"])
    BARRIER.wait()
    return [{"name": "add", "arguments": {"a": 1, "b": 2}}]
"""


def _run(suite: Path, db: Path, *extra: str):
    result = runner.invoke(app, ["run", str(suite), "--store", sqlite_url(db), *extra])
    assert result.exit_code in (0, 1), result.output
    store = ResultStore(sqlite_url(db))
    return store.list_runs()[0]


def test_generation_repeats_run_together_within_the_concurrency(tmp_path: Path):
    args = "      args: {function: 'rep_gen_a:answer', concurrency: 8}\n"
    suite = write_tiny_rag_suite(tmp_path / "rag", target="callable", target_args=args)
    (suite / "rep_gen_a.py").write_text(GENERATOR)
    manifest = (
        (suite / "suite.yaml")
        .read_text()
        .replace("      contexts: end_to_end\n", "      contexts: oracle\n      variants: []\n")
    )
    manifest += "prices:\n  default: {input_per_million: 1.0, output_per_million: 1.0}\n"
    (suite / "suite.yaml").write_text(manifest)
    record = _run(suite, tmp_path / "r.db", "--stage", "generation", "--repeats", "2")
    module = sys.modules["rep_gen_a"]
    assert not module.BARRIER.broken and len(module.CALLS) == 8
    summary = record.stage("generation")
    assert summary.config["repeats"] == 2
    assert {"pass@2", "pass_all@2", "flip_rate"} <= {m.name for m in summary.metrics}
    assert summary.config["cost"]["cases_priced"] == 8  # both repeats priced
    assert abs(summary.config["cost"]["usd"] - 8 * 12 / 1e6) < 1e-12


def test_agent_repeats_run_together_within_the_concurrency(tmp_path: Path, tiny_suite: Path):
    (tiny_suite / "rep_agent_a.py").write_text(AGENT)
    cases = [
        {
            "case_id": f"c{i}",
            "messages": [{"role": "user", "content": f"add {i} and 2"}],
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "add",
                        "description": "add",
                        "parameters": {
                            "type": "object",
                            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                        },
                    },
                }
            ],
            "expected_calls": [{"name": "add", "arguments": {"a": [i], "b": [2]}}],
        }
        for i in (1, 5)
    ]
    (tiny_suite / "agent.jsonl").write_text("".join(json.dumps(c) + "\n" for c in reviewed(cases)))
    with (tiny_suite / "suite.yaml").open("a") as handle:
        handle.write(
            "  agent:\n    cases: agent.jsonl\n    target:\n      name: callable\n"
            "      args: {function: 'rep_agent_a:respond', concurrency: 4}\n"
        )
    record = _run(tiny_suite, tmp_path / "r.db", "--stage", "agent", "--repeats", "2")
    module = sys.modules["rep_agent_a"]
    assert not module.BARRIER.broken and len(module.CALLS) == 4
    summary = record.stage("agent")
    assert summary.config["repeats"] == 2 and summary.outcomes == {"pass": 1, "fail": 1}
    assert summary.metric("flip_rate").value == 0.0
