"""The strict checker: parsing, tools, JSON Schema paths, exact values, matching, turns, P/R/F1."""

from __future__ import annotations

import json
from typing import Any

import pytest

from evalstage.agent_eval import (
    ERROR_CODES,
    AgentCase,
    AgentTurn,
    CaseVerdict,
    ExpectedCall,
    ExpectedTurn,
    ToolCall,
    check_case,
    json_equal,
)

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a place.",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {
                    "type": "object",
                    "properties": {
                        "city": {"type": "string"},
                        "coords": {"type": "array", "items": {"type": "number"}},
                    },
                    "required": ["city"],
                },
                "unit": {"type": "string", "enum": ["c", "f"]},
                "days": {"type": "integer"},
                "scale": {"type": "number"},
                "detailed": {"type": "boolean"},
            },
            "required": ["location"],
            "additionalProperties": False,
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


def make_case(*calls: ExpectedCall, order: str = "any", **extra: Any) -> AgentCase:
    return AgentCase(
        case_id="c",
        messages=[{"role": "user", "content": "weather?"}],
        tools=[WEATHER, SEARCH],
        expected_calls=list(calls),
        order=order,  # type: ignore[arg-type]
        **extra,
    )


def call(name: str, arguments: Any) -> ToolCall:
    return ToolCall(name=name, arguments=arguments)


def turn(*calls: ToolCall) -> list[AgentTurn]:
    return [AgentTurn(tool_calls=list(calls))]


PARIS = ExpectedCall(
    name="get_weather",
    arguments={"location": [{"city": "Paris"}], "unit": ["c"]},
    optional=["unit"],
)


def check(case: AgentCase, turns: list[AgentTurn]) -> CaseVerdict:
    return check_case(case, turns, "strict")


def test_exact_call_passes_with_string_or_object_arguments() -> None:
    case = make_case(PARIS)
    for arguments in (
        '{"location": {"city": "Paris"}, "unit": "c"}',
        {"location": {"city": "Paris"}},
    ):
        verdict = check(case, turn(call("get_weather", arguments)))
        assert verdict.passed and verdict.codes == []
        assert (verdict.n_expected, verdict.n_actual, verdict.n_matched) == (1, 1, 1)
        assert (verdict.precision, verdict.recall, verdict.f1) == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    "raw",
    ['{"location": ', "[1, 2]", '"text"', "", '{"days": NaN, "location": {"city": "Paris"}}', 42],
)
def test_malformed_arguments(raw: Any) -> None:
    verdict = check(make_case(PARIS), turn(call("get_weather", raw)))
    assert (verdict.passed, verdict.codes) == (False, ["malformed_arguments"])
    assert verdict.calls[0].actual_index == 0 and verdict.calls[0].expected_index == 0


def test_hallucinated_tool() -> None:
    verdict = check(make_case(PARIS), turn(call("get_forecast", {"location": {"city": "Paris"}})))
    assert verdict.codes == ["hallucinated_tool"]
    assert "not offered" in verdict.calls[0].detail


def test_schema_violation_reports_the_json_path() -> None:
    arguments = {"location": {"city": "Paris", "coords": [48.8, "east"]}, "unit": "kelvin"}
    verdict = check(make_case(PARIS), turn(call("get_weather", arguments)))
    assert not verdict.passed
    assert "schema_violation" in verdict.codes
    detail = verdict.calls[0]
    assert detail.schema_paths == ["$.location.coords[1]", "$.unit"]
    assert "$.location.coords[1]: 'east' is not of type 'number'" in detail.detail
    missing = check(make_case(PARIS), turn(call("get_weather", {"unit": "c"})))
    assert missing.codes == ["missing_required", "schema_violation"]
    assert missing.calls[0].schema_paths == ["$"]
    assert "'location' is a required property" in missing.calls[0].detail


def test_no_string_normalisation_and_exact_types() -> None:
    case = make_case(
        ExpectedCall(
            name="get_weather",
            arguments={"location": [{"city": "Paris"}], "days": [3], "scale": [2]},
        )
    )
    ok = {"location": {"city": "Paris"}, "days": 3, "scale": 2.0}  # number: 2 == 2.0
    assert check(case, turn(call("get_weather", ok))).passed
    cases = {
        "city case": ({**ok, "location": {"city": "paris"}}, ["value_mismatch"]),
        "float for integer": ({**ok, "days": 3.0}, ["type_error"]),
        "bool for integer": ({**ok, "days": True}, ["schema_violation", "type_error"]),
        "other integer": ({**ok, "days": 4}, ["value_mismatch"]),
        "string for number": ({**ok, "scale": "2"}, ["schema_violation", "type_error"]),
    }
    for name, (arguments, codes) in cases.items():
        verdict = check(case, turn(call("get_weather", arguments)))
        assert verdict.codes == codes, name


