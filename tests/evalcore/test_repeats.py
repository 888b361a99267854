"""Combining repeated runs: pass@k, pass_all@k (pass^k), flip rate, the stored first repeat."""

from evalstage.evalcore.outcomes import Outcome
from evalstage.evalcore.records import CaseResult
from evalstage.evalcore.repeats import REPEAT_METRICS, combine_repeats
from evalstage.generation_eval import GENERATION_METRICS

P, F, E = Outcome.PASS, Outcome.FAIL, Outcome.ERROR


def _run(*outcomes: Outcome) -> list[CaseResult]:
    return [
        CaseResult(stage="retrieval", case_id=f"c{i}", outcome=o, details={"rank": i})
        for i, o in enumerate(outcomes)
    ]


def test_any_all_and_flips_over_the_cases_measured_in_every_repeat():
    repeats = [_run(P, P, F, P, E), _run(P, F, F, P, P), _run(P, P, F, P, P)]
    _, metrics = combine_repeats(repeats, GENERATION_METRICS)
    by_name = {m.name: m for m in metrics}
    # c4 errored once: not counted; c0, c3 always pass; c1 flips; c2 always fails
    assert by_name["pass@3"].value == 0.75 and by_name["pass@3"].n == 4
    assert by_name["pass_all@3"].value == 0.5
    assert by_name["flip_rate"].value == 0.25
    assert by_name["pass@3"].coverage == 4 / 5
    assert by_name["flip_rate"].direction == "lower" and by_name["pass_all@3"].direction == "higher"
    assert "pass^k" in by_name["pass_all@3"].definition
    low, high = by_name["pass_all@3"].ci_low, by_name["pass_all@3"].ci_high
    assert 0.0 <= low < 0.5 < high <= 1.0  # a bootstrap CI, not a point


def test_the_stored_results_are_the_first_repeat_with_every_outcome():
    first, _ = combine_repeats([_run(P, F), _run(F, F)], GENERATION_METRICS)
    assert [r.outcome for r in first] == [P, F]
    assert first[0].details == {"rank": 0, "repeats": ["pass", "fail"], "flipped": True}
    assert first[1].details == {"rank": 1, "repeats": ["fail", "fail"]}


def test_a_case_missing_from_a_repeat_is_not_measured_there():
    first, metrics = combine_repeats([_run(P, P), _run(P)], GENERATION_METRICS)
    assert first[1].details["repeats"] == ["pass", None]
    assert {m.name: m.n for m in metrics}["pass@2"] == 1


def test_every_stage_declares_the_repeat_metrics():
    from evalstage.agent_eval._stage import AGENT_METRICS
    from evalstage.retrieval_eval._metrics import RETRIEVAL_METRICS

    for catalog in (GENERATION_METRICS, RETRIEVAL_METRICS, AGENT_METRICS):
        for metric in REPEAT_METRICS:
            assert catalog.get(metric.name) is not None
        assert catalog.get("pass_all@5") is not None and catalog.direction("flip_rate") == "lower"
