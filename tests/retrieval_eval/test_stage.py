"""The retrieval stage entry point: outcomes, error handling, coverage."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from suite_fixtures import write_beir_suite, write_tiny_suite

from evalstage.evalcore import Outcome, SuiteError, TargetSpec, load_suite
from evalstage.retrieval_eval import (
    RetrievalCase,
    RetrievalContext,
    RetrievalOptions,
    TargetOutput,
    load_retrieval_inputs,
    run_target,
    score_retrieval,
)

CASES = [
    RetrievalCase(query_id="q1", query="a", relevant={"d1": 1}, category="x"),
    RetrievalCase(query_id="q2", query="b", relevant={"d2": 1}, category="y"),
    RetrievalCase(query_id="q3", query="c", relevant={"d3": 0}),  # nothing relevant
    RetrievalCase(query_id="q4", query="d", relevant={"d4": 1}, retired_in="2"),
    RetrievalCase(query_id="q5", query="e", relevant={"d5": 1}, canary=True),
]


def test_outcomes_coverage_and_categories() -> None:
    output = TargetOutput(
        ranking={"q1": {"d1": 2.0, "d9": 1.0}, "q2": {"d9": 1.0, "d2": 0.5}, "q3": {"d3": 1.0}},
        errors={"q5": "TimeoutError: backend down"},
    )
    options = RetrievalOptions(measures=["mrr", "ndcg@10"], pass_measure="hit@1")
    report = score_retrieval(RetrievalContext(cases=CASES, output=output, options=options))
    by_id = {r.case_id: r for r in report.results}
    assert set(by_id) == {"q1", "q2", "q3", "q5"}  # retired q4 is skipped
    assert by_id["q1"].outcome == Outcome.PASS
    assert by_id["q2"].outcome == Outcome.FAIL
    assert by_id["q2"].failure_category == "retrieval_miss"
    assert by_id["q2"].scores["mrr"] == 0.5
    assert by_id["q3"].outcome == Outcome.UNMEASURED
    assert by_id["q5"].outcome == Outcome.ERROR and "backend down" in by_id["q5"].reason
    assert by_id["q5"].canary
    mrr = report.metric("mrr")
    assert (mrr.value, mrr.n, mrr.coverage) == (0.75, 2, 0.5)
    assert report.outcomes == {"pass": 1, "fail": 1, "unmeasured": 1, "error": 1}
    assert report.per_category["y"]["pass_rate"] == 0.0


def test_callable_target_errors_are_per_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "my_system.py").write_text(
        "def search(query, k):\n"
        "    if query == 'boom':\n"
        "        raise RuntimeError('index offline')\n"
        "    return [('d1', 2.0), ('d2', 1.0)]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    out = run_target(
        TargetSpec(name="callable", args={"function": "my_system:search"}),
        {"q1": "fine", "q2": "boom"},
        [],
        10,
    )
    assert out.ranking == {"q1": {"d1": 2.0, "d2": 1.0}}
    assert out.errors == {"q2": "RuntimeError: index offline"}
    sys.modules.pop("my_system", None)


def test_unimportable_callable_is_a_user_error() -> None:
    with pytest.raises(SuiteError, match="cannot import"):
        run_target(TargetSpec(name="callable", args={"function": "nope.nowhere:f"}), {}, [], 10)


def test_run_file_target_reads_relative_to_suite(tmp_path: Path) -> None:
    (tmp_path / "run.trec").write_text("q1 Q0 d2 1 3.0 sys\nq1 Q0 d1 2 4.0 sys\n")
    out = run_target(
        TargetSpec(name="run_file", args={"path": "run.trec"}),
        {"q1": "x", "q2": "y"},
        [],
        10,
        suite_root=tmp_path,
    )
    assert out.ranking == {"q1": {"d2": 3.0, "d1": 4.0}, "q2": {}}


def test_unknown_target_names_choices() -> None:
    with pytest.raises(SuiteError) as info:
        run_target(TargetSpec(name="bm52"), {}, [], 10)
    assert "bm25" in (info.value.hint or "")


def test_bm25_suite_end_to_end_without_prefect(tiny_suite: Path) -> None:
    inputs = load_retrieval_inputs(load_suite(tiny_suite))
    output = run_target(
        inputs.target,
        {c.query_id: c.query for c in inputs.active_cases},
        inputs.documents,
        inputs.options.depth,
    )
    report = score_retrieval(
        RetrievalContext(cases=inputs.cases, output=output, options=inputs.options)
    )
    assert report.outcomes == {"pass": 4}
    assert report.metric("mrr").value == 1.0


def test_bad_option_points_at_suite_yaml(tmp_path: Path) -> None:
    suite = write_tiny_suite(tmp_path / "s", extra_options="      depht: 3\n")
    with pytest.raises(SuiteError) as info:
        load_retrieval_inputs(load_suite(suite))
    assert info.value.field == "stages.retrieval.options.depht"
    assert info.value.line == 12 and "depth" in (info.value.hint or "")


def test_judged_doc_missing_from_corpus(tiny_suite: Path) -> None:
    with (tiny_suite / "retrieval.jsonl").open("a") as handle:
        handle.write('{"query_id": "q9", "query": "x", "relevant": {"nope": 1}}\n')
    with pytest.raises(SuiteError) as info:
        load_retrieval_inputs(load_suite(tiny_suite))
    assert info.value.line == 5 and info.value.field == "relevant"


def test_unknown_measure_in_options_points_at_its_line(tmp_path: Path) -> None:
    suite = write_tiny_suite(tmp_path / "s", extra_options="      relevance_level: 1\n")
    text = (suite / "suite.yaml").read_text().replace("[ndcg@3, recall@3, mrr]", "[ndcg@3, nDGC@5]")
    (suite / "suite.yaml").write_text(text)
    with pytest.raises(SuiteError) as info:
        load_retrieval_inputs(load_suite(suite))
    assert info.value.field == "stages.retrieval.options.measures"
    assert info.value.line == 10 and "nDGC@5" in info.value.message


def test_beir_folder_as_suite_data(tmp_path: Path) -> None:
    suite = write_beir_suite(tmp_path / "suite")
    inputs = load_retrieval_inputs(load_suite(suite))
    assert [c.query_id for c in inputs.cases] == ["q1", "q2"]
    assert [d.doc_id for d in inputs.documents] == ["d1", "d2", "d3"]
    output = run_target(
        inputs.target, {c.query_id: c.query for c in inputs.cases}, inputs.documents, 10
    )
    report = score_retrieval(
        RetrievalContext(cases=inputs.cases, output=output, options=inputs.options)
    )
    assert report.metric("mrr").value == 1.0
