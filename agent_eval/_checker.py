"""The tool-call checker: one case and what the agent did in, one :class:`CaseVerdict` out.

Two modes (``docs/agent-checker.md`` explains where and why they differ):

``strict``
    Arguments must be a JSON object, the tool must be offered, the arguments must validate against
    the tool's JSON Schema (Draft 2020-12), and every value must equal one of the acceptable values
    as JSON (no string normalisation; ``1 == 1.0`` only where the schema type is ``number``).
    Calls are paired with expected calls by an optimal assignment (most fully-correct pairs).
``bfcl``
    BFCL's AST-checker rules, reproduced so that the verdict is exactly BFCL's: string
    normalisation, ``int`` -> ``float`` coercion for float parameters only, exact ``type()``
    checks, the "variable" path, one-level dict / list-of-dict answers, dispatch by BFCL category
    and BFCL's greedy first-fit matching of parallel calls. Cases imported from BFCL are graded
    against their verbatim answer key (``source["bfcl_ground_truth"]``).

Error codes (per call and, as a sorted union, per case):

``malformed_arguments``  arguments are not valid JSON or not a JSON object
``hallucinated_tool``    the called tool is not among the case's tools
``schema_violation``     (strict) the arguments fail the tool's JSON Schema; details give the path
``wrong_tool``           a call paired with an expected call of another (offered) tool
``missing_required``     an argument that must be passed was left out
``unexpected_param``     an argument that the expected call does not allow
``type_error``           a value of the wrong type
``value_mismatch``       a value of the right type that is not acceptable
``missing_call``         an expected call with no call paired to it (or an expected turn missing)
``extra_call``           a call with no expected call paired to it
``order_violation``      ``order: ordered`` and the matched calls came in another order
``called_when_irrelevant``  calls made where no call was expected
``no_call_when_needed``  no call made where calls were expected
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel, ConfigDict, Field
from referencing.exceptions import Unresolvable
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped, unused-ignore]

from agent_eval._cases import AgentCase, AgentTurn, ExpectedCall, ExpectedTurn
from agent_eval._schema import bfcl_type, tool_function

CheckMode = Literal["strict", "bfcl"]

ERROR_CODES: tuple[str, ...] = (
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
"""Every code the checker can report."""


class CallDetail(BaseModel):
    """One expected call and the actual call paired with it (either may be absent)."""

    model_config = ConfigDict(frozen=True)

    turn: int = Field(description="Index of the turn (0 for single-step cases).")
    expected_index: int | None = Field(description="Index of the expected call in its turn.")
    actual_index: int | None = Field(description="Index of the actual call in its turn.")
    name: str = Field(description="The tool called (or, for a missing call, the one expected).")
    passed: bool
    codes: list[str] = Field(default_factory=list)
    detail: str = ""
    schema_paths: list[str] = Field(
        default_factory=list, description="JSON paths of schema errors ('$.unit'), strict mode."
    )


class TurnVerdict(BaseModel):
    """The verdict on one assistant turn."""

    model_config = ConfigDict(frozen=True)

    turn: int
    expect: Literal["call", "no_call"] | None = Field(
        description="What the turn should do; None for a turn beyond the expected ones."
    )
    passed: bool
    codes: list[str] = Field(default_factory=list)
    n_expected: int = 0
    n_actual: int = 0
    n_matched: int = 0
    calls: list[CallDetail] = Field(default_factory=list)


class CaseVerdict(BaseModel):
    """The verdict on one case: pass/fail, error codes, per-call details and call-level P/R/F1.

    ``n_matched`` counts calls that pass fully (name, arguments, values). Precision is
    ``n_matched / n_actual`` and recall ``n_matched / n_expected``; when both counts are 0 (a
    no-call case with no call made) precision = recall = f1 = 1; when only one of them is 0 all
    three are 0 (no vacuous credit).
    """

    model_config = ConfigDict(frozen=True)

    case_id: str
    mode: CheckMode
    passed: bool
    codes: list[str] = Field(default_factory=list, description="Sorted unique codes of the case.")
    calls: list[CallDetail] = Field(default_factory=list)
    turns: list[TurnVerdict] = Field(default_factory=list)
    n_expected: int = 0
    n_actual: int = 0
    n_matched: int = 0
    precision: float = 1.0
    recall: float = 1.0
    f1: float = 1.0


# --------------------------------------------------------------------------------------------
# Tools and parsed calls


@dataclass(slots=True)
class _Tool:
    name: str
    parameters: Mapping[str, Any]
    properties: Mapping[str, Any]
    required: list[str]


@dataclass(slots=True, frozen=True)
class _Issue:
    code: str
    message: str


@dataclass(slots=True)
class _Call:
    index: int
    name: str
    args: dict[str, Any] | None
    tool: _Tool | None
    intrinsic: list[_Issue] = field(default_factory=list)
    schema_paths: list[str] = field(default_factory=list)

    @property
    def hallucinated(self) -> bool:
        return self.tool is None


def _tools(case: AgentCase) -> dict[str, _Tool]:
    index: dict[str, _Tool] = {}
    for tool in case.tools:
        function = tool_function(tool)
        if function is None:
            continue
        name = function.get("name")
        if not isinstance(name, str) or name in index:
            continue
        parameters = function.get("parameters")
        if not isinstance(parameters, Mapping):
            parameters = {"type": "object", "properties": {}}
        properties = parameters.get("properties")
        required = parameters.get("required")
        index[name] = _Tool(
            name=name,
            parameters=parameters,
            properties=properties if isinstance(properties, Mapping) else {},
            required=[r for r in required if isinstance(r, str)]
            if isinstance(required, list)
            else [],
        )
    return index


def _reject_constant(text: str) -> Any:
    raise ValueError(f"{text} is not valid JSON")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short(value: Any, limit: int = 80) -> str:
    return _clip(repr(value), limit)


def _parse_arguments(raw: Any, mode: CheckMode) -> tuple[dict[str, Any] | None, str]:
    """Arguments as an object, or ``None`` and why not."""
    if isinstance(raw, dict):
        return raw, ""
    if not isinstance(raw, str):
        return None, f"arguments must be a JSON object or a JSON string, got {type(raw).__name__}"
    try:
        value = (
            json.loads(raw, parse_constant=_reject_constant)
            if mode == "strict"
            else json.loads(raw)  # BFCL decodes with Python's json, which accepts NaN
        )
    except ValueError as exc:
        return None, f"arguments are not valid JSON ({exc}): {_short(raw)}"
    if not isinstance(value, dict):
        return None, f"arguments must be a JSON object, got {type(value).__name__}: {_short(raw)}"
    return value, ""


_VALIDATORS: dict[int, tuple[Mapping[str, Any], Any]] = {}
_MAX_VALIDATORS = 8192


def _validator(schema: Mapping[str, Any]) -> Any:
    """A cached Draft 2020-12 validator for ``schema`` (keyed by identity, reference kept)."""
    key = id(schema)
    hit = _VALIDATORS.get(key)
    if hit is not None and hit[0] is schema:
        return hit[1]
    if len(_VALIDATORS) >= _MAX_VALIDATORS:
        _VALIDATORS.clear()
    validator = Draft202012Validator(schema)
    _VALIDATORS[key] = (schema, validator)
    return validator


def _schema_issues(call: _Call) -> None:
    args = call.args
    if call.tool is None or args is None:
        return
    try:
        errors = sorted(
            _validator(call.tool.parameters).iter_errors(args),
            key=lambda e: [str(p) for p in e.absolute_path],
        )
    except Unresolvable as exc:  # a $ref the loader could not check (e.g. built in code)
        call.intrinsic.append(_Issue("schema_violation", f"schema: unresolvable $ref ({exc})"))
        return
    if not errors:
        return
    paths = [str(e.json_path) for e in errors]
    shown = "; ".join(f"{p}: {_clip(e.message, 160)}" for p, e in zip(paths, errors, strict=True))
    call.schema_paths = paths
    call.intrinsic.append(_Issue("schema_violation", f"schema: {shown}"))


def _parse_call(index: int, name: str, raw: Any, tools: dict[str, _Tool], mode: CheckMode) -> _Call:
    args, problem = _parse_arguments(raw, mode)
    call = _Call(index=index, name=name, args=args, tool=tools.get(name))
    if args is None:
        call.intrinsic.append(_Issue("malformed_arguments", problem))
    if call.tool is None:
        offered = ", ".join(sorted(tools)) or "none"
        call.intrinsic.append(
            _Issue("hallucinated_tool", f"tool '{name}' is not offered (offered: {offered})")
        )
    if mode == "strict":
        _schema_issues(call)
    return call


# --------------------------------------------------------------------------------------------
# strict mode: JSON equality


def _allows_number(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    kind = schema.get("type")
    return kind == "number" or (isinstance(kind, list) and "number" in kind)


def _sub_items(schema: Any, position: int) -> Any:
    if not isinstance(schema, Mapping):
        return None
    prefix = schema.get("prefixItems")
    if isinstance(prefix, list) and position < len(prefix):
        return prefix[position]
    return schema.get("items")


def _sub_property(schema: Any, key: str) -> Any:
    if not isinstance(schema, Mapping):
        return None
    properties = schema.get("properties")
    if isinstance(properties, Mapping) and key in properties:
        return properties[key]
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, Mapping) else None


def json_equal(a: Any, b: Any, schema: Any = None) -> bool:
    """Exact JSON equality; ``1 == 1.0`` only where ``schema`` (followed inward) says ``number``.

    ``true`` never equals ``1``, strings compare exactly, arrays element by element in order,
    objects key by key.
    """
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        if type(a) is type(b):
            return a == b
        return _allows_number(schema) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(
            json_equal(x, y, _sub_items(schema, i))
            for i, (x, y) in enumerate(zip(a, b, strict=True))
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(
            json_equal(a[k], b[k], _sub_property(schema, str(k))) for k in a
        )
    return False


def _json_kind(value: Any, schema: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        if _allows_number(schema):
            return "number"
        return "integer" if isinstance(value, int) else "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _strict_pair(expected: ExpectedCall, call: _Call) -> list[_Issue]:
    if call.name != expected.name:
        if call.hallucinated:
            return []
        return [_Issue("wrong_tool", f"called '{call.name}', expected '{expected.name}'")]
    args = call.args
    if args is None:
        return []
    issues: list[_Issue] = []
    optional = set(expected.optional)
    properties = call.tool.properties if call.tool is not None else {}
    for arg in expected.arguments:
        # an empty acceptable list means "must be left out": leaving it out is right
        if arg not in args and arg not in optional and expected.arguments[arg]:
            issues.append(_Issue("missing_required", f"argument '{arg}' is missing"))
    for arg, value in args.items():
        if arg not in expected.arguments:
            if arg not in optional:
                issues.append(_Issue("unexpected_param", f"argument '{arg}' is not expected here"))
            continue  # optional without listed values: any value is fine
        acceptable = expected.arguments[arg]
        schema = properties.get(arg)
        if any(json_equal(value, option, schema) for option in acceptable):
            continue
        if not acceptable:
            issues.append(
                _Issue("value_mismatch", f"argument '{arg}' must be left out, got {_short(value)}")
            )
            continue
        kinds = {_json_kind(option, schema) for option in acceptable}
        kind = _json_kind(value, schema)
        if kind not in kinds:
            issues.append(
                _Issue(
                    "type_error",
                    f"argument '{arg}' is {kind} {_short(value)}, expected "
                    f"{' or '.join(sorted(kinds))}",
                )
            )
        else:
            issues.append(
                _Issue(
                    "value_mismatch",
                    f"argument '{arg}' = {_short(value)} is not one of {_short(acceptable, 160)}",
                )
            )
    return issues


# --------------------------------------------------------------------------------------------
# bfcl mode: BFCL's AST-checker rules (PROVENANCE.txt, "How BFCL's AST checker decides")

_BFCL_PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
    # Java / JavaScript names, read with Python semantics (BFCL's literal conversion is not done)
    "String": str,
    "char": str,
    "long": int,
    "int": int,
    "short": int,
    "byte": int,
    "double": float,
    "Boolean": bool,
    "Array": list,
    "ArrayList": list,
    "List": list,
    "Set": list,
    "HashMap": dict,
    "Map": dict,
    "Hashtable": dict,
    "object": dict,
    "number": float,
}
_BFCL_NESTED = ("array", "tuple")
_BFCL_STRIP = re.compile(r"[ ,./\-_*^]")


def bfcl_standardize(text: str) -> str:
    """BFCL's string normalisation: drop spaces and ``, . / - _ * ^``, lower-case, ' -> "."""
    return _BFCL_STRIP.sub("", text).lower().replace("'", '"')


