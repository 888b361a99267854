"""The evalstage CLI: trec_eval output, bad input, and a real run of the demo suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.evalcore import ResultStore, sqlite_url

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "trec_eval"
runner = CliRunner()


def test_retrieval_score_matches_trec_eval_output_lines() -> None:
    result = runner.invoke(
        app,
        [
            "retrieval",
            "score",
            "--qrels",
            str(DATA / "qrels.test"),
            "--run",
            str(DATA / "results.test"),
        ],
    )
    assert result.exit_code == 0, result.output
    expected = set((DATA / "out.test").read_text().splitlines())
    ours = result.stdout.splitlines()
    shared = [line for line in ours if line in expected]
    # every line trec_eval also prints by default is identical, byte for byte
    names = {line.split("\t")[0].strip() for line in expected}
    ours_in_default = [line for line in ours if line.split("\t")[0].strip() in names]
    assert ours_in_default == shared and len(shared) == 17


def test_retrieval_score_per_query_and_flags() -> None:
    result = runner.invoke(
        app,
        [
            "retrieval",
            "score",
            "--qrels",
            str(DATA / "qrels.test"),
            "--run",
            str(DATA / "results.trunc"),
            "-m",
            "map",
            "-m",
            "P.10",
            "-q",
            "-c",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "map                   \t302\t0.0000" in lines
    assert "map                   \tall\t0.1016" in lines
    assert "P_10                  \tall\t0.2000" in lines


def test_retrieval_score_bad_run_file(tmp_path: Path) -> None:
    bad = tmp_path / "run.txt"
    bad.write_text("301 Q0 doc1 1 0.5 r\n301 Q0 doc1 2 0.4 r\n")
    result = runner.invoke(
        app, ["retrieval", "score", "--qrels", str(DATA / "qrels.test"), "--run", str(bad)]
    )
    assert result.exit_code == 2
    assert f"{bad}:2" in result.stderr and "appears twice" in result.stderr


def test_run_rejects_bad_suite_before_writing_anything(tiny_suite: Path, tmp_path: Path) -> None:
    with (tiny_suite / "retrieval.jsonl").open("a") as handle:
        handle.write('{"query_id": "q9", "query": "x", "relevant": {"d1": "very"}}\n')
    db = tmp_path / "runs.db"
    result = runner.invoke(app, ["run", str(tiny_suite), "--store", sqlite_url(db)])
    assert result.exit_code == 2
    assert "retrieval.jsonl:5" in result.stderr and "relevant.d1" in result.stderr
    assert "how to fix" in result.stderr
    assert not db.exists()


def test_retrieval_search_writes_trec_run(tmp_path: Path, tiny_suite: Path) -> None:
    out = tmp_path / "run.trec"
    result = runner.invoke(
        app,
        [
            "retrieval",
            "search",
            "--corpus",
            str(tiny_suite / "corpus.jsonl"),
            "--queries",
            str(tiny_suite / "retrieval.jsonl"),
            "--retriever",
            "bm25",
            "-k",
            "2",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in out.read_text().splitlines()]
    firsts = {line[0]: line[2] for line in lines if line[3] == "1"}
    assert firsts == {"q1": "d1", "q2": "d2", "q3": "d3", "q4": "d4"}
    assert all(sum(1 for line in lines if line[0] == q) <= 2 for q in firsts)


@pytest.mark.slow
def test_demo_suite_runs_both_stages_through_prefect_and_is_listed(tmp_path: Path) -> None:
    # EVALSTAGE_ORCHESTRATION=prefect with no PREFECT_API_URL: Prefect's temporary server
    env = {
        **os.environ,
        "EVALSTAGE_HOME": str(tmp_path / "home"),
        "EVALSTAGE_ORCHESTRATION": "prefect",
    }
    env.pop("PREFECT_API_URL", None)
    store = sqlite_url(tmp_path / "runs.db")
    exe = Path(sys.executable).with_name("evalstage")
    done = subprocess.run(
        [
            str(exe),
            "run",
            str(ROOT / "suites" / "demo"),
            "--store",
            store,
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,  # a safety net only: the demo (probes included) on 2 loaded cores
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    metrics = summary["stages"]["retrieval"]["metrics"]
    ndcg = metrics["ndcg@10"]
    assert ndcg["ci_low"] < ndcg["value"] < ndcg["ci_high"]
    assert 0.65 < ndcg["value"] < 0.70  # BM25 on SciFact; Pyserini reports 0.679
    assert metrics["recall@100"]["n"] == 300 and metrics["recall@100"]["coverage"] == 1.0
    assert summary["flow_run_id"]
    listed = subprocess.run(
        [str(exe), "runs", "--store", store, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert [r["run_id"] for r in json.loads(listed.stdout)] == [summary["run_id"]]
    stored = ResultStore(store).case_results(summary["run_id"], "retrieval")
    assert len(stored) == 300
    agent = summary["stages"]["agent"]
    # 78 cases, plus the injection variants of the multi-step ones (suite.yaml: variants)
    assert agent["n_cases"] == 78 + 23 and sum(agent["outcomes"].values()) == 78 + 23
    assert agent["metrics"]["injection_success_rate"]["n"] > 0
    for name in ("pass_rate", "call_f1"):
        m = agent["metrics"][name]
        assert m["ci_low"] <= m["value"] <= m["ci_high"] and m["n"] == 78
    # the baseline is weak on purpose: it must fail some cases, with error codes and their rates
    assert 0.0 < agent["metrics"]["pass_rate"]["value"] < 0.8
    assert agent["error_codes"] and all(
        f"rate:{c}" in agent["metrics"] for c in agent["error_codes"]
    )
    shown = subprocess.run(
        [str(exe), "show", summary["run_id"][:8], "--store", store],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert summary["run_id"] in shown.stdout and "ndcg@10" in shown.stdout
    _demo_scenario_report(exe, summary["run_id"], store, env, tmp_path)


def _demo_scenario_report(exe: Path, run_id: str, store: str, env: dict, tmp_path: Path) -> None:
    """``evalstage report`` on the demo run: markdown, JSON, and the HTML page in a browser."""

    def report(*args: str) -> str:
        command = [str(exe), "report", run_id, "--store", store, *args]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    assert f"# Scenario report · run {run_id}" in report()
    rows = json.loads(report("--format", "json"))["rows"]
    cells = {(r["stage"], r["category"]): r["cells"] for r in rows}
    generation, agent = cells[("generation", "all")], cells[("agent", "all")]
    # the probes are measured on the demo, and the built-in baselines fail some of them
    for name in ("consistency", "worst_case", "injection_success", "leak_rate"):
        assert not generation[name]["missing"], name
        assert generation[name]["n"] > 0 and generation[name]["ci_low"] <= generation[name]["value"]
    assert 0.0 < generation["leak_rate"]["value"] < 1.0
    assert not agent["injection_success"]["missing"]
    assert generation["cost_usd"]["missing"]  # the demo has no price table: not measured, not 0
    html = tmp_path / "demo-report.html"
    report("--format", "html", "--out", str(html))
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not importable")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("chromium not found at /usr/bin/chromium (apt-get install chromium)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True
        )
        page = browser.new_page()
        page.goto(html.as_uri())
        row = page.locator('tr[data-stage="generation"][data-category="all"]')
        sync_api.expect(row).to_be_visible()
        leak = row.locator('td[data-col="leak_rate"]').inner_text()
        assert leak.startswith(f"{generation['leak_rate']['value']:.2f} [") and "n=" in leak
        assert page.locator('tr[data-stage="agent"]').count() >= 2  # its categories and all
        browser.close()


def test_compare_two_runs_json_and_text(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from evalstage.evalcore import CaseResult, RunRecord, StageSummary

    store = ResultStore(sqlite_url(tmp_path / "runs.db"))
    for i, (run_id, passing) in enumerate([("runa", {"q1", "q2"}), ("runb", {"q2", "q3"})]):
        run = RunRecord(
            run_id=run_id,
            suite_name="s",
            suite_version="1",
            suite_hash="h",
            started_at=datetime(2026, 1, 1 + i, tzinfo=UTC),
            stages=[StageSummary(stage="retrieval", target={"name": "bm25"})],
        )
        results = [
            CaseResult(
                stage="retrieval",
                case_id=q,
                outcome="pass" if q in passing else "fail",  # type: ignore[arg-type]
                scores={"mrr": 1.0 if q in passing else 0.0},
            )
            for q in ("q1", "q2", "q3")
        ]
        store.save_run(run, results)
    url = sqlite_url(tmp_path / "runs.db")
    result = runner.invoke(app, ["compare", "runa", "runb", "--store", url, "--json"])
    assert result.exit_code == 0, result.output
    retrieval = json.loads(result.stdout)["stages"]["retrieval"]
    assert retrieval["newly_failing"] == ["q1"] and retrieval["newly_fixed"] == ["q3"]
    mrr = next(m for m in retrieval["metrics"] if m["metric"] == "mrr")
    assert mrr["delta"] == 0.0 and mrr["p_value"] == 1.0 and mrr["n"] == 3
    text = runner.invoke(app, ["compare", "runa", "runb", "--store", url])
    assert "newly failing: q1" in text.stdout
    missing = runner.invoke(app, ["compare", "runa", "nope", "--store", url])
    assert missing.exit_code == 2
