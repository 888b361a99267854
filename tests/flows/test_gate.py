"""`evalstage gate`: thresholds, canaries, regressions against a baseline, JUnit and markdown.

Most tests run the flows in this process with no Prefect API (``EVALSTAGE_ORCHESTRATION=local``,
the default without ``PREFECT_API_URL``) so they stay fast; the last one runs them under Prefect.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect_procs import prefect_server
from suite_fixtures import TINY_QUERIES
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.evalcore import ResultStore, sqlite_url

runner = CliRunner()
JUNK = ["--stage", "retrieval", "--target", "run_file", "--target-args", '{"path": "junk.trec"}']


@pytest.fixture
def no_prefect(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The same flow code, run in this process with no Prefect API (flows.runtime)."""
    monkeypatch.setenv("EVALSTAGE_ORCHESTRATION", "local")
    yield


@pytest.fixture
def suite(tiny_suite: Path) -> Path:
    """The tiny suite with each query written three times (12 cases: enough for p < 0.05),
    a gates section, and a junk TREC run that ranks an irrelevant document first."""
    with (tiny_suite / "retrieval.jsonl").open("a") as handle:
        for copy in ("b", "c"):
            for qid, query, relevant, category in TINY_QUERIES:
                record = {"query_id": f"{qid}{copy}", "query": query, "relevant": relevant,
                          "note": f"copy {copy} of {qid}"}  # fmt: skip
                handle.write(json.dumps({**record, "category": category}) + "\n")
    with (tiny_suite / "suite.yaml").open("a") as handle:
        handle.write(
            "gates:\n"
            "  thresholds:\n"
            "    retrieval: {ndcg@3: 0.5, pass_rate: {min: 0.5, max: 1}}\n"
            "  regression: {alpha: 0.05}\n"
        )
    ids = [f"{q[0]}{c}" for c in ("", "b", "c") for q in TINY_QUERIES]
    (tiny_suite / "junk.trec").write_text("".join(f"{q} Q0 d5 1 1.0 junk\n" for q in ids))
    return tiny_suite


def gate(suite: Path, store: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["gate", str(suite), "--store", store, *args])
    return result.exit_code, result.stdout, result.stderr


def test_regression_fails_the_gate_and_a_clean_rerun_passes(
    no_prefect: None, suite: Path, tmp_path: Path
) -> None:
    store = sqlite_url(tmp_path / "runs.db")
    md = tmp_path / "summary.md"
    code, out, err = gate(suite, store, "--markdown", str(md))
    assert code == 0, out + err
    assert "no earlier completed run of suite 'tiny'" in md.read_text()
    first = ResultStore(store).list_runs()[0].run_id

    code, out, _ = gate(suite, store, "--markdown", str(md))  # same system: nothing changed
    assert code == 0, out
    assert "gate passed" in out and f"baseline `{first}`" in md.read_text()

    junit = tmp_path / "junit.xml"
    code, out, _ = gate(suite, store, *JUNK, "--markdown", str(md), "--junit", str(junit))
    assert code == 1, out
    text = md.read_text()
    assert "❌ failed" in text and len(text.splitlines()) <= 60
    row = next(line for line in text.splitlines() if "regression retrieval mrr" in line)
    assert "❌ fail" in row and "-1.0000 [-1.0000, -1.0000]" in row
    assert "| 0.0005 |" in row  # the exact test over 12 pairs: 2 / 2**12
    assert "### Failure categories that rose" in text and "retrieval_miss" in text
    assert "retrieval (12): `q1`" in text

    root = ET.parse(junit).getroot()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    cases = suites["evalstage.retrieval"].findall("testcase")
    assert len(cases) == 12 and suites["evalstage.retrieval"].get("failures") == "12"
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "retrieval_miss"
    assert failure.get("message", "").startswith("retrieval_miss: hit@1")
    gates = suites["evalstage.gates"].findall("testcase")
    failed = [g.get("name") for g in gates if g.find("failure") is not None]
    assert "regression retrieval mrr" in failed and "threshold retrieval ndcg@3" in failed
    assert suites["evalstage.gates"].get("failures") == str(len(failed))
    assert root.get("tests") == str(12 + len(gates))
    assert {c.get("classname") for c in gates} == {"evalstage.gates"}

    # against the first (good) run again, the good system passes: the bad run is not a problem
    code, out, _ = gate(suite, store, "--baseline", first[:8], "--json")
    assert code == 0, out
    payload = json.loads(out)
    assert payload["passed"] and payload["baseline_run_id"] == first


