"""No secret reaches the store, Prefect's database, artifacts or the output of ``evalstage``.

A server on 127.0.0.1 echoes every request (URL, headers, body) back, in its answers and in its
error bodies. The generation and agent stages run against it through the ``openai`` target with
a key in an environment variable, a header value (literal in suite.yaml, and by reference) and,
refused, a URL with a password; then every file the runs wrote and everything they printed is
searched for the secret values. Dead targets are checked against the same server.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from echo_server import echo_server
from prefect_procs import base_env
from suite_fixtures import TINY_RAG, write_tiny_suite

from evalstage.evalcore import Outcome, ResultStore, sqlite_url

pytestmark = pytest.mark.slow

EVALSTAGE = str(Path(sys.executable).parent / "evalstage")
KEY = "sk-echo-KEY-5f1e2d3c4b"  # in a variable whose name looks like nothing secret
HEADER_ENV = "hdr-env-VALUE-77aa90"
HEADER_LITERAL = "hdr-literal-VALUE-99bb12"
PASSWORD = "pw-SECRET-1234xyz"
SECRETS = (KEY, HEADER_ENV, HEADER_LITERAL, PASSWORD)
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


def openai_args(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "base_url": url,
        "model": "echo",
        "api_key_env": "ECHO_TEST_CREDENTIAL",
        "max_retries": 1,
        "backoff_s": 0,
        "timeout_s": 10,
        **extra,
    }


def write_suite(folder: Path, url: str, *, max_error_rate: float = 1.0, gates: str = "") -> Path:
    """Generation (4 cases: one 400, one 503, two echoed answers) and agent (3 cases)."""
    write_tiny_suite(folder)
    words = {"g1": "FAIL ", "g2": "BUSY "}
    with (folder / "rag.jsonl").open("w") as handle:
        for case in TINY_RAG:
            case = {
                **case,
                "canary": False,
                "question": words.get(case["case_id"], "") + case["question"],
            }
            handle.write(json.dumps(case) + "\n")
    agent_cases = [
        {
            "case_id": f"c{i}",
            "messages": [{"role": "user", "content": f"{word}{i}+1"}],
            "tools": [ADD_TOOL],
            "expected_calls": [{"name": "add", "arguments": {"a": [i], "b": [1]}}],
            "note": "adds two numbers",
            "category": "arithmetic",
        }
        for i, word in enumerate(("", "FAIL ", "BUSY "))
    ]
    (folder / "agent.jsonl").write_text("".join(json.dumps(c) + "\n" for c in agent_cases))
    headers = {"X-Literal": HEADER_LITERAL, "X-Ref": {"env": "ECHO_HEADER_VALUE"}}
    generation = {
        "cases": "rag.jsonl",
        "target": {"name": "openai", "args": openai_args(url, headers=headers)},
        "options": {"variants": []},
        "max_error_rate": max_error_rate,
    }
    agent = {
        "cases": "agent.jsonl",
        "target": {"name": "openai", "args": openai_args(url)},
        "max_error_rate": max_error_rate,
    }
    with (folder / "suite.yaml").open("a") as handle:
        handle.write(f"  generation: {json.dumps(generation)}\n  agent: {json.dumps(agent)}\n")
        handle.write(gates)
    return folder


def evalstage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EVALSTAGE, *args], env=env, capture_output=True, text=True, timeout=480, check=False
    )


def environment(home: Path) -> dict[str, str]:
    env = base_env(home)  # a private PREFECT_HOME (Prefect's database) and evalstage home
    env.update(ECHO_TEST_CREDENTIAL=KEY, ECHO_HEADER_VALUE=HEADER_ENV)
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "180"  # a busy machine is slow
    # through Prefect (its temporary server): flow parameters, logs and task runs are recorded in
    # Prefect's database, which the search below covers
    env["EVALSTAGE_ORCHESTRATION"] = "prefect"
    return env


def leaks(folder: Path, outputs: list[str]) -> list[str]:
    """Every file under ``folder`` (but the suites, our input) and every output holding a secret."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and not any(p.name.endswith("suite") for p in path.parents):
            data = path.read_bytes()
            found += [f"{path}: {s}" for s in SECRETS if s.encode() in data]
    for i, text in enumerate(outputs):
        found += [f"output {i}: {s}" for s in SECRETS if s in text]
    return found


