"""Gates on synthetic runs: thresholds, canaries, regressions, the manifest section."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from suite_fixtures import write_tiny_suite

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.gates import evaluate_gates
from evalstage.evalcore.outcomes import FailureCategory, Outcome
from evalstage.evalcore.records import CaseResult, MetricSummary, RunRecord, StageSummary
from evalstage.evalcore.suite import Bound, GatesSpec, load_suite
from evalstage.generation_eval import GENERATION_METRICS
from evalstage.retrieval_eval import RETRIEVAL_METRICS


def run_of(results: list[CaseResult], status: str = "completed", run_id: str = "r") -> RunRecord:
    passed = [r.outcome == Outcome.PASS for r in results]
    mrr = sum(r.scores.get("mrr", 0.0) for r in results) / len(results)
    return RunRecord(
        run_id=run_id,
        suite_name="s",
        suite_version="1",
        suite_hash="h",
        status=status,
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        stages=[
            StageSummary(
                stage="retrieval",
                target={"name": "bm25"},
                metrics=[
                    MetricSummary(
                        name="pass_rate",
                        value=sum(passed) / len(passed),
                        ci_low=0.0,
                        ci_high=1.0,
                        n=len(passed),
                        coverage=1.0,
                    ),
                    MetricSummary(name="mrr", value=mrr, ci_low=0, ci_high=1, n=10, coverage=1),
                ],
            )
        ],
    )


def results_of(good: int, n: int = 10, canary_fails: bool = False) -> list[CaseResult]:
    """``good`` passing cases (mrr 1) then failing ones (mrr 0, retrieval_miss)."""
    out = [
        CaseResult(
            stage="retrieval",
            case_id=f"q{i}",
            outcome=Outcome.PASS if i < good else Outcome.FAIL,
            failure_category=None if i < good else FailureCategory.RETRIEVAL_MISS,
            reason="" if i < good else "hit@1 = 0 < 1",
            scores={"mrr": 1.0 if i < good else 0.0},
        )
        for i in range(n)
    ]
    out.append(
        CaseResult(
            stage="retrieval",
            case_id="canary",
            outcome=Outcome.FAIL if canary_fails else Outcome.PASS,
            canary=True,
            scores={"mrr": 0.0 if canary_fails else 1.0},
        )
    )
    return out


def test_bound_parsing_and_checks() -> None:
    assert Bound.model_validate(0.6) == Bound(min=0.6)
    assert Bound.model_validate({"max": 0.2}).holds(0.2)
    assert not Bound.model_validate({"max": 0.2}).holds(0.21)
    assert Bound(min=0.5, max=0.9).describe() == "in [0.5, 0.9]"
    with pytest.raises(ValueError, match=r"min 0\.9 is larger than max 0\.1"):
        Bound.model_validate({"min": 0.9, "max": 0.1})
    with pytest.raises(ValueError, match="write a minimum"):
        Bound.model_validate({})


def test_direction_of_metrics_comes_from_the_declarations() -> None:
    generation = StageSummary(stage="generation", target={}, declared=GENERATION_METRICS)
    for name in ("rate:hallucination", "over_refusal_rate", "counterfactual_adoption_rate"):
        assert generation.direction(name) == "lower", name
    for name in ("pass_rate", "pass_rate:noisy_context", "conflict_detection_rate"):
        assert generation.direction(name) == "higher", name
    assert generation.direction("counterfactual_adopted") == "lower"
    assert generation.direction("abstained") == "none"
    retrieval = StageSummary(stage="retrieval", target={}, declared=RETRIEVAL_METRICS)
    assert retrieval.direction("ndcg@10") == "higher"
    assert RETRIEVAL_METRICS.definition("recall@100").startswith("recall@k =")


def test_thresholds_pass_and_fail() -> None:
    results = results_of(good=7)
    spec = GatesSpec.model_validate(
        {"thresholds": {"retrieval": {"pass_rate": 0.8, "mrr": {"max": 0.9}}}}
    )
    report = evaluate_gates(spec, run_of(results), results)
    by_name = {g.name: g for g in report.gates}
    assert by_name["threshold retrieval pass_rate"].status == "fail"
    assert by_name["threshold retrieval pass_rate"].threshold == ">= 0.8"
    assert by_name["threshold retrieval mrr"].status == "pass"
    assert by_name["canaries"].status == "pass"
    assert by_name["regression"].status == "skipped"
    assert not report.passed and [g.name for g in report.failed] == [
        "threshold retrieval pass_rate"
    ]
    ok = GatesSpec.model_validate({"thresholds": {"retrieval": {"pass_rate": 0.7}}})
    assert evaluate_gates(ok, run_of(results), results).passed


def test_threshold_on_unreported_metric_names_the_line(tmp_path: Path) -> None:
    manifest = tmp_path / "suite.yaml"
    manifest.write_text("gates:\n  thresholds:\n    retrieval:\n      ndcg@10: 0.5\n")
    spec = GatesSpec.model_validate({"thresholds": {"retrieval": {"ndcg@10": 0.5}}})
    results = results_of(good=10)
    with pytest.raises(SuiteError) as caught:
        evaluate_gates(spec, run_of(results), results, manifest_path=manifest)
    error = caught.value
    assert error.line == 4 and error.field == "gates.thresholds.retrieval.ndcg@10"
    assert "not reported by stage 'retrieval'; reported: pass_rate, mrr" in error.message


def test_failing_canary_or_invalid_run_fails_the_gate() -> None:
    results = results_of(good=10, canary_fails=True)
    report = evaluate_gates(GatesSpec(), run_of(results, status="invalid"), results)
    canary = next(g for g in report.gates if g.name == "canaries")
    assert canary.status == "fail" and "retrieval:canary" in canary.detail
    assert not report.passed
    off = GatesSpec.model_validate({"canaries": False})
    assert evaluate_gates(off, run_of(results, status="invalid"), results).passed


def test_significant_drop_is_a_regression_and_no_change_is_not() -> None:
    base, worse = results_of(good=10), results_of(good=2)
    report = evaluate_gates(GatesSpec(), run_of(worse), worse, run_of(base, run_id="b"), base)
    by_name = {g.name: g for g in report.gates}
    mrr = by_name["regression retrieval mrr"]
    assert mrr.status == "fail" and mrr.delta == pytest.approx(-8 / 11)
    assert mrr.p_value is not None and mrr.p_value < 0.05
    assert mrr.ci_high is not None and mrr.ci_high < 0
    category = by_name["regression retrieval rate:retrieval_miss"]
    assert category.status == "fail" and category.delta == pytest.approx(8 / 11)
    assert report.comparisons[0].newly_failing == [f"q{i}" for i in range(2, 10)]
    assert report.baseline_run_id == "b" and not report.passed

    same = evaluate_gates(GatesSpec(), run_of(base), base, run_of(base, run_id="b"), base)
    assert same.passed and all(g.p_value == 1.0 for g in same.gates if g.kind == "regression")
    # an improvement is never a regression
    better = evaluate_gates(GatesSpec(), run_of(base), base, run_of(worse, run_id="b"), worse)
    assert better.passed


def test_min_delta_alpha_and_metric_list() -> None:
    base, worse = results_of(good=10), results_of(good=2)
    lenient = GatesSpec.model_validate({"regression": {"min_delta": 0.9}})
    assert evaluate_gates(lenient, run_of(worse), worse, run_of(base), base).passed
    strict_alpha = GatesSpec.model_validate({"regression": {"alpha": 0.001}})
    assert evaluate_gates(strict_alpha, run_of(worse), worse, run_of(base), base).passed
    only = GatesSpec.model_validate(
        {"regression": {"metrics": {"retrieval": ["mrr"]}, "categories": False}}
    )
    report = evaluate_gates(only, run_of(worse), worse, run_of(base), base)
    assert [g.name for g in report.gates if g.kind != "canaries"] == ["regression retrieval mrr"]
    unknown = GatesSpec.model_validate({"regression": {"metrics": {"retrieval": ["ndcg@10"]}}})
    with pytest.raises(SuiteError, match="no per-case values in stage 'retrieval'"):
        evaluate_gates(unknown, run_of(worse), worse, run_of(base), base)
    off = GatesSpec.model_validate({"regression": False})
    report = evaluate_gates(off, run_of(worse), worse, run_of(base), base)
    assert report.passed and report.gates[-1].detail == "off in suite.yaml"


@pytest.mark.parametrize(
    ("section", "line", "field", "message"),
    [
        (
            "gates:\n  thresholds:\n    retrieval:\n      mrr: {max: high}\n",
            4,
            "gates.thresholds.retrieval.mrr.max",
            "valid number",
        ),
        (
            "gates:\n  regression:\n    alpha: 1.5\n",
            3,
            "gates.regression.alpha",
            "less than 1",
        ),
        (
            "gates:\n  regression:\n    metrics: some\n",
            3,
            "gates.regression.metrics",
            "neither 'all' nor a mapping",
        ),
        ("gates:\n  canary: true\n", 2, "gates.canary", "Extra inputs"),
        (
            "gates:\n  thresholds:\n    generation: {faithfulness: 0.8}\n",
            3,
            "gates.thresholds.generation",
            "does not declare",
        ),
    ],
)
def test_bad_gates_section_names_file_line_field(
    tmp_path: Path, section: str, line: int, field: str, message: str
) -> None:
    suite = write_tiny_suite(tmp_path / "tiny", extra_options=section)
    line += len((suite / "suite.yaml").read_text().splitlines()) - section.count("\n")
    with pytest.raises(SuiteError) as caught:
        load_suite(suite)
    error = caught.value
    assert (error.path, error.line, error.field) == (str(suite / "suite.yaml"), line, field)
    assert message in error.message


def test_gates_section_loads(tmp_path: Path) -> None:
    section = (
        "gates:\n"
        "  thresholds:\n"
        '    retrieval: {ndcg@3: 0.6, "rate:retrieval_miss": {max: 0.2}}\n'
        "  regression: {alpha: 0.01, min_delta: 0.02, metrics: {retrieval: [mrr]}}\n"
        "  canaries: false\n"
    )
    gates = load_suite(write_tiny_suite(tmp_path / "tiny", extra_options=section)).manifest.gates
    assert gates.thresholds["retrieval"]["rate:retrieval_miss"] == Bound(max=0.2)
    assert gates.regression is not None and gates.regression.metrics == {"retrieval": ["mrr"]}
    assert not gates.canaries
    default = load_suite(write_tiny_suite(tmp_path / "plain")).manifest.gates
    assert default == GatesSpec() and default.regression is not None