def test_canary_failure_fails_the_gate(no_prefect: None, suite: Path, tmp_path: Path) -> None:
    with (suite / "retrieval.jsonl").open("a") as handle:
        handle.write(
            '{"query_id": "q9", "query": "coffee liver", "relevant": {"d2": 1}, "canary": true, '
            '"note": "a canary that fails", "category": "liver"}\n'
        )
    code, out, _ = gate(suite, sqlite_url(tmp_path / "runs.db"), "--baseline", "none", "--json")
    assert code == 1
    gates = {g["name"]: g for g in json.loads(out)["gates"]}
    assert gates["canaries"]["status"] == "fail" and "retrieval:q9" in gates["canaries"]["detail"]
    assert gates["regression"]["status"] == "skipped"
    assert gates["threshold retrieval ndcg@3"]["status"] == "pass"


def test_bad_input_exits_2(no_prefect: None, suite: Path, tmp_path: Path) -> None:
    store = sqlite_url(tmp_path / "runs.db")
    code, _, err = gate(suite, store, "--baseline", "nosuchrun")
    assert code == 2 and "no run 'nosuchrun'" in err and "--baseline" in err
    assert ResultStore(store).list_runs() == []  # nothing ran

    manifest = suite / "suite.yaml"
    manifest.write_text(manifest.read_text().replace("alpha: 0.05", "alpha: often"))
    code, _, err = gate(suite, store)
    line = next(i for i, t in enumerate(manifest.read_text().splitlines(), 1) if "often" in t)
    assert code == 2
    assert f"{manifest}:{line}" in err and "gates.regression.alpha" in err

    manifest.write_text(manifest.read_text().replace("alpha: often", "alpha: 0.05"))
    manifest.write_text(manifest.read_text().replace("ndcg@3: 0.5", "ndcg@10: 0.5"))
    code, _, err = gate(suite, store)
    assert code == 2
    assert "metric 'ndcg@10' is not reported by stage 'retrieval'; reported:" in err
    assert "gates.thresholds.retrieval.ndcg@10" in err

    code, _, err = gate(suite, store, "--target", "bm25")
    assert code == 2 and "--target needs exactly one --stage" in err


@pytest.mark.slow
def test_gate_through_prefect(suite: Path, tmp_path: Path) -> None:
    """`evalstage gate` processes against a real Prefect server: runs recorded there too."""
    store = sqlite_url(tmp_path / "runs.db")
    exe = str(Path(sys.executable).with_name("evalstage"))
    with prefect_server(tmp_path / "prefect") as env:
        first = subprocess.run(
            [exe, "gate", str(suite), "--store", store],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert first.returncode == 0, first.stdout + first.stderr[-3000:]
        done = subprocess.run(
            [exe, "gate", str(suite), "--store", store, *JUNK, "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        flow_runs = [r.flow_run_id for r in ResultStore(store).list_runs()]
    assert done.returncode == 1, done.stderr[-3000:]
    payload = json.loads(done.stdout)
    mrr = next(g for g in payload["gates"] if g["name"] == "regression retrieval mrr")
    assert mrr["status"] == "fail" and mrr["p_value"] < 0.05
    assert len(flow_runs) == 2 and all(flow_runs)  # both runs are flow runs of that server
