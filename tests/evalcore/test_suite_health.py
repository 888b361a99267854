"""Suite health over stored runs: saturated, flaky, never discriminating, canary drift."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from evalstage.evalcore.records import CaseResult, RunRecord, StageSummary
from evalstage.evalcore.store import ResultStore, sqlite_url
from evalstage.evalcore.suite_health import health_markdown, suite_health


def _run(run_id: str, day: int, target: str, letters: str, **extra: dict) -> tuple:
    """``letters``: the outcome of q1, q2, ... in order, p(ass) or f(ail)."""
    outcomes = {f"q{i}": "pass" if x == "p" else "fail" for i, x in enumerate(letters, start=1)}
    record = RunRecord(
        run_id=run_id, suite_name="s", suite_version="1.0", suite_hash="h" * 64,
        started_at=datetime(2026, 11, day, tzinfo=UTC),
        stages=[StageSummary(stage="retrieval", target={"name": target, "args": {}})],
    )  # fmt: skip
    results = [
        CaseResult(stage="retrieval", case_id=case, outcome=o, category="c", canary=case == "q1",
                   details=extra.get(case, {}))
        for case, o in outcomes.items()
    ]  # fmt: skip
    return record, results


def _stored(tmp_path: Path, runs: list[tuple]) -> list[tuple]:
    store = ResultStore(sqlite_url(tmp_path / "runs.db"))
    for record, results in runs:
        store.save_run(record, results)
    return [(r, store.case_results(r.run_id)) for r in store.list_runs("s")]  # newest first


def test_findings_over_two_targets_and_a_repeated_configuration(tmp_path: Path) -> None:
    history = _stored(tmp_path, [
        _run("r1", 1, "bm25", "ppfpp"),
        _run("r2", 2, "bm25", "ppffp"),
        _run("r3", 3, "dense", "fpfpf", q2={"repeats": ["pass", "pass", "pass"]}),
    ])  # fmt: skip
    report = suite_health("s", history)
    assert report.runs == ["r3", "r2", "r1"]
    assert report.targets == {"retrieval": ["dense", "bm25"]}
    found = {c.key: c.findings for c in report.cases}
    assert found["q2"] == ["saturated", "never_discriminating"]
    assert found["q3"] == ["never_discriminating"]  # fails for everyone
    assert found["q4"] == ["flaky"]  # bm25 passed on day 1, failed on day 2
    assert found["q1"] == ["canary_drift"]  # the canary failed under dense
    assert found["q5"] == []  # discriminates: bm25 passes, dense fails
    assert report.counts() == {"saturated": 1, "flaky": 1, "never_discriminating": 2,
                               "canary_drift": 1}  # fmt: skip
    text = health_markdown(report)
    assert "## flaky (1)" in text and "| retrieval | q4 | c |" in text


def test_repeats_that_disagree_are_flaky_and_inactive_cases_are_left_out(tmp_path: Path) -> None:
    history = _stored(tmp_path, [
        _run("r1", 1, "http", "pp", q2={"repeats": ["pass", "fail", "pass"]}),
    ])  # fmt: skip
    report = suite_health("s", history)
    assert {c.key: c.findings for c in report.cases}["q2"] == ["flaky"]
    assert "2 of 3 repeats passed" in report.cases[1].evidence["flaky"]
    only = suite_health("s", history, active={("retrieval", "q1")})
    assert [c.key for c in only.cases] == ["q1"]


def test_breakdowns_stored_in_config_do_not_split_a_configuration(tmp_path: Path) -> None:
    runs = []
    for day, p50 in ((1, 12.0), (2, 480.0)):  # one target; the runs' latency breakdowns differ
        record, results = _run(f"r{day}", day, "bm25", "pf"[day - 1] + "p")
        summary = record.stages[0].model_copy(update={"config": {"latency_ms": {"p50": p50}}})
        runs.append((record.model_copy(update={"stages": [summary]}), results))
    report = suite_health("s", _stored(tmp_path, runs))
    assert report.targets == {"retrieval": ["bm25"]}
    found = {c.key: c for c in report.cases}
    assert found["q1"].findings == ["flaky", "canary_drift"] and found["q1"].targets == 1
    assert found["q2"].findings == ["saturated"]


def test_a_pipe_in_a_key_or_category_does_not_break_the_markdown_table(tmp_path: Path) -> None:
    runs = []
    for run_id, day in (("r1", 1), ("r2", 2)):
        record, results = _run(run_id, day, "bm25", "pp")
        runs.append((record, [r.model_copy(update={"case_id": f"a|{r.case_id}", "category": "x|y"})
                              for r in results]))  # fmt: skip
    history = _stored(tmp_path, runs)
    text = health_markdown(suite_health("s", history))
    rows = [line for line in text.splitlines() if "a\\|q" in line]
    assert rows and all(line.count("|") - line.count("\\|") == 5 for line in rows)
    assert "| x\\|y |" in rows[0]


def test_every_result_of_a_benchmark_stage_counts(tmp_path: Path) -> None:
    history = _stored(tmp_path, [_run("r1", 1, "bm25", "pf")])
    assert suite_health("s", history, active=set()).cases == []
    kept = suite_health("s", history, active=set(), every_result_of={"retrieval"})
    assert [c.key for c in kept.cases] == ["q1", "q2"]