def test_no_secret_is_stored_or_printed(tmp_path: Path) -> None:
    home, store = tmp_path / "home", sqlite_url(tmp_path / "runs.db")
    env = environment(home)
    with echo_server() as echo:
        suite = write_suite(tmp_path / "suite", echo.url)
        gen = evalstage(env, "run", str(suite), "--stage", "generation", "--store", store, "--json")
        assert gen.returncode == 0, gen.stderr[-3000:]
        override = openai_args(echo.url, headers={"X-Ref": {"env": "ECHO_HEADER_VALUE"}})
        agent = evalstage(
            env,
            *("run", str(suite), "--stage", "agent", "--store", store, "--json"),
            *("--target", "openai", "--target-args", json.dumps(override)),
        )
        assert agent.returncode == 0, agent.stderr[-3000:]
        with_password = openai_args(echo.url.replace("http://", f"http://user:{PASSWORD}@"))
        refused = evalstage(
            env,
            *("run", str(suite), "--stage", "agent", "--store", store),
            *("--target", "openai", "--target-args", json.dumps(with_password)),
        )
        bad_suite = write_suite(tmp_path / "bad-suite", with_password["base_url"])
        refused_yaml = evalstage(env, "run", str(bad_suite), "--stage", "agent", "--store", store)
    assert refused.returncode == 2 and "--target-args" in refused.stderr
    assert refused_yaml.returncode == 2, refused_yaml.stderr[-3000:]
    assert "user:pass@host" in refused_yaml.stderr and "api_key_env" in refused_yaml.stderr
    # the secrets did go over the wire, and the server echoed them back
    sent = json.dumps(echo.seen)
    assert f"Bearer {KEY}" in sent and HEADER_ENV in sent and HEADER_LITERAL in sent
    assert PASSWORD not in sent  # the URL with a password was never used
    # the runs recorded the echoes, masked
    db = ResultStore(store)
    (gen_run,) = [r for r in db.list_runs() if r.stages[0].stage == "generation"]
    results = {r.case_id: r for r in db.case_results(gen_run.run_id)}
    assert results["g1"].outcome == Outcome.ERROR and "HTTP 400" in results["g1"].reason
    assert results["g2"].outcome == Outcome.ERROR and "HTTP 503" in results["g2"].reason
    assert "***" in results["g1"].reason and "***" in json.dumps(results["g3"].details)
    assert gen_run.stages[0].target["args"]["headers"]["X-Literal"] == "***"
    prefect_files = [p for p in (home / "prefect").rglob("*") if p.is_file()]
    assert prefect_files, "Prefect wrote nothing under PREFECT_HOME: the search would be empty"
    outputs = [p.stdout + p.stderr for p in (gen, agent, refused, refused_yaml)]
    assert leaks(tmp_path, outputs) == []


GATES = "gates:\n  thresholds:\n    agent:\n      pass_rate: 0.5\n"


def test_a_dead_target_fails_run_and_gate_with_the_first_error(tmp_path: Path) -> None:
    env, store = environment(tmp_path / "home"), sqlite_url(tmp_path / "runs.db")
    with echo_server(status=401) as echo:  # every request refused, the request echoed
        suite = write_suite(tmp_path / "suite", echo.url, max_error_rate=0.5, gates=GATES)
        run = evalstage(env, "run", str(suite), "--stage", "agent", "--store", store)
        gate = evalstage(env, "gate", str(suite), "--stage", "agent", "--store", store)
    assert run.returncode == 1, run.stderr[-3000:]
    assert "target unreachable: 3 of 3 cases errored: TargetError: POST" in run.stderr
    assert "HTTP 401" in run.stderr
    assert gate.returncode == 1, gate.stderr[-3000:]
    assert "target unreachable: 3 of 3 cases errored" in gate.stderr
    assert "is not reported" not in gate.stdout + gate.stderr
    assert len(ResultStore(store).list_runs()) == 2  # the runs are stored: they are evidence
    assert leaks(tmp_path, [run.stdout + run.stderr, gate.stdout + gate.stderr]) == []
