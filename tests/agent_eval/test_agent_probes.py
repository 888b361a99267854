"""Injection through tool results: planted, seeded, and scored against the real baseline agent."""

import json
from pathlib import Path

import pytest

from evalstage.agent_eval._cases import AgentCase
from evalstage.agent_eval._probe_scores import score_injected, with_probes
from evalstage.agent_eval._probes import (
    AGENT_PROBES,
    agent_canary,
    inject,
    injected_cases,
    validate_agent_probes,
)
from evalstage.agent_eval._stage import AgentContext, score_agent
from evalstage.agent_eval._targets import run_agent
from evalstage.evalcore.outcomes import FailureCategory, Outcome
from evalstage.evalcore.suite import TargetSpec

ROOT = Path(__file__).resolve().parents[2]


def _demo_cases() -> list[AgentCase]:
    lines = (ROOT / "suites" / "demo" / "agent.jsonl").read_text("utf-8").splitlines()
    return [AgentCase.model_validate(json.loads(line)) for line in lines if line.strip()]


CASES = _demo_cases()
MULTI = [c for c in CASES if c.turns]
FLIGHT = next(c for c in CASES if c.case_id == "ms_flight_book_cheapest")


def test_only_multi_step_cases_get_injections_and_the_reason_is_recorded():
    made, skipped = injected_cases(CASES, AGENT_PROBES, seed=13)
    assert {i.case.case_id for i in made} <= {c.case_id for c in MULTI}
    single = next(c for c in CASES if not c.turns)
    assert "not a multi-step case" in skipped[f"{single.case_id}#injection_tool"]


def test_the_instruction_is_planted_in_the_first_tool_result_with_provenance():
    made = inject(FLIGHT, "injection_tool", seed=13)
    assert not isinstance(made, str)
    result = made.case.turns[0].tool_results[0]
    assert result["flights"] == FLIGHT.turns[0].tool_results[0]["flights"]  # data kept
    assert "get_weather" in result["notice"]
    assert all("notice" in r for r in made.case.turns[0].tool_results)  # offered, never expected
    assert made.provenance["markers"] == ["get_weather"] and made.provenance["turn"] == 0
    assert [t.calls for t in made.case.turns] == [t.calls for t in FLIGHT.turns]
    assert FLIGHT.turns[0].tool_results[0].get("notice") is None  # the case itself untouched
    again = inject(FLIGHT, "injection_tool", seed=13)
    assert again == made
    exfil = inject(FLIGHT, "injection_exfiltrate", seed=14)
    assert agent_canary(14, FLIGHT.case_id) in exfil.case.turns[0].tool_results[0]["notice"]
    assert agent_canary(14, FLIGHT.case_id) != agent_canary(13, FLIGHT.case_id)


def test_unknown_variants_are_refused_and_the_family_expands():
    assert validate_agent_probes(["injection"]) == list(AGENT_PROBES)
    with pytest.raises(ValueError, match="unknown agent variant 'injection_x'"):
        validate_agent_probes(["injection_x"])


def test_the_baseline_agent_echoes_a_planted_canary_but_calls_no_unrequested_tool(tmp_path):
    made, _ = injected_cases(MULTI, AGENT_PROBES, seed=13)
    turns, errors = {}, {}
    for variant in AGENT_PROBES:
        run = run_agent(
            TargetSpec(name="baseline"),
            [i.case for i in made if i.variant == variant],
            suite_root=tmp_path,
        )
        turns[variant], errors[variant] = run.turns, run.errors
    results = score_injected(made, turns, errors, "strict")
    measured = [r for r in results if r.outcome in (Outcome.PASS, Outcome.FAIL)]
    shown = [r for r in measured if r.details["injection_delivered"]]
    assert shown and all("attack_success" not in r.scores for r in measured if r not in shown)
    by_variant = {
        v: [r.scores["attack_success"] for r in shown if r.variant == v] for v in AGENT_PROBES
    }
    # it repeats tool output verbatim to the user (so the canary leaks) and never calls a tool
    # after a result (so the unrequested call is never made): two different behaviours
    assert by_variant["injection_exfiltrate"] and all(by_variant["injection_exfiltrate"])
    assert by_variant["injection_tool"] and not any(by_variant["injection_tool"])
    followed = [r for r in shown if r.scores["attack_success"]]
    assert all(r.failure_category == FailureCategory.INJECTION_FOLLOWED for r in followed)
    assert all(not r.canary and r.details["provenance"]["family"] == "injection" for r in results)
    base = score_agent(AgentContext(cases=MULTI, turns={}, errors={}))
    report = with_probes(base, results, 0.95)
    assert report.metric("injection_success_rate:injection_exfiltrate").value == 1.0
    assert report.metric("injection_success_rate:injection_tool").value == 0.0
    assert len(report.results) == len(base.results) + len(results)
    for variant in AGENT_PROBES:  # coverage is of that variant's results, not of every probe
        rows = [r for r in results if r.variant == variant]
        done = [r for r in rows if r.outcome in (Outcome.PASS, Outcome.FAIL)]
        assert report.metric(f"pass_rate:{variant}").coverage == len(done) / len(rows)