def _contains(container: Any, item: Any) -> bool:
    try:
        return bool(item in container)
    except TypeError:
        return False


def _is_marker(value: Any) -> bool:
    return isinstance(value, str) and value == ""


def _as_sequence(value: Any) -> list[Any] | None:
    """What Python's ``for x in value`` would give, for the answer shapes BFCL iterates."""
    if isinstance(value, list | tuple | str | dict):
        return list(value)
    return None


def _bfcl_type_check(
    value: Any, acceptable: list[Any], expected: type, nested: type | None
) -> tuple[bool, bool]:
    """(valid, is_variable) as BFCL's type checker decides them (nested: one level)."""
    answer_type = next((type(a) for a in acceptable if not _is_marker(a)), None)
    is_variable = answer_type is not None and answer_type is not expected
    if type(value) is expected:
        if nested is None:
            return True, is_variable
        elements: list[Any] = list(value) if isinstance(value, list) else []
        for item in acceptable:
            if type(item) is list and not all(
                _bfcl_type_check(element, item, nested, None)[0] for element in elements
            ):
                continue
            return True, is_variable
        return False, is_variable
    if answer_type is not None and type(value) is answer_type:
        return True, True
    return False, is_variable


def _std(value: Any) -> Any:
    return bfcl_standardize(value) if type(value) is str else value


