"""``evalstage suite lint``: exit codes, JSON, and the demo suite; drafts skipped by runs."""

from __future__ import annotations

import json
from pathlib import Path

from suite_fixtures import write_tiny_suite
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.evalcore.store import ResultStore

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[2] / "suites" / "demo"


def test_a_clean_suite_exits_0_and_a_missing_note_exits_1(tmp_path: Path) -> None:
    folder = write_tiny_suite(tmp_path / "s")
    result = runner.invoke(app, ["suite", "lint", str(folder)])
    assert result.exit_code == 0, result.output
    path = folder / "retrieval.jsonl"
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    rows[1]["note"] = ""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = runner.invoke(app, ["suite", "lint", str(folder), "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    missing = [f for f in payload["findings"] if f["rule"] == "missing_note"]
    assert missing[0]["line"] == 2 and missing[0]["case_ids"] == ["q2"]
    assert payload["summary"].startswith("1 error")


def test_strict_fails_on_drafts_and_run_reports_them_skipped(tmp_path: Path) -> None:
    folder = write_tiny_suite(tmp_path / "s")
    path = folder / "retrieval.jsonl"
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    rows[3] = {k: v for k, v in rows[3].items() if k not in ("note", "category")} | {"draft": True}
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert runner.invoke(app, ["suite", "lint", str(folder)]).exit_code == 0
    assert runner.invoke(app, ["suite", "lint", str(folder), "--strict"]).exit_code == 1
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    result = runner.invoke(app, ["run", str(folder), "--store", store])
    assert result.exit_code == 0, result.output
    assert "skipped 1 draft case waiting for review (retrieval 1)" in result.stderr
    db = ResultStore(store)
    (record,) = db.list_runs()
    assert sorted(r.case_id for r in db.case_results(record.run_id)) == ["q1", "q2", "q3"]


def test_the_demo_suite_lints_without_errors() -> None:
    result = runner.invoke(app, ["suite", "lint", str(DEMO), "--json"])
    payload = json.loads(result.stdout)
    assert result.exit_code == 0, [f for f in payload["findings"] if f["severity"] == "error"]
    assert set(payload["stages"]) == {"retrieval", "generation", "agent"}


def test_bad_json_is_exit_2(tmp_path: Path) -> None:
    folder = write_tiny_suite(tmp_path / "s")
    with (folder / "retrieval.jsonl").open("a") as handle:
        handle.write("{not json\n")
    result = runner.invoke(app, ["suite", "lint", str(folder)])
    assert result.exit_code == 2
    assert "retrieval.jsonl:5" in result.stderr
