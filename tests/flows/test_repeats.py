"""``evalstage run --repeats k``: a live target runs k times, a deterministic one once."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.evalcore import ResultStore, sqlite_url

runner = CliRunner()

FLAKY = '''
CALLS = {}


def search(query, k):
    """Always right, except the aspirin query: right on odd calls only."""
    CALLS[query] = CALLS.get(query, 0) + 1
    right = {"aspirin": "d1", "statins": "d2", "vitamin": "d3", "sleep": "d4"}
    doc = next(d for word, d in right.items() if word in query)
    if "aspirin" in query and CALLS[query] % 2 == 0:
        doc = "d5"
    return [doc] + [d for d in ("d1", "d2", "d3", "d4", "d5") if d != doc]
'''


def _flaky_suite(tiny_suite: Path, module: str) -> Path:
    (tiny_suite / f"{module}.py").write_text(FLAKY)
    manifest = (tiny_suite / "suite.yaml").read_text()
    (tiny_suite / "suite.yaml").write_text(
        manifest.replace(
            "      name: bm25\n",
            f"      name: callable\n      args: {{function: '{module}:search'}}\n",
        )
    )
    return tiny_suite


def _run(suite: Path, db: Path, *extra: str):
    result = runner.invoke(app, ["run", str(suite), "--store", sqlite_url(db), "--json", *extra])
    assert result.exit_code in (0, 1), result.output
    store = ResultStore(sqlite_url(db))
    record = store.list_runs()[0]
    return record, store.case_results(record.run_id)


def test_a_live_target_is_repeated_and_its_flips_are_reported(tiny_suite: Path, tmp_path: Path):
    suite = _flaky_suite(tiny_suite, "flaky_repeats_a")
    record, results = _run(suite, tmp_path / "runs.db", "--repeats", "3")
    summary = record.stage("retrieval")
    assert summary.config["repeats"] == 3
    assert summary.metric("pass@3").value == 1.0
    assert summary.metric("pass_all@3").value == 0.75
    assert summary.metric("flip_rate").value == 0.25
    assert summary.direction("flip_rate") == "lower"
    q1 = next(r for r in results if r.case_id == "q1")
    assert len(q1.details["repeats"]) == 3 and q1.details["flipped"] is True
    assert len(set(q1.details["repeats"])) == 2
    assert len(results) == 4  # one stored result per case, not one per repeat


def test_the_table_says_which_repeat_the_outcomes_are(tiny_suite: Path, tmp_path: Path):
    suite = _flaky_suite(tiny_suite, "flaky_repeats_d")
    args = ["run", str(suite), "--store", sqlite_url(tmp_path / "r.db"), "--repeats", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    shown = " ".join(result.stdout.split())  # the title may wrap
    assert "(first of 2 repeats)" in shown and "flip_rate" in shown


def test_without_repeats_nothing_changes(tiny_suite: Path, tmp_path: Path):
    suite = _flaky_suite(tiny_suite, "flaky_repeats_b")
    record, results = _run(suite, tmp_path / "runs.db")
    names = {m.name for m in record.stage("retrieval").metrics}
    assert "flip_rate" not in names and "repeats" not in record.stage("retrieval").config
    assert all("repeats" not in r.details for r in results)


def test_a_deterministic_target_runs_once(tiny_suite: Path, tmp_path: Path):
    record, results = _run(tiny_suite, tmp_path / "runs.db", "--repeats", "3")
    summary = record.stage("retrieval")
    assert summary.config["repeats"] == 1
    assert "flip_rate" not in {m.name for m in summary.metrics}
    assert json.dumps([r.details for r in results]).count("repeats") == 0


def test_gate_bounds_the_repeat_metrics(tiny_suite: Path, tmp_path: Path):
    suite = _flaky_suite(tiny_suite, "flaky_repeats_c")
    with (suite / "suite.yaml").open("a") as handle:
        handle.write(
            "gates:\n"
            "  regression: false\n"
            "  thresholds:\n"
            "    retrieval:\n"
            "      pass@3: 1.0\n"
            "      flip_rate: {max: 0.1}\n"
        )
    db = tmp_path / "runs.db"
    args = ["gate", str(suite), "--store", sqlite_url(db), "--json", "--repeats", "3"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    gates = {g["metric"]: g["status"] for g in json.loads(result.stdout)["gates"] if g["metric"]}
    assert gates == {"pass@3": "pass", "flip_rate": "fail"}
