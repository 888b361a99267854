"""ErrorCode: stored strings, descriptions, a perturbation for each code, no bare strings."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from evalstage.agent_eval import (
    ERROR_CODES,
    AgentCase,
    AgentTurn,
    CaseVerdict,
    CheckMode,
    ExpectedCall,
    ExpectedTurn,
    ToolCall,
    check_case,
)
from evalstage.agent_eval._checker import ErrorCode

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "agent_eval" / "_checker"

# The strings stored runs, JSON output and reports hold: they must never change.
STORED = (
    "malformed_arguments",
    "hallucinated_tool",
    "schema_violation",
    "wrong_tool",
    "missing_required",
    "unexpected_param",
    "type_error",
    "value_mismatch",
    "missing_call",
    "extra_call",
    "order_violation",
    "called_when_irrelevant",
    "no_call_when_needed",
)

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer"},
                "unit": {"type": "string"},
            },
            "required": ["city"],
        },
    },
}
SEARCH = {
    "type": "function",
    "function": {
        "name": "search",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
    },
}
PARIS = ExpectedCall(name="get_weather", arguments={"city": ["Paris"], "days": [3]})
ROME = ExpectedCall(name="get_weather", arguments={"city": ["Rome"], "days": [3]})


def case(*calls: ExpectedCall, **extra: Any) -> AgentCase:
    return AgentCase(
        case_id="c",
        messages=[{"role": "user", "content": "weather?"}],
        tools=[WEATHER, SEARCH],
        expected_calls=list(calls),
        **extra,
    )


def turn(*calls: tuple[str, Any]) -> AgentTurn:
    return AgentTurn(
        tool_calls=[
            ToolCall(name=n, arguments=a if isinstance(a, str) else json.dumps(a)) for n, a in calls
        ]
    )


GOOD = ("get_weather", {"city": "Paris", "days": 3})
GOOD_ROME = ("get_weather", {"city": "Rome", "days": 3})
TWO_TURNS = case(turns=[ExpectedTurn(calls=[PARIS]), ExpectedTurn(calls=[ROME])])

# code -> (case, turns, the modes that produce it)
PERTURBATIONS: dict[ErrorCode, tuple[AgentCase, list[AgentTurn], tuple[CheckMode, ...]]] = {
    ErrorCode.MALFORMED_ARGUMENTS: (
        case(PARIS),
        [turn(("get_weather", '{"city": "Paris"'))],
        ("strict", "bfcl"),
    ),
    ErrorCode.HALLUCINATED_TOOL: (
        case(PARIS),
        [turn(("get_wether", {"city": "Paris", "days": 3}))],
        ("strict", "bfcl"),
    ),
    ErrorCode.SCHEMA_VIOLATION: (
        case(PARIS),
        [turn(("get_weather", {"city": "Paris", "days": "3"}))],
        ("strict",),
    ),
    ErrorCode.WRONG_TOOL: (case(PARIS), [turn(("search", {"q": "Paris"}))], ("strict", "bfcl")),
    ErrorCode.MISSING_REQUIRED: (
        case(PARIS),
        [turn(("get_weather", {"city": "Paris"}))],
        ("strict", "bfcl"),
    ),
    ErrorCode.UNEXPECTED_PARAM: (
        case(PARIS),
        [turn(("get_weather", {"city": "Paris", "days": 3, "unit": "c"}))],
        ("strict", "bfcl"),
    ),
    ErrorCode.TYPE_ERROR: (
        case(PARIS),
        [turn(("get_weather", {"city": "Paris", "days": "3"}))],
        ("strict", "bfcl"),
    ),
    ErrorCode.VALUE_MISMATCH: (
        case(PARIS),
        [turn(("get_weather", {"city": "Oslo", "days": 3}))],
        ("strict", "bfcl"),
    ),
    ErrorCode.MISSING_CALL: (TWO_TURNS, [turn(GOOD)], ("strict", "bfcl")),
    ErrorCode.EXTRA_CALL: (case(PARIS), [turn(GOOD, GOOD)], ("strict", "bfcl")),
    ErrorCode.ORDER_VIOLATION: (
        case(PARIS, ROME, order="ordered"),
        [turn(GOOD_ROME, GOOD)],
        ("strict", "bfcl"),
    ),
    ErrorCode.CALLED_WHEN_IRRELEVANT: (case(expect="no_call"), [turn(GOOD)], ("strict", "bfcl")),
    ErrorCode.NO_CALL_WHEN_NEEDED: (
        case(PARIS),
        [AgentTurn(content="It is sunny.")],
        ("strict", "bfcl"),
    ),
}


def test_codes_are_the_stored_strings_in_order() -> None:
    assert tuple(ERROR_CODES) == tuple(ErrorCode) == STORED
    assert all(type(code) is ErrorCode for code in ERROR_CODES)
    for code in ErrorCode:
        assert code == code.value and ErrorCode(code.value) is code
        assert (str(code), f"{code}", repr(code)) == (code.value, code.value, repr(code.value))
        assert json.dumps(code) == json.dumps(code.value)


def test_every_code_has_a_description() -> None:
    for code in ErrorCode:
        assert code.description.strip() and "\n" not in code.description, code


def test_every_code_is_described_in_the_docs() -> None:
    text = (ROOT / "docs" / "agent-checker.md").read_text(encoding="utf-8")
    assert [code for code in ErrorCode if f"`{code}`" not in text] == []


def test_every_code_has_a_perturbation() -> None:
    assert set(PERTURBATIONS) == set(ErrorCode)


@pytest.mark.parametrize("code", list(PERTURBATIONS), ids=str)
def test_each_perturbation_produces_its_code(code: ErrorCode) -> None:
    the_case, turns, modes = PERTURBATIONS[code]
    good = [turn(GOOD), turn(GOOD_ROME)] if the_case is TWO_TURNS else None
    for mode in modes:
        verdict = check_case(the_case, turns, mode)
        assert not verdict.passed and code in verdict.codes, (mode, verdict.codes)
        assert all(type(c) is ErrorCode for c in verdict.codes)
        if good is not None:
            assert check_case(the_case, good, mode).passed


def test_verdict_json_holds_plain_strings_and_round_trips() -> None:
    the_case, turns, _ = PERTURBATIONS[ErrorCode.TYPE_ERROR]
    verdict = check_case(the_case, turns, "strict")
    assert verdict.codes == ["schema_violation", "type_error"]
    assert repr(verdict.codes) == "['schema_violation', 'type_error']"
    dumped = json.loads(verdict.model_dump_json())
    assert dumped["codes"] == ["schema_violation", "type_error"]
    assert dumped == verdict.model_dump(mode="json")
    assert all(type(c) is str for c in dumped["codes"])
    assert CaseVerdict.model_validate_json(verdict.model_dump_json()) == verdict


def _code_literals(path: Path) -> list[str]:
    values = {code.value for code in ErrorCode}
    return [
        f"{path.name}:{node.lineno} {node.value!r}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in values
    ]


def test_checker_names_codes_only_through_the_enum() -> None:
    found = [
        hit
        for path in sorted(CHECKER.glob("*.py"))
        if path.name != "_codes.py"
        for hit in _code_literals(path)
    ]
    assert found == []
