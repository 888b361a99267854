"""Verdicts on one turn: how each kind of expected turn is checked against the calls made."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from evalstage.agent_eval._cases import ExpectedTurn
from evalstage.agent_eval._checker._bfcl_rules import Answer, bfcl_pair
from evalstage.agent_eval._checker._calls import Call, Issue, Tool
from evalstage.agent_eval._checker._codes import ErrorCode
from evalstage.agent_eval._checker._pairing import Grid, assign, greedy, in_order, pair_grid
from evalstage.agent_eval._checker._strict import strict_pair
from evalstage.agent_eval._checker._verdicts import CallDetail, CheckMode, TurnVerdict


def _details(
    turn: int,
    pairs: list[tuple[int, int]],
    grid: Grid,
    calls: list[Call],
    expected_names: list[str],
    n_expected: int,
) -> list[CallDetail]:
    out: list[CallDetail] = []
    paired_expected = {i for i, _ in pairs}
    paired_actual = {j for _, j in pairs}
    for i, j in pairs:
        call = calls[j]
        out.append(
            _issues_detail(
                turn,
                [*call.intrinsic, *grid.issues[i][j]],
                expected_index=i,
                call=call,
                passed=grid.ok[i][j],
                when_clean="matches",
            )
        )
    for i in range(n_expected):
        if i not in paired_expected:
            name = expected_names[i]
            detail = f"expected call {i} ('{name}') was not made"
            out.append(_not_made(turn, i, name, ErrorCode.MISSING_CALL, detail))
    for call in calls:
        if call.index not in paired_actual:
            extra = Issue(
                ErrorCode.EXTRA_CALL, f"call {call.index} ('{call.name}') was not expected"
            )
            out.append(
                _issues_detail(
                    turn, [*call.intrinsic, extra], expected_index=None, call=call, passed=False
                )
            )
    return out


def _not_made(turn: int, index: int, name: str, code: ErrorCode, detail: str) -> CallDetail:
    """A failing :class:`CallDetail` for expected call ``index`` (``name``), which no call met."""
    return CallDetail(
        turn=turn,
        expected_index=index,
        actual_index=None,
        name=name,
        passed=False,
        codes=[code],
        detail=detail,
    )


def _issues_detail(
    turn: int,
    issues: Sequence[Issue],
    *,
    expected_index: int | None,
    call: Call,
    passed: bool,
    when_clean: str = "",
    schema_paths: bool = True,
) -> CallDetail:
    """A :class:`CallDetail` for ``call`` whose codes and text come from ``issues``."""
    return CallDetail(
        turn=turn,
        expected_index=expected_index,
        actual_index=call.index,
        name=call.name,
        passed=passed,
        codes=sorted({x.code for x in issues}),
        detail="; ".join(x.message for x in issues) or when_clean,
        schema_paths=call.schema_paths if schema_paths else [],
    )


def _verdict_of_turn(
    turn: int,
    expect: Literal["call", "no_call"] | None,
    passed: bool,
    details: list[CallDetail],
    n_expected: int,
    n_actual: int,
    extra_codes: Sequence[ErrorCode] = (),
) -> TurnVerdict:
    codes = set(extra_codes)
    if not passed:
        for detail in details:
            codes.update(detail.codes)
    return TurnVerdict(
        turn=turn,
        expect=expect,
        passed=passed,
        codes=sorted(codes),
        n_expected=n_expected,
        n_actual=n_actual,
        n_matched=sum(1 for d in details if d.passed),
        calls=details,
    )


def no_call_turn(turn: int, calls: list[Call], mode: CheckMode) -> TurnVerdict:
    """An ``expect: no_call`` turn: any call made is ``called_when_irrelevant``."""
    if not calls:
        return _verdict_of_turn(turn, "no_call", True, [], 0, 0)
    if mode == "bfcl" and any(c.args is None for c in calls):
        # BFCL: an output that does not decode into calls counts as "no call" (irrelevance pass)
        details = [
            CallDetail(
                turn=turn,
                expected_index=None,
                actual_index=c.index,
                name=c.name,
                passed=True,
                detail="BFCL cannot decode this output into calls, which counts as no call",
            )
            for c in calls
        ]
        return TurnVerdict(turn=turn, expect="no_call", passed=True, calls=details)
    details = [
        _issues_detail(
            turn,
            [
                *(x for x in c.intrinsic if x.code != ErrorCode.SCHEMA_VIOLATION),
                Issue(
                    ErrorCode.CALLED_WHEN_IRRELEVANT,
                    f"called '{c.name}' where no call was expected",
                ),
            ],
            expected_index=None,
            call=c,
            passed=False,
            schema_paths=False,
        )
        for c in calls
    ]
    return _verdict_of_turn(turn, "no_call", False, details, 0, len(calls))


def missing_turn(turn: int, expected: ExpectedTurn) -> TurnVerdict:
    """An expected turn the agent never got to: its calls are ``missing_call``."""
    if expected.expect == "no_call":
        return _verdict_of_turn(turn, "no_call", True, [], 0, 0)
    details = [
        _not_made(
            turn,
            i,
            call.name,
            ErrorCode.MISSING_CALL,
            f"turn {turn} is missing, so expected call {i} ('{call.name}') was not made",
        )
        for i, call in enumerate(expected.calls)
    ]
    return _verdict_of_turn(turn, "call", False, details, len(expected.calls), 0)


def _no_calls_made(turn: int, names: list[str]) -> TurnVerdict:
    details = [
        _not_made(
            turn, i, name, ErrorCode.NO_CALL_WHEN_NEEDED, f"no call was made; expected '{name}'"
        )
        for i, name in enumerate(names)
    ]
    return _verdict_of_turn(turn, "call", False, details, len(names), 0)


def strict_turn(turn: int, expected: ExpectedTurn, calls: list[Call]) -> TurnVerdict:
    """A turn with expected calls, strict mode: optimal pairing, then the order if ``ordered``."""
    names = [c.name for c in expected.calls]
    if not calls:
        return _no_calls_made(turn, names)
    grid = pair_grid(len(names), calls, lambda i, call: strict_pair(expected.calls[i], call))
    pairs = assign(grid, list(range(len(names))), list(range(len(calls))))
    details = _details(turn, pairs, grid, calls, names, len(names))
    extra: list[ErrorCode] = []
    if expected.order == "ordered" and not in_order(pairs, grid):
        extra.append(ErrorCode.ORDER_VIOLATION)
    passed = not extra and all(d.passed for d in details)
    return _verdict_of_turn(turn, "call", passed, details, len(names), len(calls), extra)


def bfcl_turn(
    turn: int,
    expected: ExpectedTurn,
    answers: list[Answer],
    calls: list[Call],
    kind: str,
    tools: dict[str, Tool],
) -> TurnVerdict:
    """A turn with expected calls, bfcl mode: BFCL's dispatch by ``kind`` and its matching."""
    names = [a.name for a in answers]
    n_expected, n_actual = len(answers), len(calls)
    if not calls:
        return _no_calls_made(turn, names)
    grid = pair_grid(n_expected, calls, lambda i, call: bfcl_pair(answers[i], call, tools))
    everything = (list(range(n_expected)), list(range(n_actual)))
    decoded = all(c.args is not None for c in calls)  # one undecodable call fails the output
    extra: list[ErrorCode] = []
    if kind == "simple":
        counted = n_actual == 1
        checked = [(0, 0)]
    else:
        counted = n_actual == n_expected
        checked = [(0, 0)] if kind == "multiple" else []
    if not counted:
        pairs = assign(grid, *everything)
        passed = False
    elif kind == "parallel":
        pairs = greedy(grid, n_expected, n_actual)
        passed = len(pairs) == n_expected
        left_rows = [i for i in range(n_expected) if i not in {p[0] for p in pairs}]
        left_cols = [j for j in range(n_actual) if j not in {p[1] for p in pairs}]
        pairs = sorted([*pairs, *assign(grid, left_rows, left_cols)])
    elif kind == "ordered":
        pairs = [(i, i) for i in range(n_expected)]
        passed = all(grid.ok[i][i] for i in range(n_expected))
        if not passed:
            best = assign(grid, *everything)
            if len(best) == n_expected and all(grid.ok[i][j] for i, j in best):
                pairs = best
                extra.append(ErrorCode.ORDER_VIOLATION)
    else:  # simple / multiple: BFCL checks the first call against the first answer only
        pairs = [(i, i) for i in range(min(n_expected, n_actual))]
        passed = all(grid.ok[i][j] for i, j in checked)
    passed = passed and decoded
    details = _details(turn, pairs, grid, calls, names, n_expected)
    return _verdict_of_turn(turn, "call", passed, details, n_expected, n_actual, extra)


