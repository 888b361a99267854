"""prefect.yaml end to end: a real server, `prefect deploy --all`, a process worker, runs stored.

The deployments are the repository's own (prefect.yaml at the root, demo suite by default); the
runs override ``suite_dir`` with the tiny suite so they finish in seconds.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from prefect_procs import prefect_cli, prefect_server, start, stop

from evalstage.evalcore import ResultStore, sqlite_url

ROOT = Path(__file__).resolve().parents[2]
POOL = "evalstage"


def _cli(args: list[str], env: dict[str, str], timeout: float = 180) -> str:
    done = subprocess.run(
        [prefect_cli(), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _deployments(api: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        f"{api}/deployments/filter",
        data=b"{}",
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        payload: list[dict[str, Any]] = json.load(response)
    return payload


@pytest.mark.slow
def test_deploy_all_and_run_on_a_process_worker(tmp_path: Path, tiny_suite: Path) -> None:
    url = sqlite_url(tmp_path / "runs.db")
    with prefect_server(tmp_path / "home") as env:
        env |= {"EVALSTAGE_STORE": url, "PREFECT_WORKER_QUERY_SECONDS": "1"}
        _cli(["work-pool", "create", POOL, "--type", "process"], env)
        _cli(["--no-prompt", "deploy", "--all"], env)

        deployed = {d["name"]: d for d in _deployments(env["PREFECT_API_URL"])}
        assert set(deployed) == {
            "demo-nightly",
            "retrieval",
            "generation",
            "agent",
            "judge-calibration",
        }
        judge = deployed["judge-calibration"]
        assert [s["schedule"]["cron"] for s in judge["schedules"]] == ["0 3 * * 1"]
        nightly = deployed["demo-nightly"]
        assert [s["schedule"]["cron"] for s in nightly["schedules"]] == ["0 2 * * *"]
        assert nightly["parameters"] == {"suite_dir": "suites/demo"}
        assert all(d["work_pool_name"] == POOL for d in deployed.values())
        steps = nightly["pull_steps"]
        assert steps[0]["prefect.deployments.steps.set_working_directory"]["directory"] == str(ROOT)

        worker = start(
            [prefect_cli(), "worker", "start", "--pool", POOL], env, tmp_path / "worker.log"
        )
        params = json.dumps({"suite_dir": str(tiny_suite)})
        watch = ["--watch", "--watch-interval", "1", "--watch-timeout", "150"]
        try:
            for name in ("evaluate-suite/demo-nightly", "retrieval-stage/retrieval"):
                out = _cli(
                    ["deployment", "run", name, "--params", params, *watch],
                    env,
                )
                assert "COMPLETED" in out.upper(), out
        finally:
            stop(worker)

    runs = ResultStore(url).list_runs()
    assert len(runs) == 2, (tmp_path / "worker.log").read_text()[-3000:]
    for run in runs:
        assert run.suite_name == "tiny" and run.flow_run_id is not None
        assert [s.stage for s in run.stages] == ["retrieval"]
        assert len(ResultStore(url).case_results(run.run_id)) == 4
