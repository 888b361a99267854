"""Reliability of whole runs: concurrent writers, kill and resume, failing targets.

Runs are real ``evalstage run`` processes against one real Prefect server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chat_server import FakeServer, Reply, completion
from prefect_procs import prefect_server, start, stop

from evalstage.evalcore import Outcome, ResultStore, sqlite_url
from evalstage.evalcore.suite import TargetSpec

pytestmark = pytest.mark.slow

EVALSTAGE = str(Path(sys.executable).parent / "evalstage")
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
SLOW_AGENT = """
import os, time
from pathlib import Path

def respond(messages, tools):
    folder = Path(os.environ["SLOW_AGENT_DIR"])
    (folder / "started").touch()
    while (folder / "hold").exists():
        time.sleep(0.2)
    return [{"name": "add", "arguments": {"a": 0, "b": 1}}]
"""
JUNK_RETRIEVER = """
def search(query, k):
    if "aspirin" in query:
        return 42  # garbage: not a ranking
    if "vitamin" in query:
        raise TimeoutError("the retriever took longer than 2s")
    return ["d1", "d2", "d3", "d4", "d5"][:k]
"""


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with prefect_server(tmp_path_factory.mktemp("prefect")) as env:
        yield env


def add_agent_stage(suite: Path, target: dict[str, Any], max_error_rate: float = 0.5) -> None:
    cases = [
        {
            "case_id": f"c{i}",
            "messages": [{"role": "user", "content": f"{i}+1"}],
            "tools": [ADD_TOOL],
            "expected_calls": [{"name": "add", "arguments": {"a": [i], "b": [1]}}],
            "note": "adds two numbers",
            "category": "arithmetic",
        }
        for i in range(3)
    ]
    (suite / "agent.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cases))
    with (suite / "suite.yaml").open("a") as handle:
        handle.write(f"  agent:\n    cases: agent.jsonl\n    target: {json.dumps(target)}\n")
        handle.write(f"    max_error_rate: {max_error_rate}\n")


def evalstage_run(suite: Path, url: str) -> list[str]:
    return [EVALSTAGE, "run", str(suite), "--store", url, "--json"]


def api(env: dict[str, str], path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        f"{env['PREFECT_API_URL']}/{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        payload: list[dict[str, Any]] = json.load(response)
    return payload


def test_concurrent_runs_into_one_sqlite_store_lose_nothing(
    server_env: dict[str, str], tiny_suite: Path, tmp_path: Path
) -> None:
    url = sqlite_url(tmp_path / "runs.db")
    procs = [
        subprocess.Popen(
            evalstage_run(tiny_suite, url),
            env=server_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for _ in range(4)
    ]
    try:
        outputs = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            stop(p)
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err.decode()[-2000:]
    ids = {json.loads(out)["run_id"] for out, _ in outputs}
    store = ResultStore(url)
    assert {r.run_id for r in store.list_runs()} == ids and len(ids) == 4
    for run_id in ids:
        results = store.case_results(run_id)
        assert sorted(r.case_id for r in results) == ["q1", "q2", "q3", "q4"]


def test_killed_run_leaves_nothing_and_rerun_reuses_finished_batches(
    server_env: dict[str, str], tiny_suite: Path, tmp_path: Path
) -> None:
    modules, control = tmp_path / "modules", tmp_path / "control"
    modules.mkdir()
    control.mkdir()
    (modules / "slow_agent.py").write_text(SLOW_AGENT)
    add_agent_stage(tiny_suite, {"name": "callable", "args": {"function": "slow_agent:respond"}})
    env = server_env | {"PYTHONPATH": str(modules), "SLOW_AGENT_DIR": str(control)}
    url = sqlite_url(tmp_path / "runs.db")

    (control / "hold").touch()  # the agent stage blocks: kill the run there
    first = start(evalstage_run(tiny_suite, url), env, tmp_path / "first.log")
    try:
        deadline = time.monotonic() + 180
        while not (control / "started").exists():
            assert first.poll() is None, (tmp_path / "first.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the agent stage never started"
            time.sleep(0.2)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        stop(first)
    assert ResultStore(url).list_runs() == []  # no partial run: one transaction at the end

    (control / "hold").unlink()
    rerun = subprocess.run(
        evalstage_run(tiny_suite, url), env=env, capture_output=True, text=True, timeout=240
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    run_id = json.loads(rerun.stdout)["run_id"]
    store = ResultStore(url)
    assert [r.run_id for r in store.list_runs()] == [run_id]
    assert len(store.case_results(run_id, "retrieval")) == 4
    assert len(store.case_results(run_id, "agent")) == 3

    flow_runs = api(server_env, "flow_runs/filter", {})
    ours = [f["id"] for f in flow_runs if f["parameters"].get("suite_dir") == str(tiny_suite)]
    tasks = api(server_env, "task_runs/filter", {"flow_runs": {"id": {"any_": ours}}})
    retrieve = sorted(
        (t for t in tasks if t["name"].startswith("retrieve-")), key=lambda t: t["created"]
    )
    # the killed run computed the retrieval batch; the rerun took it from the batch cache
    # (flows/caching.py) without running the task again
    assert [t["state_name"] for t in retrieve] == ["Completed"]
    agent = [t["state_name"] for t in tasks if t["name"].startswith("run-agent-")]
    assert len(agent) == 2  # a live (callable) target always runs: in both runs


def test_failing_targets_give_one_error_outcome_per_case(
    server_env: dict[str, str], tiny_suite: Path, tmp_path: Path, server: FakeServer
) -> None:
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "junk_retriever.py").write_text(JUNK_RETRIEVER)
    suite_yaml = tiny_suite / "suite.yaml"
    suite_yaml.write_text(
        suite_yaml.read_text().replace(
            "name: bm25", "name: callable\n      args: {function: 'junk_retriever:search'}"
        )
    )
    add_agent_stage(
        tiny_suite,
        {
            "name": "openai",
            "args": {"base_url": server.url, "model": "m", "timeout_s": 0.5, "max_retries": 0},
        },
        max_error_rate=1.0,  # 2 of 3 cases error on purpose: not a dead target here
    )
    call = {"name": "add", "arguments": json.dumps({"a": 2, "b": 1})}
    server.script(
        Reply(body=completion(tool_calls=[call]), delay_s=3.0),  # c0: times out
        Reply(body={"choices": "garbage"}),  # c1: not a chat completion
        Reply(body=completion(tool_calls=[call])),  # c2: right
    )
    env = server_env | {"PYTHONPATH": str(modules)}
    url = sqlite_url(tmp_path / "runs.db")
    done = subprocess.run(
        evalstage_run(tiny_suite, url), env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run_id = json.loads(done.stdout)["run_id"]
    store = ResultStore(url)
    retrieval = {r.case_id: r for r in store.case_results(run_id, "retrieval")}
    agent = {r.case_id: r for r in store.case_results(run_id, "agent")}
    assert len(store.case_results(run_id)) == len(retrieval) + len(agent) == 7  # one each
    assert retrieval["q1"].outcome == Outcome.ERROR and "TypeError" in retrieval["q1"].reason
    assert retrieval["q3"].outcome == Outcome.ERROR and "TimeoutError" in retrieval["q3"].reason
    assert {retrieval[q].outcome for q in ("q2", "q4")} <= {Outcome.PASS, Outcome.FAIL}
    assert agent["c0"].outcome == Outcome.ERROR and "timed out" in agent["c0"].reason
    assert agent["c1"].outcome == Outcome.ERROR
    assert agent["c2"].outcome == Outcome.PASS
    run = store.get_run(run_id)
    for stage in run.stages:
        assert sum(stage.outcomes.values()) == stage.n_cases


DASK_PROBE = """
import os
from pathlib import Path

