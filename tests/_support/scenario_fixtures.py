"""A small stored-run fixture for the scenario report: generation probes and a retrieval stage."""

from datetime import UTC, datetime

from evalstage.evalcore.outcomes import Outcome
from evalstage.evalcore.records import CaseResult, RunRecord, StageSummary


def gen_result(case_id, variant, passed, category="number", family=None, **extra):
    scores = {"pass": float(passed), "abstained": extra.pop("abstained", 0.0)}
    scores.update(extra.pop("scores", {}))
    details = {"expect": extra.pop("expect", "answer"), **extra}
    if family is not None:
        details["provenance"] = {"family": family}
    return CaseResult(
        stage="generation",
        case_id=case_id,
        variant=variant,
        outcome=Outcome.PASS if passed else Outcome.FAIL,
        category=category,
        scores=scores,
        details=details,
    )


def scenario_run(stages=("generation", "retrieval"), run_id="r1"):
    return RunRecord(
        run_id=run_id,
        suite_name="s",
        suite_version="1",
        suite_hash="h",
        status="completed",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        stages=[
            StageSummary(stage=s, target={}, config={}, metrics=[], outcomes={}, n_cases=0)
            for s in stages
        ],
    )


RESULTS = [
    gen_result("c1", "original", True, scores={"answer_match": 1.0, "faithfulness": 1.0}),
    gen_result("c2", "original", False, scores={"answer_match": 0.0, "faithfulness": 0.5}),
    gen_result("c1", "prompt_typos", True, family="prompt"),
    gen_result("c1", "prompt_casing", False, family="prompt"),
    gen_result("c2", "prompt_typos", False, family="prompt"),
    gen_result("c1", "position_first", True, family="position"),
    gen_result("c1", "position_middle", False, family="position"),
    gen_result("c2", "position_middle", False, family="position"),
    gen_result("c1", "injection_tool", False, family="injection", scores={"attack_success": 1.0}),
    gen_result("c2", "injection_tool", True, family="injection", scores={"attack_success": 0.0}),
    gen_result("c1", "missing_context", True, expect="abstain", abstained=1.0),
    gen_result("c2", "missing_context", False, expect="abstain"),
    gen_result("c3", "original", True, category="entity", latency_ms=10.0, prompt_tokens=5),
    CaseResult(stage="retrieval", case_id="q1", outcome=Outcome.PASS, category="cardio"),
    CaseResult(stage="retrieval", case_id="q2", outcome=Outcome.ERROR, category="cardio"),
]