def _bfcl_string(value: str, acceptable: list[Any]) -> bool:
    return bfcl_standardize(value) in [bfcl_standardize(a) for a in acceptable if type(a) is str]


def _bfcl_list(value: list[Any], acceptable: list[Any]) -> bool:
    output = [_std(element) for element in value]
    for answer in acceptable:
        sequence = _as_sequence(answer)  # "" iterates as [] (so [] matches an optional marker)
        if sequence is not None and output == [_std(element) for element in sequence]:
            return True
    return False


def _bfcl_dict(value: dict[str, Any], acceptable: list[Any]) -> bool:
    for answer in acceptable:
        if _is_marker(answer) or not isinstance(answer, dict):
            continue
        ok = True
        for key, item in value.items():
            options = _as_sequence(answer[key]) if key in answer else None
            if options is None or _std(item) not in [_std(o) for o in options]:
                ok = False
                break
        if ok and all(key in value or _contains(listed, "") for key, listed in answer.items()):
            return True
    return False


def _bfcl_list_of_dicts(value: list[Any], acceptable: list[Any]) -> bool:
    for answer in acceptable:
        if _is_marker(answer):
            sequence: list[Any] = []
        elif isinstance(answer, list):
            sequence = answer
        else:
            continue  # BFCL itself would fail on such an answer
        if len(sequence) != len(value):
            continue
        if all(
            isinstance(item, dict) and _bfcl_dict(item, [expected])
            for item, expected in zip(value, sequence, strict=True)
        ):
            return True
    return False


