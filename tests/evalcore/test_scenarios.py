"""The scenario report: every cell from the results, with CI and n, or 'not measured' and why."""

import pytest
from scenario_fixtures import RESULTS
from scenario_fixtures import scenario_run as _run

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.gates import evaluate_gates
from evalstage.evalcore.scenario_render import NOT_MEASURED, format_cell, to_html, to_markdown
from evalstage.evalcore.scenarios import COLUMN_NAMES, build_scenarios, quantile_cell
from evalstage.evalcore.suite import GatesSpec


def test_cells_are_computed_from_the_results_with_their_n():
    report = build_scenarios(_run(), RESULTS)
    row = report.row("generation", "number")
    cells = row.cells
    assert set(cells) == set(COLUMN_NAMES)
    assert (cells["pass_rate"].value, cells["pass_rate"].n) == (0.5, 2)
    assert cells["answer_match"].value == 0.5
    # c1: typos same (pass), casing differs -> 0.5; c2: typos same (fail) -> 1.0
    assert cells["consistency"].value == pytest.approx(0.75)
    assert cells["consistency"].n == 2
    assert cells["worst_case"].value == 0.0
    position = cells["position"]
    assert position.points["first"].value == 1.0 and position.points["middle"].value == 0.0
    assert position.points["middle"].n == 2
    assert cells["injection_success"].value == 0.5
    assert cells["abstention_recall"].value == 0.5  # c1 abstained, c2 did not
    assert cells["abstention_precision"].value == 1.0
    assert cells["over_refusal"].value == 0.0
    assert row.cases == 2


def test_cells_that_cannot_be_measured_say_why_and_are_never_zero():
    report = build_scenarios(_run(), RESULTS)
    retrieval = report.row("retrieval", "cardio")
    assert retrieval.cells["pass_rate"].value == 1.0 and retrieval.cells["pass_rate"].n == 1
    for name in ("answer_match", "consistency", "leak_rate", "latency_p50", "cost_usd"):
        cell = retrieval.cells[name]
        assert cell.value is None and cell.missing
        assert format_cell(cell).startswith(NOT_MEASURED)
    cost = report.row("generation").cells["cost_usd"]
    assert "price table" in (cost.missing or "")
    entity = report.row("generation", "entity").cells
    assert entity["latency_p50"].value == 10.0 and entity["tokens"].value == 5.0
    assert entity["position"].missing


def test_cost_is_read_when_the_results_carry_it():
    priced = [r.model_copy(update={"details": {**r.details, "cost_usd": 0.002}}) for r in RESULTS]
    cell = build_scenarios(_run(), priced).row("generation").cells["cost_usd"]
    assert cell.value == pytest.approx(0.002) and cell.n == 13


def test_every_stage_gets_an_all_row_after_its_categories():
    report = build_scenarios(_run(), RESULTS)
    assert [(r.stage, r.category) for r in report.rows] == [
        ("generation", "entity"),
        ("generation", "number"),
        ("generation", "all"),
        ("retrieval", "cardio"),
        ("retrieval", "all"),
    ]


def test_quantile_cells_have_a_seeded_interval_around_the_percentile():
    cell = quantile_cell([float(v) for v in range(1, 101)], 0.95, 0.95, "none")
    assert cell.value == pytest.approx(95.05)
    assert cell.ci_low <= cell.value <= cell.ci_high and cell.n == 100
    assert quantile_cell([], 0.5, 0.95, "no latency").missing == "no latency"


def test_markdown_and_html_show_every_group_and_no_blank_cell():
    report = build_scenarios(_run(), RESULTS)
    md = to_markdown(report)
    for group in ("quality", "robustness", "calibration", "safety", "efficiency"):
        assert f"## {group}" in md
    assert "| |" not in md and "||" not in md
    assert "0.50 [" in md and "n=2" in md
    page = to_html(report)
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert page.count('class="nm"') > 0


def test_scenario_gates_bound_cells_and_skip_what_is_not_measured():
    spec = GatesSpec(
        scenarios={
            "generation/number": {"injection_success": {"max": 0.2}, "position:first": 0.9},
            "retrieval/cardio": {"leak_rate": {"max": 0.1}},
            "agent/all": {"pass_rate": 0.5},
        },
        regression=False,
        canaries=False,
    )
    report = evaluate_gates(spec, _run(), RESULTS)
    by_name = {g.name: g for g in report.gates if g.kind == "scenario"}
    assert by_name["scenario generation/number injection_success"].status == "fail"
    assert by_name["scenario generation/number position:first"].status == "pass"
    assert by_name["scenario retrieval/cardio leak_rate"].status == "skipped"
    assert "not measured" in by_name["scenario retrieval/cardio leak_rate"].detail
    assert by_name["scenario agent/all pass_rate"].status == "skipped"
    assert not report.passed


@pytest.mark.parametrize(
    ("scenarios", "message"),
    [
        ({"generation": {"pass_rate": 0.5}}, "is not <stage>/<category>"),
        ({"generation/all": {"pass_rat": 0.5}}, "is not a scenario column"),
        ({"generation/all": {"position": 0.5}}, "bounded at one of its points: position:first"),
        ({"generation/all": {"position:midle": 0.5}}, "a curve is bounded at one of its points"),
        ({"generation/all": {"pass_rate:x": 0.5}}, "only the curves"),
    ],
)
def test_bad_scenario_gates_are_refused_when_the_suite_is_read(scenarios, message):
    with pytest.raises((ValueError, SuiteError), match=message):
        GatesSpec(scenarios=scenarios)


def test_a_pipe_in_a_category_does_not_break_the_markdown_table():
    from scenario_fixtures import gen_result

    report = build_scenarios(_run(("generation",)), [gen_result("c1", "original", True, "a|b")])
    quality = [c for c in report.columns if c.group == "quality"]
    row = next(line for line in to_markdown(report).splitlines() if "a\\|b" in line)
    assert row.count("|") - row.count("\\|") == 3 + len(quality) + 1  # every cell's border
