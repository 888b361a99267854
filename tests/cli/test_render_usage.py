"""``run``/``show`` print latency and tokens when the run stored them; bad counts are flagged."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chat_server import FakeServer, Reply, completion

from evalstage.agent_eval import AgentContext, score_agent
from evalstage.agent_eval._cases import AgentCase
from evalstage.agent_eval._targets import run_agent
from evalstage.cli._common import out
from evalstage.cli.render import print_run, usage_line
from evalstage.evalcore.records import RunRecord, StageSummary
from evalstage.evalcore.suite import TargetSpec


def record(config: dict[str, Any]) -> RunRecord:
    stage = StageSummary(stage="agent", target={"name": "openai"}, config=config, n_cases=3)
    return RunRecord(
        run_id="r1",
        suite_name="s",
        suite_version="1",
        suite_hash="h",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        stages=[stage],
    )


def test_print_run_shows_latency_percentiles_and_tokens() -> None:
    config = {
        "latency_ms": {"p50": 812.4, "p95": 2310.0},
        "tokens": {"prompt": 12034, "completion": 880},
    }
    with out.capture() as captured:
        print_run(record(config))
    text = captured.get()
    assert "latency p50 812 ms, p95 2,310 ms" in text
    assert "tokens prompt 12,034, completion 880" in text


def test_nothing_printed_without_usage() -> None:
    assert usage_line({}) is None
    with out.capture() as captured:
        print_run(record({}))
    assert "latency" not in captured.get() and "tokens" not in captured.get()


def test_implausible_counts_from_a_server_are_flagged_end_to_end(
    server: FakeServer, tmp_path: Path
) -> None:
    cases = [
        AgentCase(
            case_id=f"c{i}",
            messages=[{"role": "user", "content": "Please look this up for me. " * 40}],
            expect="no_call",
        )
        for i in range(2)
    ]
    server.script(
        Reply(body=completion(content="no", usage={"prompt_tokens": 2, "completion_tokens": 1})),
        Reply(body=completion(content="no", usage={"prompt_tokens": 300, "completion_tokens": 1})),
    )
    spec = TargetSpec(name="openai", args={"base_url": server.url, "model": "m"})
    run = run_agent(spec, cases, suite_root=tmp_path)
    report = score_agent(AgentContext(cases=cases, turns=run.turns))
    assert report.tokens == {"prompt": 300, "completion": 1, "flagged_cases": 1}
    flagged = next(r for r in report.results if r.case_id == "c0")
    assert "implausible token counts" in flagged.details["notes"][0]
    assert "prompt_tokens" not in flagged.details
    line = usage_line({"tokens": report.tokens})
    assert line is not None and "1 cases reported implausible counts" in line
