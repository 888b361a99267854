"""The run path (flows/runtime.py): in-process without a Prefect API, under Prefect with one.

Real ``evalstage`` processes: concurrent runs under CPU load, Prefect's temporary server on a
fresh data folder, invalid runs that say why, bad targets refused before any stage runs.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prefect_procs import base_env, prefect_server
from proc_table import alive, children

from evalstage.evalcore import ResultStore, sqlite_url

EVALSTAGE = str(Path(sys.executable).parent / "evalstage")
CANARY = (
    '{"query_id": "c1", "query": "coffee liver", "relevant": {"d2": 1}, "canary": true, '
    '"note": "a canary that fails", "category": "liver"}\n'
)


def evalstage(*args: str, env: dict[str, str], cwd: Path | None = None) -> Any:
    return subprocess.run(
        [EVALSTAGE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600
    )


def concurrent_runs(
    suite: Path, store: str, env: dict[str, str], n: int
) -> list[tuple[int, tuple[str, str]]]:
    """Start ``n`` ``evalstage run --json`` at once; each one's exit code and (stdout, stderr)."""
    procs = [
        subprocess.Popen(
            [EVALSTAGE, "run", str(suite), "--store", store, "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    outputs = [p.communicate(timeout=600) for p in procs]
    return [(p.returncode, out) for p, out in zip(procs, outputs, strict=True)]


def burn(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


@pytest.fixture
def load() -> Iterator[None]:
    """Two busy processes: every core of this machine is taken while the test runs."""
    procs = [multiprocessing.Process(target=burn, args=(600.0,), daemon=True) for _ in range(2)]
    for p in procs:
        p.start()
    yield
    for p in procs:
        p.terminate()
        p.join()


def test_a_run_without_a_prefect_api_runs_in_process(tiny_suite: Path, tmp_path: Path) -> None:
    env = base_env(tmp_path)
    store = sqlite_url(tmp_path / "runs.db")
    done = evalstage("run", str(tiny_suite), "--store", store, "--json", env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)  # stdout is the result alone: flow output goes to stderr
    assert summary["flow_run_id"] is None and summary["status"] == "completed"
    assert not (tmp_path / "prefect" / "prefect.db").exists()  # no server, no Prefect database
    assert len(ResultStore(store).case_results(summary["run_id"])) == 4


@pytest.mark.slow
def test_four_concurrent_runs_under_load_all_succeed(
    tiny_suite: Path, tmp_path: Path, load: None
) -> None:
    env = base_env(tmp_path)
    store = sqlite_url(tmp_path / "runs.db")
    outputs = concurrent_runs(tiny_suite, store, env, 4)
    for code, (_, err) in outputs:
        assert code == 0, err[-3000:]
    ids = {json.loads(out)["run_id"] for _, (out, _) in outputs}
    assert len(ids) == 4 and {r.run_id for r in ResultStore(store).list_runs()} == ids


@pytest.mark.slow
def test_concurrent_first_runs_on_prefects_temporary_server_all_succeed(
    tiny_suite: Path, tmp_path: Path
) -> None:
    """EVALSTAGE_ORCHESTRATION=prefect, no PREFECT_API_URL, a fresh PREFECT_HOME: each process
    starts Prefect's temporary server; the database is migrated once, under a lock."""
    env = base_env(tmp_path) | {"EVALSTAGE_ORCHESTRATION": "prefect"}
    store = sqlite_url(tmp_path / "runs.db")
    outputs = concurrent_runs(tiny_suite, store, env, 3)
    for code, (_, err) in outputs:
        assert code == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]
    assert all(json.loads(out)["flow_run_id"] for _, (out, _) in outputs)


def test_an_invalid_run_says_which_canaries_failed(tiny_suite: Path, tmp_path: Path) -> None:
    with (tiny_suite / "retrieval.jsonl").open("a") as handle:
        handle.write(CANARY)
    env = base_env(tmp_path)
    store = sqlite_url(tmp_path / "runs.db")
    done = evalstage("run", str(tiny_suite), "--store", store, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "status invalid" in done.stdout
    assert "run is invalid: 1 canary case(s) did not pass: retrieval c1: fail" in done.stdout
    run_id = ResultStore(store).list_runs()[0].run_id
    shown = evalstage("show", run_id, "--store", store, "--json", env=env)
    assert json.loads(shown.stdout)["invalid_reason"].startswith("1 canary case(s) did not pass")


@pytest.mark.slow
def test_an_invalid_run_ends_in_a_prefect_state_named_invalid(
    tiny_suite: Path, tmp_path: Path
) -> None:
    with (tiny_suite / "retrieval.jsonl").open("a") as handle:
        handle.write(CANARY)
    store = sqlite_url(tmp_path / "runs.db")
    with prefect_server(tmp_path / "server") as env:
        done = evalstage("run", str(tiny_suite), "--store", store, "--json", env=env)
        assert done.returncode == 0, done.stderr[-3000:]
        flow_run_id = json.loads(done.stdout)["flow_run_id"]
        with urllib.request.urlopen(
            f"{env['PREFECT_API_URL']}/flow_runs/{flow_run_id}", timeout=10
        ) as response:
            flow_run = json.load(response)
    assert flow_run["state"]["type"] == "COMPLETED" and flow_run["state"]["name"] == "Invalid"
    assert "canary case(s) did not pass" in flow_run["state"]["message"]


def test_a_bad_callable_target_is_refused_before_any_stage_runs(
    tiny_suite: Path, tmp_path: Path
) -> None:
    env = base_env(tmp_path)
    store = sqlite_url(tmp_path / "runs.db")
    manifest = tiny_suite / "suite.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "      name: bm25\n",
            "      name: callable\n      args: {function: 'no_such_module:search'}\n",
        )
    )
    done = evalstage("run", str(tiny_suite), "--store", store, env=env)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "target.args.function" in done.stderr
    assert str(manifest) in done.stderr and "cannot import 'no_such_module:search'" in done.stderr
    assert not (tmp_path / "runs.db").exists()  # nothing ran, nothing was written

    override = evalstage(
        "run", str(tiny_suite), "--store", store, "--stage", "retrieval",
        "--target", "no_such_target", env=env,
    )  # fmt: skip
    assert override.returncode == 2 and "unknown retrieval target 'no_such_target'" in (
        override.stderr
    )


def test_a_callable_beside_the_suite_imports_without_pythonpath(
    tiny_suite: Path, tmp_path: Path
) -> None:
    (tiny_suite / "team_search.py").write_text(
        "def search(query, k):\n    return ['d1', 'd2', 'd3', 'd4', 'd5'][:k]\n"
    )
    manifest = tiny_suite / "suite.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "      name: bm25\n",
            "      name: callable\n      args: {function: 'team_search:search'}\n",
        )
    )
    env = base_env(tmp_path)
    env.pop("PYTHONPATH", None)
    store = sqlite_url(tmp_path / "runs.db")
    done = evalstage("run", str(tiny_suite), "--store", store, "--json", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    outcomes = json.loads(done.stdout)["stages"]["retrieval"]["outcomes"]
    assert outcomes == {"pass": 1, "fail": 3}  # d1 first: only q1 has its relevant doc at rank 1


HOLDING_SEARCH = """
import os, time
from pathlib import Path

def search(query, k):
    folder = Path(os.environ["HOLD_DIR"])
    (folder / "started").touch()
    while (folder / "hold").exists():
        time.sleep(0.2)
    return ["d1", "d2"][:k]
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal: Linux")
def test_kill_9_of_a_run_leaves_no_temporary_prefect_server(
    tiny_suite: Path, tmp_path: Path
) -> None:
    control = tmp_path / "control"
    control.mkdir()
    (tiny_suite / "holding.py").write_text(HOLDING_SEARCH)
    manifest = tiny_suite / "suite.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "      name: bm25\n", "      name: callable\n      args: {function: 'holding:search'}\n"
        )
    )
    env = base_env(tmp_path) | {"EVALSTAGE_ORCHESTRATION": "prefect", "HOLD_DIR": str(control)}
    (control / "hold").touch()
    run = subprocess.Popen(
        [EVALSTAGE, "run", str(tiny_suite), "--store", sqlite_url(tmp_path / "runs.db")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while not (control / "started").exists():
            assert run.poll() is None and time.monotonic() < deadline, "the run never started"
            time.sleep(0.2)
        servers = children(run.pid)
        assert servers, "the run started no temporary server"
        run.kill()
        run.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(alive(p) for p in servers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(p) for p in servers), "the temporary Prefect server outlived the run"
    finally:
        (control / "hold").unlink(missing_ok=True)
        if run.poll() is None:
            run.kill()
