"""Cost from a price table: per result, per stage, additive across repeats and added results."""

import pytest

from evalstage.evalcore.cost import Price, cost_of, price_for
from evalstage.evalcore.outcomes import Outcome
from evalstage.evalcore.records import CaseResult
from evalstage.evalcore.report import StageReport, add_costs, price_report, price_results
from evalstage.evalcore.suite import TargetSpec

PRICES = {"m": Price(input_per_million=1.0, output_per_million=2.0)}
TARGET = TargetSpec(name="openai", args={"model": "m"})


def _result(case: str, prompt: int | None = 1000, completion: int | None = 500) -> CaseResult:
    details = {} if prompt is None else {"prompt_tokens": prompt, "completion_tokens": completion}
    return CaseResult(stage="generation", case_id=case, outcome=Outcome.PASS, details=details)


def _report(*results: CaseResult) -> StageReport:
    return StageReport(
        results=list(results), metrics=[], outcomes={}, failure_categories={}, per_category={}
    )


def test_a_result_costs_its_tokens_at_the_models_price():
    assert cost_of({"prompt_tokens": 1000, "completion_tokens": 500}, PRICES["m"]) == (
        pytest.approx(0.002)
    )
    assert cost_of({"prompt_tokens": 1000}, PRICES["m"]) is None  # not both counts: unmeasured
    assert price_for(PRICES, {"name": "openai", "args": {"model": "other"}}) is None


def test_price_report_prices_every_result_and_sums_the_stage():
    priced = price_report(_report(_result("a"), _result("b", None)), PRICES, TARGET)
    assert priced.results[0].details["cost_usd"] == pytest.approx(0.002)
    assert "cost_usd" not in priced.results[1].details  # no token counts: not priced, not 0
    assert priced.cost == {"usd": pytest.approx(0.002), "cases_priced": 1, "cases": 2, "model": "m"}


def test_costs_add_up_across_repeats_and_results_priced_apart():
    probes, probe_cost = price_results([_result("p", 2000, 0)], PRICES, TARGET)
    assert probes[0].details["cost_usd"] == pytest.approx(0.002)
    repeat = price_report(_report(_result("a")), PRICES, TARGET).cost
    total = add_costs(repeat, repeat, probe_cost, None)
    assert total == {"usd": pytest.approx(0.006), "cases_priced": 3, "cases": 3, "model": "m"}
    assert add_costs(None, None) is None


def test_an_unpriced_target_leaves_the_report_as_it_is():
    report = _report(_result("a"))
    other = TargetSpec(name="openai", args={"model": "unpriced"})
    assert price_report(report, PRICES, other) == report and report.cost is None
