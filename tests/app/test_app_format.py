"""Values formatted for a person (app/fmt.py, ui.display) and the pages that show them."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from evalstage.app import fmt
from evalstage.app.charts import delta_verdicts
from evalstage.app.ui import display
from evalstage.evalcore.store import ResultStore, sqlite_url

TIMEOUT = 60
REPR = re.compile(r"\{'|'\s*:\s|\bNone\b|\[\]|\{\}")


def test_numbers_cis_latency_tokens_outcomes() -> None:
    assert fmt.number(0.68745) == "0.687"
    assert fmt.number(1234) == "1,234"
    assert fmt.number(None) == fmt.DASH and fmt.number(math.nan) == fmt.DASH
    assert fmt.with_ci(0.75, 0.65, 0.85, 4) == "0.750 [0.650, 0.850] · n=4"
    assert fmt.duration_ms(0.6912) == "0.69 ms"
    assert fmt.duration_ms(2985.2) == "2.99 s"
    assert fmt.duration_ms(300_000) == "5 min 0 s"
    assert fmt.latency({"p50": 0.69, "p95": 120.4}) == "p50 0.69 ms · p95 120 ms"
    assert fmt.latency(None) == fmt.DASH
    assert fmt.tokens({"prompt": 1234, "completion": 56}) == "1,234 prompt · 56 completion"
    assert fmt.outcomes_text({"fail": 255, "pass": 161}) == "pass 161 · fail 255"
    assert fmt.signed(0.125) == "+0.125"


def test_text_never_a_repr() -> None:
    assert fmt.text(None) == fmt.DASH
    assert fmt.text([]) == fmt.DASH and fmt.text({}) == fmt.DASH
    assert fmt.text(["a", "b"]) == "a, b"
    assert fmt.text({"p50": 0.5, "n": 3}) == "p50 0.500; n 3"
    assert fmt.text(True) == "yes"
    assert fmt.target_name({"name": "extractive", "args": {}}) == "extractive"
    assert fmt.target_name({"name": "dense", "args": {"k": 100}}) == "dense (k 100)"
    assert fmt.flatten({"a": {"b": 1}, "c": {}}) == [("a.b", 1), ("c", {})]
    for value in (None, [], {}, {"name": "x", "args": {}}, [None], {"a": None}):
        assert not REPR.search(fmt.text(value)), value


def test_display_frames_keep_numbers_and_dash_text() -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "tags": [["x", "y"], []],
            "note": [None, ""],
            "score": [0.5, math.nan],
        }
    )
    shown = display(frame)
    assert shown["tags"].tolist() == ["x, y", fmt.DASH]
    assert shown["note"].tolist() == [fmt.DASH, ""]  # an empty string is a deliberate blank
    assert pd.api.types.is_float_dtype(shown["score"])  # numbers stay numbers (they sort)


def test_delta_verdicts_follow_direction_and_significance() -> None:
    table = pd.DataFrame(
        {
            "delta": [0.2, 0.2, -0.1, 0.01],
            "ci_low": [0.1, 0.1, -0.2, -0.05],
            "ci_high": [0.3, 0.3, -0.05, 0.07],
            "p_value": [0.01, 0.01, 0.02, 0.6],
            "direction": ["higher", "lower", "higher", "higher"],
        }
    )
    assert delta_verdicts(table).tolist() == ["better", "worse", "worse", "no clear change"]


@pytest.fixture(autouse=True)
def _store_env(monkeypatch: pytest.MonkeyPatch, fx: dict[str, Any]) -> None:
    monkeypatch.setenv("EVALSTAGE_STORE", fx["url"])
    monkeypatch.chdir(fx["root"])


def _page(fx: dict[str, Any], page: str, **params: str) -> AppTest:
    at = AppTest.from_file(fx["main"], default_timeout=TIMEOUT)
    at.switch_page(page)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    return "\n".join(str(t.value) for t in at.text)


def test_stage_headers_are_formatted(fx: dict[str, Any]) -> None:
    for run in (fx["run_a"], fx["run_gen_a"]):
        at = _page(fx, "app_pages/run.py", run_id=run)
        text = _texts(at)
        assert "target: " in text and "latency: " in text
        assert not REPR.search(text), text
        assert any("-badge[pass" in str(m.value) for m in at.markdown)


def test_compare_draws_forest_plot_and_names_targets(fx: dict[str, Any]) -> None:
    at = _page(fx, "app_pages/compare.py", a=fx["run_a"], b=fx["run_b"])
    text = _texts(at)
    assert "A target: bm25\nB target: dense" in text
    assert any(s.value == "Metric deltas (B − A, 95% CI)" for s in at.subheader)
    # per stage: the forest plot and failure-category and case-category change bars
    assert len(at.get("vega_lite_chart")) >= 4
    assert not at.warning  # same suite version and stages


def test_compare_warns_on_suite_version_and_stages(
    fx: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = ResultStore(fx["url"])
    url = sqlite_url(tmp_path / "runs.db")
    store = ResultStore(url)
    a, b = source.get_run(fx["run_a"]), source.get_run(fx["run_b"])
    b = b.model_copy(update={"suite_version": "1.1", "stages": b.stages[:1]})
    for run in (a, b):
        store.save_run(run, source.case_results(run.run_id, "retrieval"))
    source.engine.dispose()
    store.engine.dispose()
    monkeypatch.setenv("EVALSTAGE_STORE", url)
    at = _page(fx, "app_pages/compare.py", a=fx["run_a"], b=fx["run_b"])
    warnings = " ".join(w.value for w in at.warning)
    assert "different versions of suite fx (A: 1.0" in warnings and "B: 1.1" in warnings
    assert "different stages (A: retrieval, agent; B: retrieval)" in warnings


def test_case_page_warns_when_the_suite_folder_changed(fx: dict[str, Any]) -> None:
    at = _page(fx, "app_pages/case.py", run_id=fx["run_a"], case_id="q1")
    at.text_input(key="case_suite_folder").set_value(str(fx["suite"])).run()
    # the fixture run records suite_hash "fff…", not the folder's content hash
    assert any("differs from the suite this run used" in w.value for w in at.warning)
    text = _texts(at)
    assert "tags: —" in text and "retired in: —" in text
    assert not REPR.search(text), text


def test_the_case_page_finds_the_suite_folder_the_run_read(tiny_suite: Path) -> None:
    from datetime import UTC, datetime

    from evalstage.app.data import run_suite_folder
    from evalstage.evalcore import load_suite
    from evalstage.evalcore.records import RunRecord
    from evalstage.evalcore.report import stage_summary
    from evalstage.flows.retrieval import retrieve_batch, score_batch
    from evalstage.retrieval_eval import load_retrieval_inputs

    suite = load_suite(tiny_suite)
    inputs = load_retrieval_inputs(suite)
    summary = stage_summary("retrieval", inputs, score_batch(retrieve_batch(inputs)), 0.0)
    assert summary.config["suite_dir"] == str(tiny_suite.resolve())
    run = RunRecord(
        run_id="r1",
        suite_name="tiny",
        suite_version="0.1",
        suite_hash=suite.content_hash,
        started_at=datetime.now(UTC),
        stages=[summary],
    )
    assert run_suite_folder(run) == str(tiny_suite.resolve())
    (tiny_suite / "suite.yaml").unlink()  # moved or deleted since: no folder to offer
    assert run_suite_folder(run) == ""


def test_cost_is_shown_when_priced_and_a_dash_when_not_measured():
    summary = {"usd": 0.01234, "cases_priced": 40, "cases": 45, "model": "m"}
    assert fmt.cost(summary) == "$0.0123 (40 of 45 priced)"
    assert fmt.cost(None) == fmt.DASH and fmt.cost({}) == fmt.DASH