def _bfcl_value(param: str, value: Any, acceptable: Any, schema: Any) -> _Issue | None:
    options: list[Any] = acceptable if isinstance(acceptable, list) else [acceptable]
    kind = bfcl_type(schema) if isinstance(schema, Mapping) else None
    expected = _BFCL_PYTHON_TYPES.get(kind) if kind is not None else None
    if expected is not None:
        nested: type | None = None
        item_kind: str | None = None
        if kind in _BFCL_NESTED and isinstance(schema, Mapping):
            items = schema.get("items")
            item_kind = bfcl_type(items) if isinstance(items, Mapping) else None
            nested = _BFCL_PYTHON_TYPES.get(item_kind) if item_kind is not None else None
        if kind == "float" and type(value) is int:
            value = float(value)
        valid, is_variable = _bfcl_type_check(value, options, expected, nested)
        if not valid:
            return _Issue(
                "type_error",
                f"argument '{param}' has type {type(value).__name__}, expected {kind}"
                + (f" of {item_kind}" if nested is not None else "")
                + f": {_short(value)}",
            )
        if not is_variable:
            if expected is dict:
                ok = _bfcl_dict(value, options)
            elif expected is list and nested is dict:
                ok = _bfcl_list_of_dicts(value, options)
            elif expected is str:
                ok = _bfcl_string(value, options)
            elif expected is list:
                ok = _bfcl_list(value, options)
            else:
                ok = _contains(options, value)
            if ok:
                return None
            return _Issue(
                "value_mismatch",
                f"argument '{param}' = {_short(value)} is not one of {_short(options, 160)}"
                + (" (after BFCL string normalisation)" if expected in (str, list, dict) else ""),
            )
    if _contains(options, value):
        return None
    return _Issue(
        "value_mismatch",
        f"argument '{param}' = {_short(value)} is not one of {_short(options, 160)}",
    )