def test_json_equal() -> None:
    number = {"type": "number"}
    assert json_equal(1, 1.0, number) and not json_equal(1, 1.0, {"type": "integer"})
    assert not json_equal(1, 1.0) and not json_equal(True, 1, number) and json_equal(None, None)
    assert json_equal([1, 2.0], [1.0, 2], {"type": "array", "items": number})
    assert not json_equal([1, 2], [2, 1]) and not json_equal({"a": 1}, {"a": 1, "b": 2})
    nested = {"type": "object", "properties": {"x": number}}
    assert json_equal({"x": 1}, {"x": 1.0}, nested) and not json_equal({"y": 1}, {"y": 1.0}, nested)
    assert not json_equal("1", 1)


def test_optional_arguments() -> None:
    any_unit = ExpectedCall(
        name="get_weather", arguments={"location": [{"city": "Paris"}]}, optional=["unit"]
    )
    base = {"location": {"city": "Paris"}}
    # optional without listed values: omitted or any value
    assert check(make_case(any_unit), turn(call("get_weather", base))).passed
    assert check(make_case(any_unit), turn(call("get_weather", {**base, "unit": "f"}))).passed
    # optional with listed values: omitted or one of them
    assert check(make_case(PARIS), turn(call("get_weather", base))).passed
    verdict = check(make_case(PARIS), turn(call("get_weather", {**base, "unit": "f"})))
    assert verdict.codes == ["value_mismatch"]
    # optional with an empty list: must be left out
    never = ExpectedCall(
        name="get_weather",
        arguments={"location": [{"city": "Paris"}], "unit": []},
        optional=["unit"],
    )
    verdict = check(make_case(never), turn(call("get_weather", {**base, "unit": "c"})))
    assert verdict.codes == ["value_mismatch"] and "left out" in verdict.calls[0].detail
    # not mentioned at all: unexpected
    verdict = check(make_case(PARIS), turn(call("get_weather", {**base, "days": 2})))
    assert verdict.codes == ["unexpected_param"]


def paris_and(city: str) -> ExpectedCall:
    return ExpectedCall(name="get_weather", arguments={"location": [{"city": city}]})


def weather(city: str, **more: Any) -> ToolCall:
    return call("get_weather", json.dumps({"location": {"city": city}, **more}))


def test_set_level_codes() -> None:
    two = make_case(paris_and("Paris"), paris_and("Rome"))
    both = check(two, turn(weather("Rome"), weather("Paris")))
    assert both.passed and both.n_matched == 2
    missing = check(two, turn(weather("Rome")))
    assert (missing.codes, missing.precision, missing.recall) == (["missing_call"], 1.0, 0.5)
    assert missing.f1 == pytest.approx(2 / 3)
    extra = check(make_case(paris_and("Paris")), turn(weather("Paris"), weather("Oslo")))
    assert (extra.codes, extra.precision, extra.recall) == (["extra_call"], 0.5, 1.0)
    none = check(two, [AgentTurn(content="It is sunny.")])
    assert (none.codes, none.n_actual, none.f1) == (["no_call_when_needed"], 0, 0.0)
    wrong = check(make_case(paris_and("Paris")), turn(call("search", {"q": "Paris weather"})))
    assert wrong.codes == ["wrong_tool"]


def test_order_violation_only_when_ordered() -> None:
    calls = (paris_and("Paris"), paris_and("Rome"))
    swapped = turn(weather("Rome"), weather("Paris"))
    ordered = check(make_case(*calls, order="ordered"), swapped)
    assert (ordered.passed, ordered.codes, ordered.n_matched) == (False, ["order_violation"], 2)
    assert check(make_case(*calls, order="ordered"), turn(weather("Paris"), weather("Rome"))).passed
    assert check(make_case(*calls, order="any"), swapped).passed
    # identical expected calls are paired in position order, so they never look swapped
    same = make_case(paris_and("Paris"), paris_and("Paris"), order="ordered")
    assert check(same, turn(weather("Paris"), weather("Paris"))).passed


