"""BFCL import: cases, tools (JSON Schema), expected calls, errors that say file:line:field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evalstage.agent_eval import (
    AgentCase,
    ExpectedCall,
    bfcl_category,
    bfcl_function_to_tool,
    bfcl_to_json_schema,
    bfcl_type,
    expand_dict_pattern,
    import_bfcl,
    write_cases_jsonl,
)
from evalstage.evalcore import SuiteError, load_jsonl

DATA = Path(__file__).resolve().parents[1] / "data" / "bfcl"
COUNTS = {
    "simple_python": 400,
    "multiple": 200,
    "parallel": 200,
    "parallel_multiple": 200,
    "irrelevance": 240,
}


def load(category: str) -> list[AgentCase]:
    answers = DATA / "possible_answer" / f"BFCL_v4_{category}.json"
    return import_bfcl(DATA / f"BFCL_v4_{category}.json", answers if answers.exists() else None)


@pytest.fixture(scope="module")
def cases() -> dict[str, list[AgentCase]]:
    return {category: load(category) for category in COUNTS}


def by_id(cases: dict[str, list[AgentCase]], case_id: str) -> AgentCase:
    return next(c for c in cases[bfcl_category(case_id)] if c.case_id == case_id)


def test_data_copy_carries_licence_and_provenance() -> None:
    assert (DATA / "LICENSE").read_text(encoding="utf-8").count("Apache License") >= 1
    assert "ShishirPatil/gorilla" in (DATA / "PROVENANCE.txt").read_text(encoding="utf-8")


def test_counts_ids_and_categories(cases: dict[str, list[AgentCase]]) -> None:
    assert {k: len(v) for k, v in cases.items()} == COUNTS
    for category, items in cases.items():
        assert len({c.case_id for c in items}) == len(items)
        assert {c.category for c in items} == {category}
        assert all(c.source["bfcl_category"] == category for c in items)
        assert all(c.source["bfcl_id"] == c.case_id for c in items)
        assert all(c.tags == ["bfcl"] and c.note.startswith("BFCL ") for c in items)
    assert {c.order for c in cases["parallel"] + cases["parallel_multiple"]} == {"any"}
    assert {c.order for c in cases["simple_python"] + cases["multiple"]} == {"ordered"}
    assert all(c.expect == "no_call" and not c.expected_calls for c in cases["irrelevance"])
    assert all("expects no call" in c.note for c in cases["irrelevance"])


def test_simple_python_0(cases: dict[str, list[AgentCase]]) -> None:
    case = by_id(cases, "simple_python_0")
    assert case.messages == [
        {
            "role": "user",
            "content": "Find the area of a triangle with a base of 10 units and height of 5 units.",
        }
    ]
    assert case.expected_calls == [
        ExpectedCall(
            name="calculate_triangle_area",
            arguments={"base": [10], "height": [5], "unit": ["units"]},
            optional=["unit"],
        )
    ]
    (tool,) = case.tools
    assert tool["type"] == "function"
    function = tool["function"]
    assert function["name"] == "calculate_triangle_area"
    assert function["description"].startswith("Calculate the area of a triangle")
    parameters = function["parameters"]
    assert parameters["type"] == "object" and parameters["x-bfcl-type"] == "dict"
    assert parameters["required"] == ["base", "height"]
    assert parameters["additionalProperties"] is False
    assert parameters["properties"]["base"] == {
        "type": "integer",
        "x-bfcl-type": "integer",
        "description": "The base of the triangle.",
    }
    assert case.source["bfcl_ground_truth"] == [
        {"calculate_triangle_area": {"base": [10], "height": [5], "unit": ["units", ""]}}
    ]


def test_null_and_literal_values_are_kept(cases: dict[str, list[AgentCase]]) -> None:
    nulls = [
        (c.case_id, arg)
        for c in cases["parallel"]
        for call in c.expected_calls
        for arg, values in call.arguments.items()
        if None in values
    ]
    assert nulls  # PROVENANCE: JSON null appears twice in parallel
    assert all(
        "" not in v
        for items in cases.values()
        for c in items
        for call in c.expected_calls
        for v in call.arguments.values()
    )
    # an empty list is a literal value; "" is the optional marker
    case = by_id(cases, "parallel_multiple_179")
    deck = next(call for call in case.expected_calls if "deck" in call.arguments)
    assert deck.arguments["deck"] == [[]] and "deck" in deck.optional


def test_dict_answers_are_expanded_to_literal_values(cases: dict[str, list[AgentCase]]) -> None:
    (call,) = by_id(cases, "simple_python_89").expected_calls
    assert call.arguments["conditions"] == [
        {"department": "Science", "school": "Bluebird High School"},
        {"department": "Science", "school": "Bluebird HS"},
    ]
    (call,) = by_id(cases, "simple_python_96").expected_calls
    assert call.arguments["conditions"] == [
        [
            {"field": "age", "operation": ">", "value": "25"},
            {"field": "job", "operation": "=", "value": "engineer"},
        ]
    ]
    assert expand_dict_pattern({"a": [1, 2], "b": ["x", ""]}) == [
        {"a": 1, "b": "x"},
        {"a": 1},
        {"a": 2, "b": "x"},
        {"a": 2},
    ]
    with pytest.raises(ValueError, match="expands to more than"):
        expand_dict_pattern({str(k): list(range(10)) for k in range(5)})


def test_schema_conversion() -> None:
    node = {
        "type": "dict",
        "description": "d",
        "properties": {
            "when": {"type": "tuple", "items": {"type": "float"}, "optional": True},
            "rows": {
                "type": "array",
                "items": {"type": "dict", "properties": {"k": {"type": "any"}}},
            },
            "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
            "name": {"type": "String"},
            "map": {"type": "HashMap"},
            "list": {"type": "ArrayList", "items": {"type": "long"}},
            "ratio": {"type": "double"},
            "flag": {"type": "Boolean"},
            "blank": {"type": ""},
        },
        "required": ["when"],
    }
    schema = bfcl_to_json_schema(node)
    props = schema["properties"]
    assert schema["type"] == "object" and schema["required"] == ["when"]
    assert schema["description"] == "d"
    assert props["when"] == {
        "type": "array",
        "x-bfcl-type": "tuple",
        "items": {"type": "number", "x-bfcl-type": "float"},
        "x-bfcl-optional": True,
    }
    assert props["rows"]["items"]["type"] == "object"
    assert props["rows"]["items"]["properties"]["k"] == {"x-bfcl-type": "any"}
    assert props["mode"] == {
        "type": "string",
        "x-bfcl-type": "string",
        "enum": ["a", "b"],
        "default": "a",
    }
    assert [props[k]["type"] for k in ("name", "map", "list", "ratio", "flag")] == [
        "string",
        "object",
        "array",
        "number",
        "boolean",
    ]
    assert props["list"]["items"]["type"] == "integer"
    assert "type" not in props["blank"]
    assert bfcl_type(props["when"]) == "tuple" and bfcl_type({"type": "number"}) == "float"
    assert bfcl_type({"type": "object"}) == "dict" and bfcl_type({}) is None
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema)


def test_function_to_tool() -> None:
    tool = bfcl_function_to_tool({"name": "math.factorial", "description": "n!"})
    assert tool == {
        "type": "function",
        "function": {
            "name": "math.factorial",
            "description": "n!",
            "parameters": {
                "type": "object",
                "x-bfcl-type": "dict",
                "properties": {},
                "required": [],
                "additionalProperties": False,
            },
        },
    }
    with pytest.raises(ValueError, match="name"):
        bfcl_function_to_tool({"description": "nameless"})


def test_category_from_id() -> None:
    assert bfcl_category("simple_python_12") == "simple_python"
    assert bfcl_category("live_simple_0-0-0") == "live_simple"
    assert bfcl_category("parallel_multiple_199") == "parallel_multiple"
    with pytest.raises(ValueError):
        bfcl_category("simple")


def test_write_cases_jsonl_round_trips_atomically(
    tmp_path: Path, cases: dict[str, list[AgentCase]]
) -> None:
    chosen = cases["parallel_multiple"][:50] + cases["irrelevance"][:10]
    path = write_cases_jsonl(chosen, tmp_path / "out" / "agent.jsonl")
    assert load_jsonl(path, AgentCase, id_field="case_id") == chosen
    assert sorted(p.name for p in path.parent.iterdir()) == ["agent.jsonl"]

    # a failure half-way leaves the old file and no temp file behind
    def broken() -> Any:
        yield chosen[0]
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_cases_jsonl(broken(), path)
    assert load_jsonl(path, AgentCase, id_field="case_id") == chosen
    assert sorted(p.name for p in path.parent.iterdir()) == ["agent.jsonl"]


# ---------------------------------------------------------------------------------------------
# errors

QUESTION = {
    "id": "simple_python_0",
    "question": [[{"role": "user", "content": "q"}]],
    "function": [{"name": "f", "parameters": {"type": "dict", "properties": {}, "required": []}}],
}
ANSWER = {"id": "simple_python_0", "ground_truth": [{"f": {}}]}


def files(tmp_path: Path, questions: list[Any], answers: list[Any] | None) -> tuple[Path, Path]:
    q = tmp_path / "BFCL_v4_simple_python.json"
    a = tmp_path / "possible_answer" / "BFCL_v4_simple_python.json"
    a.parent.mkdir(exist_ok=True)
    q.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in questions))
    a.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in answers or []))
    return q, a


def test_minimal_files_import(tmp_path: Path) -> None:
    q, a = files(tmp_path, [QUESTION], [ANSWER])
    (case,) = import_bfcl(q, a)
    assert case.expected_calls == [ExpectedCall(name="f")]


@pytest.mark.parametrize(
    ("questions", "answers", "which", "line", "field", "message"),
    [
        ([QUESTION, "{oops"], [ANSWER], "q", 2, None, "not valid JSON"),
        ([{**QUESTION, "id": ""}], [ANSWER], "q", 1, "id", "missing or empty 'id'"),
        ([{**QUESTION, "id": "simple"}], [ANSWER], "q", 1, "id", "does not look like"),
        ([QUESTION, QUESTION], [ANSWER], "q", 2, "id", "duplicate id"),
        ([{**QUESTION, "question": []}], [ANSWER], "q", 1, "question", "non-empty list"),
        (
            [{**QUESTION, "question": [[{"role": "user", "content": "a"}]] * 2}],
            [ANSWER],
            "q",
            1,
            "question",
            "only single-turn",
        ),
        ([{**QUESTION, "question": [["hi"]]}], [ANSWER], "q", 1, "question.0", "messages"),
        ([{**QUESTION, "function": {}}], [ANSWER], "q", 1, "function", "must be a list"),
        (
            [{**QUESTION, "function": [{"description": "x"}]}],
            [ANSWER],
            "q",
            1,
            "function.0",
            "name",
        ),
        ([QUESTION], [{**ANSWER, "id": "simple_python_1"}], "q", 1, "id", "no ground truth"),
        (
            [QUESTION],
            [ANSWER, {**ANSWER, "id": "simple_python_7"}],
            "a",
            2,
            "id",
            "not in BFCL_v4_simple_python.json",
        ),
        ([QUESTION], [{**ANSWER, "ground_truth": {"f": {}}}], "a", 1, "ground_truth", "list"),
        ([QUESTION], [{**ANSWER, "ground_truth": [{"f": 1}]}], "a", 1, "ground_truth.0", "one"),
        (
            [QUESTION],
            [{**ANSWER, "ground_truth": [{"f": {"x": 3}}]}],
            "a",
            1,
            "ground_truth.0.f",
            "list of acceptable values",
        ),
        ([QUESTION], [{**ANSWER, "ground_truth": []}], "a", 1, "ground_truth", "empty"),
        ([QUESTION], [ANSWER, ANSWER], "a", 2, "id", "duplicate id"),
    ],
)
def test_errors_name_file_line_and_field(
    tmp_path: Path,
    questions: list[Any],
    answers: list[Any],
    which: str,
    line: int,
    field: str | None,
    message: str,
) -> None:
    q, a = files(tmp_path, questions, answers)
    with pytest.raises(SuiteError) as caught:
        import_bfcl(q, a)
    error = caught.value
    assert (error.path, error.line, error.field) == (str(q if which == "q" else a), line, field)
    assert message in error.message, error.message
    assert error.hint


def test_answers_are_required_except_for_irrelevance(tmp_path: Path) -> None:
    q, _ = files(tmp_path, [QUESTION], None)
    with pytest.raises(SuiteError, match="no possible-answer file") as caught:
        import_bfcl(q, None)
    assert (caught.value.line, caught.value.field) == (1, "id")