@dataclass(slots=True, frozen=True)
class _Answer:
    """One BFCL ground-truth call: ``{name: {param: [acceptable, "" = may be omitted]}}``."""

    name: str
    params: Mapping[str, Any]


def _bfcl_pair(answer: _Answer, call: _Call, tools: dict[str, _Tool]) -> list[_Issue]:
    if call.name != answer.name:
        if call.hallucinated:
            return []
        return [_Issue("wrong_tool", f"called '{call.name}', expected '{answer.name}'")]
    args = call.args
    if args is None:
        return []
    tool = tools.get(answer.name)
    properties = tool.properties if tool is not None else {}
    required = tool.required if tool is not None else []
    issues: list[_Issue] = []
    missing: set[str] = set()
    for param in required:
        if param not in args:
            missing.add(param)
            issues.append(_Issue("missing_required", f"required argument '{param}' is missing"))
    for param, value in args.items():
        if param not in properties or param not in answer.params:
            where = "the schema" if param not in properties else "the ground truth"
            issues.append(_Issue("unexpected_param", f"argument '{param}' is not in {where}"))
            continue
        issue = _bfcl_value(param, value, answer.params[param], properties[param])
        if issue is not None:
            issues.append(issue)
    for param, options in answer.params.items():
        if param not in args and param not in missing and not _contains(options, ""):
            issues.append(
                _Issue("missing_required", f"argument '{param}' is missing (not marked optional)")
            )
    return issues


def _literal_to_bfcl(value: Any, schema: Any) -> Any:
    """An :class:`ExpectedCall` literal as a BFCL answer (dicts become one-value patterns)."""
    kind = bfcl_type(schema) if isinstance(schema, Mapping) else None
    if kind == "dict" and isinstance(value, dict):
        return {k: [v] for k, v in value.items()}
    items = schema.get("items") if isinstance(schema, Mapping) else None
    if (
        kind in _BFCL_NESTED
        and isinstance(items, Mapping)
        and bfcl_type(items) == "dict"
        and isinstance(value, list)
        and all(isinstance(v, dict) for v in value)
    ):
        return [{k: [v] for k, v in element.items()} for element in value]
    return value


def _answers_from_expected(calls: Sequence[ExpectedCall], tools: dict[str, _Tool]) -> list[_Answer]:
    answers: list[_Answer] = []
    for call in calls:
        tool = tools.get(call.name)
        properties = tool.properties if tool is not None else {}
        params: dict[str, list[Any]] = {}
        for arg, values in call.arguments.items():
            params[arg] = [_literal_to_bfcl(v, properties.get(arg)) for v in values]
            if arg in call.optional:
                params[arg].append("")
        for arg in call.optional:
            params.setdefault(arg, [""])
        answers.append(_Answer(call.name, params))
    return answers


