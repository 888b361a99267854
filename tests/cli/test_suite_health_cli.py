"""``evalstage suite health`` over real stored runs of a small suite."""

from __future__ import annotations

import json
from pathlib import Path

from suite_fixtures import write_beir_suite, write_tiny_suite
from typer.testing import CliRunner

from evalstage.cli import app

runner = CliRunner()


def test_health_of_three_runs_with_two_targets(tmp_path: Path) -> None:
    folder = write_tiny_suite(tmp_path / "s")
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    assert runner.invoke(app, ["suite", "health", str(folder), "--store", store]).exit_code == 1
    for extra in ([], [], ["--stage", "retrieval", "--target", "bm25", "--target-args",
                           '{"k1": 0.2, "b": 0.1}']):  # fmt: skip
        result = runner.invoke(app, ["run", str(folder), "--store", store, "-q", *extra])
        assert result.exit_code == 0, result.output
    shown = runner.invoke(
        app, ["suite", "health", str(folder), "--store", store, "--format", "json"]
    )
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.stdout)
    assert len(report["runs"]) == 3 and len(report["targets"]["retrieval"]) == 2
    by_key = {c["key"]: c for c in report["cases"]}
    assert set(by_key) == {"q1", "q2", "q3", "q4"}
    assert all(c["runs"] == 3 and c["targets"] == 2 for c in by_key.values())
    saturated = [k for k, c in by_key.items() if "saturated" in c["findings"]]
    assert saturated == [k for k, c in by_key.items() if c["failed"] == 0]
    assert report["counts"]["flaky"] == 0  # BM25 is deterministic: no flips in one config
    markdown = runner.invoke(app, ["suite", "health", str(folder), "--store", store])
    assert markdown.stdout.startswith("# Suite health: tiny")
    assert "| finding | cases |" in markdown.stdout
    bad = runner.invoke(app, ["suite", "health", str(folder), "--store", store, "--format", "x"])
    assert bad.exit_code == 2


def test_the_queries_of_a_beir_stage_count_in_the_health_report(tmp_path: Path) -> None:
    folder = write_beir_suite(tmp_path / "b")
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    for _ in range(2):
        result = runner.invoke(app, ["run", str(folder), "--store", store, "-q"])
        assert result.exit_code == 0, result.output
    shown = runner.invoke(
        app, ["suite", "health", str(folder), "--store", store, "--format", "json"]
    )
    assert shown.exit_code == 0, shown.output
    cases = json.loads(shown.stdout)["cases"]
    assert {c["key"] for c in cases} == {"q1", "q2"} and all(c["runs"] == 2 for c in cases)

    from evalstage.app import data

    report = data.suite_health(store, str(folder), 10)
    assert report is not None and {c["key"] for c in report["cases"]} == {"q1", "q2"}