def any_call_turn(turn: int, calls: list[Call], mode: CheckMode) -> TurnVerdict:
    """``expect: call`` with no calls listed: any call passes (BFCL's relevance rule).

    BFCL only needs the output to decode into at least one call; strict mode also wants every call
    well-formed, offered and schema-valid. Every call made then counts as matched.
    """
    if not calls:
        return _no_calls_made(turn, ["(any tool)"])
    bad = [c for c in calls if (c.args is None if mode == "bfcl" else c.intrinsic)]
    details = [
        _issues_detail(
            turn,
            c.intrinsic if c in bad else [],
            expected_index=None,
            call=c,
            passed=c not in bad,
            when_clean="a call was made",
        )
        for c in calls
    ]
    if bad:
        # any call was acceptable: every call counts as expected, so recall stays <= 1
        return _verdict_of_turn(turn, "call", False, details, len(calls), len(calls))
    return _verdict_of_turn(turn, "call", True, details, len(calls), len(calls))


def extra_turn(turn: int, calls: list[Call]) -> TurnVerdict:
    """A turn beyond the expected ones: every call in it is ``extra_call``."""
    details = [
        _issues_detail(
            turn,
            [
                Issue(
                    ErrorCode.EXTRA_CALL,
                    f"call '{c.name}' in turn {turn}, beyond the expected turns",
                )
            ],
            expected_index=None,
            call=c,
            passed=False,
            schema_paths=False,
        )
        for c in calls
    ]
    return _verdict_of_turn(turn, None, not calls, details, 0, len(calls))