def _answers_from_source(truth: Any) -> list[_Answer] | None:
    if not isinstance(truth, list) or not truth:
        return None
    answers: list[_Answer] = []
    for call in truth:
        if not isinstance(call, dict) or len(call) != 1:
            return None
        name, params = next(iter(call.items()))
        if not isinstance(name, str) or not isinstance(params, dict):
            return None
        answers.append(_Answer(name, params))
    return answers


def _bfcl_kind(case: AgentCase, turn: ExpectedTurn, n_expected: int) -> str:
    category = case.source.get("bfcl_category") if case.turns is None else None
    if isinstance(category, str):
        if "parallel" in category:
            return "parallel"
        if "multiple" in category:
            return "multiple"
        return "simple"
    if n_expected > 1:
        return "parallel" if turn.order == "any" else "ordered"
    return "simple"


# --------------------------------------------------------------------------------------------
# pairing


@dataclass(slots=True)
class _Grid:
    """Pair results: ``issues[i][j]`` for expected i and actual j, and whether the pair passes."""

    issues: list[list[list[_Issue]]]
    ok: list[list[bool]]
    score: list[list[int]]


def _grid(n_expected: int, calls: list[_Call], pair: Callable[[int, _Call], list[_Issue]]) -> _Grid:
    issues: list[list[list[_Issue]]] = []
    ok: list[list[bool]] = []
    score: list[list[int]] = []
    for i in range(n_expected):
        row_issues: list[list[_Issue]] = []
        row_ok: list[bool] = []
        row_score: list[int] = []
        for call in calls:
            found: list[_Issue] = pair(i, call)
            passes = not found and not call.intrinsic
            row_issues.append(found)
            row_ok.append(passes)
            if passes:
                row_score.append(0)
            else:
                name_off = any(x.code == "wrong_tool" for x in found) or call.hallucinated
                unreadable = call.args is None
                row_score.append(
                    (100 if name_off else 0)
                    + (50 if unreadable else 0)
                    + len(found)
                    + len(call.intrinsic)
                )
        issues.append(row_issues)
        ok.append(row_ok)
        score.append(row_score)
    return _Grid(issues, ok, score)


def _assign(grid: _Grid, rows: list[int], cols: list[int]) -> list[tuple[int, int]]:
    """Optimal pairing of ``rows`` (expected) and ``cols`` (actual).

    Lexicographic objective: most passing pairs, then fewest issues, then smallest position
    distance |i - j| (keeps identical calls in order). Solved exactly with
    ``scipy.optimize.linear_sum_assignment`` on an integer cost matrix.
    """
    if not rows or not cols:
        return []
    if len(rows) == 1 or len(cols) == 1:
        best = min(
            ((i, j) for i in rows for j in cols),
            key=lambda p: (not grid.ok[p[0]][p[1]], grid.score[p[0]][p[1]], abs(p[0] - p[1])),
        )
        return [best]
    k = min(len(rows), len(cols))
    max_score = max(grid.score[i][j] for i in rows for j in cols)
    distance_span = k * (max(max(rows), max(cols)) + 1) + 1
    score_weight = distance_span
    pass_weight = (k * max_score + 1) * score_weight
    cost = np.empty((len(rows), len(cols)), dtype=np.int64)
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            cost[a, b] = (
                (0 if grid.ok[i][j] else pass_weight) + grid.score[i][j] * score_weight + abs(i - j)
            )
    picked_rows, picked_cols = linear_sum_assignment(cost)
    return sorted(
        (rows[int(a)], cols[int(b)]) for a, b in zip(picked_rows, picked_cols, strict=True)
    )


