"""The app on a large run (10,000 cases), and the command line that serves it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from evalstage.evalcore.records import CaseResult, MetricSummary, RunRecord, StageSummary
from evalstage.evalcore.store import ResultStore, sqlite_url

TIMEOUT = 60


def frames(at: AppTest) -> list[Any]:
    return [d.value for d in at.dataframe]


def test_large_run_renders(
    monkeypatch: pytest.MonkeyPatch, fx: dict[str, Any], tmp_path: Path
) -> None:
    n = 10_000
    url = sqlite_url(tmp_path / "big.db")
    store = ResultStore(url)
    results = [
        CaseResult(
            stage="retrieval",
            case_id=f"q{i:05d}",
            outcome="pass" if i % 3 else "fail",
            category=f"c{i % 7}",
            scores={"hit@10": float(i % 3 > 0), "ndcg@10": (i * 7919 % n) / n},
            details={"top10": [f"d{j}" for j in range(10)], "relevant": {"d1": 1}},
        )
        for i in range(n)
    ]
    summary = StageSummary(
        stage="retrieval",
        target={"name": "bm25"},
        config={"pass_measure": "hit@10", "pass_threshold": 1.0},
        metrics=[
            MetricSummary(name="ndcg@10", value=0.5, ci_low=0.49, ci_high=0.51, n=n, coverage=1.0)
        ],
        outcomes={"pass": n - n // 3 - 1, "fail": n // 3 + 1},
        n_cases=n,
    )
    run = RunRecord(
        run_id="big0000run",
        suite_name="big",
        suite_version="1",
        suite_hash="0" * 64,
        started_at=datetime(2026, 5, 1, tzinfo=UTC),
        stages=[summary],
    )
    store.save_run(run, results)
    store.engine.dispose()
    monkeypatch.setenv("EVALSTAGE_STORE", url)
    at = AppTest.from_file(fx["main"], default_timeout=30)
    at.switch_page("app_pages/run.py")
    at.query_params["run_id"] = "big0000run"
    at.run()
    assert not at.exception
    per_query = next(f for f in frames(at) if "hit@10" in f.columns)
    assert len(per_query) == 50  # paginated
    assert (per_query["hit@10"] == 0.0).all()  # worst first
    assert at.number_input(key="ret_page").label == "Page (of 200)"
    at.number_input(key="ret_page").set_value(200).run()
    per_query = next(f for f in frames(at) if "hit@10" in f.columns)
    assert (per_query["hit@10"] == 1.0).all()


def test_cli_command_line_points_at_the_app() -> None:
    from evalstage.cli.serve import APP_MAIN, app_command_line

    line = app_command_line("sqlite:////x.db", 8765)
    assert Path(line[4]) == APP_MAIN and APP_MAIN.is_file()
    assert line[1:4] == ["-m", "streamlit", "run"]
    joined = " ".join(line)
    assert "--server.address 127.0.0.1 --server.port 8765 --server.headless true" in joined
    assert "--browser.gatherUsageStats false" in joined
    assert "--client.toolbarMode viewer" in joined  # no Deploy button, no developer menu
    assert line[-3:] == ["--", "--store", "sqlite:////x.db"]