def test_optimal_matching_prefers_pairs_with_fewer_errors() -> None:
    case = make_case(
        ExpectedCall(name="get_weather", arguments={"location": [{"city": "Paris"}], "days": [1]}),
        ExpectedCall(name="get_weather", arguments={"location": [{"city": "Rome"}], "days": [2]}),
    )
    # call 0 is Rome with a wrong day (1 error against Rome, 2 against Paris); call 1 is Paris
    verdict = check(case, turn(weather("Rome", days=5), weather("Paris", days=1)))
    pairs = {(d.expected_index, d.actual_index): d.codes for d in verdict.calls}
    assert pairs == {(0, 1): [], (1, 0): ["value_mismatch"]}
    assert (verdict.n_matched, verdict.precision, verdict.recall) == (1, 0.5, 0.5)


def test_no_call_cases() -> None:
    case = AgentCase(
        case_id="n", messages=[{"role": "user", "content": "hi"}], tools=[SEARCH], expect="no_call"
    )
    quiet = check(case, [AgentTurn(content="Hello!")])
    assert quiet.passed and (quiet.precision, quiet.recall, quiet.f1) == (1.0, 1.0, 1.0)
    called = check(case, turn(call("search", {"q": "hi"}), call("nope", "{")))
    assert called.codes == ["called_when_irrelevant", "hallucinated_tool", "malformed_arguments"]
    assert (called.n_expected, called.n_actual, called.f1) == (0, 2, 0.0)


def test_multi_step_turns_are_compared_by_position() -> None:
    case = AgentCase(
        case_id="m",
        messages=[{"role": "user", "content": "weather in Paris, then search"}],
        tools=[WEATHER, SEARCH],
        turns=[
            ExpectedTurn(calls=[paris_and("Paris")], tool_results=[{"temp": 20}]),
            ExpectedTurn(calls=[ExpectedCall(name="search", arguments={"q": ["20C"]})]),
            ExpectedTurn(expect="no_call"),
        ],
    )
    good = [
        AgentTurn(tool_calls=[weather("Paris")]),
        AgentTurn(tool_calls=[call("search", {"q": "20C"})]),
        AgentTurn(content="It is 20C."),
    ]
    verdict = check(case, good)
    assert verdict.passed and len(verdict.turns) == 3 and verdict.n_matched == 2
    assert [t.expect for t in verdict.turns] == ["call", "call", "no_call"]
    # the agent stopped after the first turn: turn 1's call is missing; missing no_call passes
    short = check(case, good[:1])
    assert short.codes == ["missing_call"]
    assert [t.passed for t in short.turns] == [True, False, True]
    assert short.calls[-1].turn == 1 and short.calls[-1].expected_index == 0
    # a call beyond the expected turns is extra
    longer = check(case, [*good, AgentTurn(tool_calls=[call("search", {"q": "more"})])])
    assert longer.codes == ["extra_call"] and longer.turns[3].expect is None
    # a call in the final no_call turn
    late = check(case, [*good[:2], AgentTurn(tool_calls=[call("search", {"q": "x"})])])
    assert late.codes == ["called_when_irrelevant"]


def test_expect_call_without_listed_calls_accepts_any_call() -> None:
    case = AgentCase(
        case_id="r",
        messages=[{"role": "user", "content": "find it"}],
        tools=[SEARCH],
        turns=[ExpectedTurn(expect="call")],
    )
    for mode in ("strict", "bfcl"):
        assert check_case(case, turn(call("search", {"q": "it"})), mode).passed
        assert check_case(case, [AgentTurn(content="no")], mode).codes == ["no_call_when_needed"]
    assert check(case, turn(call("search", "{"))).codes == ["malformed_arguments"]


def test_verdict_is_serialisable_and_codes_are_known() -> None:
    verdict = check(make_case(PARIS), turn(weather("Rome"), call("x", "{")))
    again = CaseVerdict.model_validate_json(verdict.model_dump_json())
    assert again == verdict
    assert set(verdict.codes) <= set(ERROR_CODES)
    assert verdict.codes == sorted(set(verdict.codes))


def test_unknown_mode_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown checker mode"):
        check_case(make_case(PARIS), [], "lenient")  # type: ignore[arg-type]