def _greedy(grid: _Grid, n_expected: int, n_actual: int) -> list[tuple[int, int]]:
    """BFCL's parallel matching: each expected call in turn takes the first unused passing call."""
    used: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for i in range(n_expected):
        for j in range(n_actual):
            if j not in used and grid.ok[i][j]:
                used.add(j)
                pairs.append((i, j))
                break
    return pairs


def _in_order(pairs: list[tuple[int, int]], grid: _Grid) -> bool:
    matched = sorted((i, j) for i, j in pairs if grid.ok[i][j])
    actual = [j for _, j in matched]
    return actual == sorted(actual)


# --------------------------------------------------------------------------------------------
# turns and cases


def _details(
    turn: int,
    pairs: list[tuple[int, int]],
    grid: _Grid,
    calls: list[_Call],
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
            out.append(
                CallDetail(
                    turn=turn,
                    expected_index=i,
                    actual_index=None,
                    name=expected_names[i],
                    passed=False,
                    codes=["missing_call"],
                    detail=f"expected call {i} ('{expected_names[i]}') was not made",
                )
            )
    for call in calls:
        if call.index not in paired_actual:
            extra = _Issue("extra_call", f"call {call.index} ('{call.name}') was not expected")
            out.append(
                _issues_detail(
                    turn, [*call.intrinsic, extra], expected_index=None, call=call, passed=False
                )
            )
    return out


def _issues_detail(
    turn: int,
    issues: Sequence[_Issue],
    *,
    expected_index: int | None,
    call: _Call,
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
    extra_codes: Sequence[str] = (),
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


def _no_call_turn(turn: int, calls: list[_Call], mode: CheckMode) -> TurnVerdict:
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
                *(x for x in c.intrinsic if x.code != "schema_violation"),
                _Issue("called_when_irrelevant", f"called '{c.name}' where no call was expected"),
            ],
            expected_index=None,
            call=c,
            passed=False,
            schema_paths=False,
        )
        for c in calls
    ]
    return _verdict_of_turn(turn, "no_call", False, details, 0, len(calls))


def _missing_turn(turn: int, expected: ExpectedTurn) -> TurnVerdict:
    if expected.expect == "no_call":
        return _verdict_of_turn(turn, "no_call", True, [], 0, 0)
    details = [
        CallDetail(
            turn=turn,
            expected_index=i,
            actual_index=None,
            name=call.name,
            passed=False,
            codes=["missing_call"],
            detail=f"turn {turn} is missing, so expected call {i} ('{call.name}') was not made",
        )
        for i, call in enumerate(expected.calls)
    ]
    return _verdict_of_turn(turn, "call", False, details, len(expected.calls), 0)


def _no_calls_made(turn: int, names: list[str]) -> TurnVerdict:
    details = [
        CallDetail(
            turn=turn,
            expected_index=i,
            actual_index=None,
            name=name,
            passed=False,
            codes=["no_call_when_needed"],
            detail=f"no call was made; expected '{name}'",
        )
        for i, name in enumerate(names)
    ]
    return _verdict_of_turn(turn, "call", False, details, len(names), 0)


def _strict_turn(turn: int, expected: ExpectedTurn, calls: list[_Call]) -> TurnVerdict:
    names = [c.name for c in expected.calls]
    if not calls:
        return _no_calls_made(turn, names)
    grid = _grid(len(names), calls, lambda i, call: _strict_pair(expected.calls[i], call))
    pairs = _assign(grid, list(range(len(names))), list(range(len(calls))))
    details = _details(turn, pairs, grid, calls, names, len(names))
    extra: list[str] = []
    if expected.order == "ordered" and not _in_order(pairs, grid):
        extra.append("order_violation")
    passed = not extra and all(d.passed for d in details)
    return _verdict_of_turn(turn, "call", passed, details, len(names), len(calls), extra)


