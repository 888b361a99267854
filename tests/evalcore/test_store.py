from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from evalstage.evalcore import (
    CaseResult,
    FailureCategory,
    MetricSummary,
    Outcome,
    ResultStore,
    RunRecord,
    StageSummary,
    sqlite_url,
)


def make_run(run_id: str, minutes: int = 0, suite: str = "s") -> tuple[RunRecord, list[CaseResult]]:
    summary = StageSummary(
        stage="retrieval",
        target={"name": "bm25", "args": {}},
        metrics=[
            MetricSummary(name="ndcg@10", value=0.5, ci_low=0.4, ci_high=0.6, n=2, coverage=1.0)
        ],
        outcomes={"pass": 1, "fail": 1},
        n_cases=2,
    )
    run = RunRecord(
        run_id=run_id,
        suite_name=suite,
        suite_version="1",
        suite_hash="h" * 64,
        started_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes),
        stages=[summary],
    )
    results = [
        CaseResult(stage="retrieval", case_id="q1", outcome=Outcome.PASS, scores={"ndcg@10": 1.0}),
        CaseResult(
            stage="retrieval",
            case_id="q2",
            outcome=Outcome.FAIL,
            failure_category=FailureCategory.RETRIEVAL_MISS,
            scores={"ndcg@10": 0.0},
            details={"top10": ["d9"]},
        ),
    ]
    return run, results


def roundtrip(store: ResultStore) -> None:
    prefix = uuid.uuid4().hex[:8]
    old, old_results = make_run(prefix + "old", 0, suite=prefix)
    new, _ = make_run(prefix + "new", 5, suite=prefix)
    store.save_run(old, old_results)
    store.save_run(new, [])
    listed = store.list_runs(suite=prefix)
    assert [r.run_id for r in listed] == [prefix + "new", prefix + "old"]
    loaded = store.get_run(prefix + "ol")
    assert loaded.stage("retrieval").metric("ndcg@10").ci_high == 0.6
    cases = store.case_results(prefix + "old", "retrieval")
    assert [c.outcome for c in cases] == [Outcome.PASS, Outcome.FAIL]
    assert cases[1].failure_category == FailureCategory.RETRIEVAL_MISS
    assert cases[1].details == {"top10": ["d9"]}
    with pytest.raises(KeyError):
        store.get_run(prefix)  # ambiguous prefix


def test_sqlite_roundtrip_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "runs.db"
    store = ResultStore(sqlite_url(path))
    roundtrip(store)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    store = ResultStore(sqlite_url(tmp_path / "runs.db"))
    run, results = make_run("dup")
    store.save_run(run, results)
    second, more = make_run("other")
    # a stage summary written twice violates the key: the whole run must roll back
    second.stages.append(second.stages[0])
    with pytest.raises(IntegrityError):
        store.save_run(second, more)
    assert [r.run_id for r in store.list_runs()] == ["dup"]
    assert store.case_results("other") == []


@pytest.mark.postgres
def test_postgres_roundtrip(postgres_url: str) -> None:
    roundtrip(ResultStore(postgres_url))


def test_read_methods_for_the_app_and_cli(tmp_path: Path) -> None:
    store = ResultStore(sqlite_url(tmp_path / "read.db"))
    old, old_results = make_run("r-old", 0)
    new, new_results = make_run("r-new", 5)
    store.save_run(old, old_results)
    store.save_run(new, new_results)
    rows = store.case_rows("r-old", "retrieval")
    assert [(r.case_id, r.outcome, r.failure_category) for r in rows] == [
        ("q1", "pass", None),
        ("q2", "fail", "retrieval_miss"),
    ]
    assert rows[0].scores == {"ndcg@10": 1.0}
    assert [r.case_id for r in store.case_rows("r-old", "retrieval", "q2")] == ["q2"]
    full = store.case_result("r-old", "retrieval", "q2")
    assert full is not None and full.details == {"top10": ["d9"]}
    assert store.case_result("r-old", "retrieval", "q2", variant="noisy") is None
    assert store.case_stages("r-old", "q1") == ["retrieval"]
    history = store.case_history("s", "q2")
    assert [h.run_id for h in history] == ["r-new", "r-old"]
    assert history[0].outcome == "fail" and history[0].primary_score == 0.0