def search(query, k):
    from distributed import get_worker

    Path(os.environ["DASK_PROBE_FILE"]).write_text(get_worker().address)
    return ["d1", "d2", "d3", "d4", "d5"][:k]
"""


def test_dask_local_cluster_runs_the_stage_batches(
    server_env: dict[str, str],
    tiny_suite: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("prefect_dask")
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from evalstage.flows.evaluate import evaluate_suite
    from evalstage.flows.runtime import run

    (tmp_path / "dask_probe.py").write_text(DASK_PROBE)
    monkeypatch.syspath_prepend(str(tmp_path))
    probe = tmp_path / "probe.txt"
    monkeypatch.setenv("DASK_PROBE_FILE", str(probe))
    url = sqlite_url(tmp_path / "runs.db")
    target = {"retrieval": TargetSpec(name="callable", args={"function": "dask_probe:search"})}
    with temporary_settings({PREFECT_API_URL: server_env["PREFECT_API_URL"]}):
        try:
            run_id = run(
                "prefect",
                evaluate_suite,
                str(tiny_suite),
                store_url=url,
                targets=target,
                dask="local",
            )
        finally:  # send logs and events now, while the server is up
            APILogWorker.drain_all(timeout=10)
            EventsWorker.drain_all(timeout=10)
    assert probe.read_text().startswith("inproc://")  # ran on the Dask worker
    assert len(ResultStore(url).case_results(run_id)) == 4