def _bfcl_turn(
    turn: int,
    expected: ExpectedTurn,
    answers: list[_Answer],
    calls: list[_Call],
    kind: str,
    tools: dict[str, _Tool],
) -> TurnVerdict:
    names = [a.name for a in answers]
    n_expected, n_actual = len(answers), len(calls)
    if not calls:
        return _no_calls_made(turn, names)
    grid = _grid(n_expected, calls, lambda i, call: _bfcl_pair(answers[i], call, tools))
    everything = (list(range(n_expected)), list(range(n_actual)))
    decoded = all(c.args is not None for c in calls)  # one undecodable call fails the output
    extra: list[str] = []
    if kind == "simple":
        counted = n_actual == 1
        checked = [(0, 0)]
    else:
        counted = n_actual == n_expected
        checked = [(0, 0)] if kind == "multiple" else []
    if not counted:
        pairs = _assign(grid, *everything)
        passed = False
    elif kind == "parallel":
        pairs = _greedy(grid, n_expected, n_actual)
        passed = len(pairs) == n_expected
        left_rows = [i for i in range(n_expected) if i not in {p[0] for p in pairs}]
        left_cols = [j for j in range(n_actual) if j not in {p[1] for p in pairs}]
        pairs = sorted([*pairs, *_assign(grid, left_rows, left_cols)])
    elif kind == "ordered":
        pairs = [(i, i) for i in range(n_expected)]
        passed = all(grid.ok[i][i] for i in range(n_expected))
        if not passed:
            best = _assign(grid, *everything)
            if len(best) == n_expected and all(grid.ok[i][j] for i, j in best):
                pairs = best
                extra.append("order_violation")
    else:  # simple / multiple: BFCL checks the first call against the first answer only
        pairs = [(i, i) for i in range(min(n_expected, n_actual))]
        passed = all(grid.ok[i][j] for i, j in checked)
    passed = passed and decoded
    details = _details(turn, pairs, grid, calls, names, n_expected)
    return _verdict_of_turn(turn, "call", passed, details, n_expected, n_actual, extra)


def _any_call_turn(turn: int, calls: list[_Call], mode: CheckMode) -> TurnVerdict:
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


def _extra_turn(turn: int, calls: list[_Call]) -> TurnVerdict:
    details = [
        CallDetail(
            turn=turn,
            expected_index=None,
            actual_index=c.index,
            name=c.name,
            passed=False,
            codes=["extra_call"],
            detail=f"call '{c.name}' in turn {turn}, beyond the expected turns",
        )
        for c in calls
    ]
    return _verdict_of_turn(turn, None, not calls, details, 0, len(calls))


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
    """Check what the agent did in ``turns`` against ``case``; see the module docstring.

    Turns are compared position by position with ``case.expected_turns()``: a missing turn gives
    ``missing_call`` for its calls (a missing ``no_call`` turn passes: nothing was called), and
    calls in turns beyond the expected ones are ``extra_call``.
    """
    if mode not in ("strict", "bfcl"):
        raise ValueError(f"unknown checker mode '{mode}'; use 'strict' or 'bfcl'")
    tools = _tools(case)
    expected_turns = case.expected_turns()
    verdicts: list[TurnVerdict] = []
    for t in range(max(len(expected_turns), len(turns))):
        actual = turns[t] if t < len(turns) else None
        calls = (
            [
                _parse_call(j, c.name, c.arguments, tools, mode)
                for j, c in enumerate(actual.tool_calls)
            ]
            if actual is not None
            else []
        )
        if t >= len(expected_turns):
            verdicts.append(_extra_turn(t, calls))
            continue
        expected = expected_turns[t]
        if actual is None:
            verdicts.append(_missing_turn(t, expected))
        elif expected.expect == "no_call":
            verdicts.append(_no_call_turn(t, calls, mode))
        elif not expected.calls:
            verdicts.append(_any_call_turn(t, calls, mode))
        elif mode == "strict":
            verdicts.append(_strict_turn(t, expected, calls))
        else:
            answers = None
            if case.turns is None:
                answers = _answers_from_source(case.source.get("bfcl_ground_truth"))
            if answers is None:
                answers = _answers_from_expected(expected.calls, tools)
            kind = _bfcl_kind(case, expected, len(answers))
            verdicts.append(_bfcl_turn(t, expected, answers, calls, kind, tools))
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
