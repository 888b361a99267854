"""One case: :func:`check_case` checks every turn and sums calls into precision, recall, F1."""

from __future__ import annotations

from collections.abc import Sequence

from evalstage.agent_eval._cases import AgentCase, AgentTurn
from evalstage.agent_eval._checker._bfcl_rules import (
    answers_from_expected,
    answers_from_source,
    bfcl_kind,
)
from evalstage.agent_eval._checker._calls import offered_tools, parse_call
from evalstage.agent_eval._checker._turns import (
    any_call_turn,
    bfcl_turn,
    extra_turn,
    missing_turn,
    no_call_turn,
    strict_turn,
)
from evalstage.agent_eval._checker._verdicts import CaseVerdict, CheckMode, TurnVerdict


def _ratios(n_expected: int, n_actual: int, n_matched: int) -> tuple[float, float, float]:
    if n_expected == 0 and n_actual == 0:
        return 1.0, 1.0, 1.0
    if n_expected == 0 or n_actual == 0:
        return 0.0, 0.0, 0.0
    precision = n_matched / n_actual
    recall = n_matched / n_expected
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1


def check_case(
    case: AgentCase, turns: Sequence[AgentTurn], mode: CheckMode = "strict"
) -> CaseVerdict:
    """Check what the agent did in ``turns`` against ``case`` (modes: :mod:`agent_eval._checker`).

    Turns are compared position by position with ``case.expected_turns()``: a missing turn gives
    ``missing_call`` for its calls (a missing ``no_call`` turn passes: nothing was called), and
    calls in turns beyond the expected ones are ``extra_call``.
    """
    if mode not in ("strict", "bfcl"):
        raise ValueError(f"unknown checker mode '{mode}'; use 'strict' or 'bfcl'")
    tools = offered_tools(case)
    expected_turns = case.expected_turns()
    verdicts: list[TurnVerdict] = []
    for t in range(max(len(expected_turns), len(turns))):
        actual = turns[t] if t < len(turns) else None
        calls = (
            [
                parse_call(j, c.name, c.arguments, tools, mode)
                for j, c in enumerate(actual.tool_calls)
            ]
            if actual is not None
            else []
        )
        if t >= len(expected_turns):
            verdicts.append(extra_turn(t, calls))
            continue
        expected = expected_turns[t]
        if actual is None:
            verdicts.append(missing_turn(t, expected))
        elif expected.expect == "no_call":
            verdicts.append(no_call_turn(t, calls, mode))
        elif not expected.calls:
            verdicts.append(any_call_turn(t, calls, mode))
        elif mode == "strict":
            verdicts.append(strict_turn(t, expected, calls))
        else:
            answers = None
            if case.turns is None:
                answers = answers_from_source(case.source.get("bfcl_ground_truth"))
            if answers is None:
                answers = answers_from_expected(expected.calls, tools)
            kind = bfcl_kind(case, expected, len(answers))
            verdicts.append(bfcl_turn(t, expected, answers, calls, kind, tools))
    n_expected = sum(v.n_expected for v in verdicts)
    n_actual = sum(v.n_actual for v in verdicts)
    n_matched = sum(v.n_matched for v in verdicts)
    precision, recall, f1 = _ratios(n_expected, n_actual, n_matched)
    passed = all(v.passed for v in verdicts)
    codes = sorted({code for v in verdicts for code in v.codes})
    return CaseVerdict(
        case_id=case.case_id,
        mode=mode,
        passed=passed,
        codes=codes,
        calls=[d for v in verdicts for d in v.calls],
        turns=verdicts,
        n_expected=n_expected,
        n_actual=n_actual,
        n_matched=n_matched,
        precision=precision,
        recall=recall,
        f1=f1,
    )
