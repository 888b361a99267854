"""evaluate_suite as a real Prefect flow (prefect_test_harness: a temporary local server)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalstage.evalcore import Outcome, ResultStore, load_suite, sqlite_url
from evalstage.flows.evaluate import evaluate_suite
from evalstage.flows.retrieval import retrieve_batch, score_batch
from evalstage.flows.runtime import run as run_flow
from evalstage.retrieval_eval import load_retrieval_inputs


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def test_tasks_are_plain_functions_underneath(tiny_suite: Path) -> None:
    inputs = load_retrieval_inputs(load_suite(tiny_suite))
    context = retrieve_batch(inputs)
    report = score_batch(context)
    assert report.outcomes == {"pass": 4}


@pytest.mark.slow
def test_evaluate_suite_stores_run_and_publishes_artifacts(
    prefect_server: None, tiny_suite: Path, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    # a canary that fails: the run must be marked invalid
    with (tiny_suite / "retrieval.jsonl").open("a") as handle:
        handle.write(
            '{"query_id": "q5", "query": "coffee liver", "relevant": {"d2": 1}, "canary": true, '
            '"note": "a canary that fails", "category": "liver"}\n'
        )
    url = sqlite_url(tmp_path / "runs.db")
    run_id = run_flow(
        "prefect", evaluate_suite, str(tiny_suite), stages=["retrieval"], store_url=url
    )
    store = ResultStore(url)
    run = store.get_run(run_id)
    assert run.status == "invalid"
    assert run.suite_name == "tiny" and len(run.suite_hash) == 64
    stage = run.stage("retrieval")
    assert stage.outcomes == {"pass": 4, "fail": 1}
    assert stage.metric("mrr").n == 5
    results = store.case_results(run_id)
    assert [r.outcome for r in results if r.case_id == "q5"] == [Outcome.FAIL]
    assert run.flow_run_id is not None

    async def artifacts_and_subflows() -> tuple[set[str], list[str]]:
        async with get_client() as client:
            artifacts = await client.read_artifacts()
            runs = await client.read_flow_runs()
            tasks = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[r.id for r in runs]))
            )
            return {a.key for a in artifacts if a.key}, sorted(
                {t.name.split("-")[0] for t in tasks}
            )

    keys, task_names = asyncio.run(artifacts_and_subflows())
    assert {"tiny-retrieval-summary", "tiny-retrieval-metrics", "tiny-run-summary"} <= keys
    # one task per stage batch: retrieve and score, never one per case
    assert "retrieve" in task_names and "score" in task_names


@pytest.mark.slow
def test_agent_stage_runs_as_its_own_subflow(
    prefect_server: None, tiny_suite: Path, tmp_path: Path
) -> None:
    import json

    tool = {
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
    cases = [
        {
            "case_id": f"c{i}",
            "messages": [{"role": "user", "content": f"{i}+1"}],
            "tools": [tool],
            "expected_calls": [{"name": "add", "arguments": {"a": [i], "b": [1]}}],
            "note": "adds two numbers",
            "category": "arithmetic",
        }
        for i in range(3)
    ]
    (tiny_suite / "agent.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    (tiny_suite / "outputs.jsonl").write_text(
        '{"case_id": "c0", "tool_calls": [{"name": "add", "arguments": {"a": 0, "b": 1}}]}\n'
        '{"case_id": "c1", "tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 2}}]}\n'
    )
    with (tiny_suite / "suite.yaml").open("a") as handle:
        handle.write(
            "  agent:\n    cases: agent.jsonl\n    target:\n      name: recorded\n"
            "      args: {path: outputs.jsonl}\n"
        )
    url = sqlite_url(tmp_path / "runs.db")
    run_id = run_flow("prefect", evaluate_suite, str(tiny_suite), store_url=url)
    run = ResultStore(url).get_run(run_id)
    assert [s.stage for s in run.stages] == ["retrieval", "agent"]
    agent = run.stage("agent")
    # c2 has no recorded output: the target failed on it, an error outcome, and the run goes on
    assert agent.outcomes == {"pass": 1, "fail": 1, "error": 1}
    assert agent.error_codes == {"value_mismatch": 1}
    assert agent.metric("pass_rate").value == 0.5
    results = ResultStore(url).case_results(run_id, "agent")
    assert {r.case_id: r.outcome for r in results} == {
        "c0": Outcome.PASS,
        "c1": Outcome.FAIL,
        "c2": Outcome.ERROR,
    }
