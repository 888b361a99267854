"""BFCL mode's rules: BFCL's AST checker, re-implemented.

As ``tests/data/bfcl/PROVENANCE.txt`` ("How BFCL's AST checker decides") describes it:

String normalisation (:func:`bfcl_standardize`), exact ``type()`` checks with ``int`` -> ``float``
for float parameters only, the "variable" path, one-level dict / list-of-dict answers; BFCL's
answers (verbatim from the source, or built from expected calls) and its category dispatch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evalstage.agent_eval._cases import AgentCase, ExpectedCall, ExpectedTurn
from evalstage.agent_eval._checker._calls import Call, Issue, Tool, comparable_arguments, short
from evalstage.agent_eval._checker._codes import ErrorCode
from evalstage.agent_eval._schema import bfcl_type

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


def _bfcl_value(param: str, value: Any, acceptable: Any, schema: Any) -> Issue | None:
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
            return Issue(
                ErrorCode.TYPE_ERROR,
                f"argument '{param}' has type {type(value).__name__}, expected {kind}"
                + (f" of {item_kind}" if nested is not None else "")
                + f": {short(value)}",
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
            return Issue(
                ErrorCode.VALUE_MISMATCH,
                f"argument '{param}' = {short(value)} is not one of {short(options, 160)}"
                + (" (after BFCL string normalisation)" if expected in (str, list, dict) else ""),
            )
    if _contains(options, value):
        return None
    return Issue(
        ErrorCode.VALUE_MISMATCH,
        f"argument '{param}' = {short(value)} is not one of {short(options, 160)}",
    )


@dataclass(slots=True, frozen=True)
class Answer:
    """One BFCL ground-truth call: ``{name: {param: [acceptable, "" = may be omitted]}}``."""

    name: str
    params: Mapping[str, Any]


def bfcl_pair(answer: Answer, call: Call, tools: dict[str, Tool]) -> list[Issue]:
    """What is wrong with ``call`` as the answer ``answer``, by BFCL's rules."""
    args = comparable_arguments(call, answer.name)
    if isinstance(args, list):
        return args
    tool = tools.get(answer.name)
    properties = tool.properties if tool is not None else {}
    required = tool.required if tool is not None else []
    issues: list[Issue] = []
    missing: set[str] = set()
    for param in required:
        if param not in args:
            missing.add(param)
            issues.append(
                Issue(ErrorCode.MISSING_REQUIRED, f"required argument '{param}' is missing")
            )
    for param, value in args.items():
        if param not in properties or param not in answer.params:
            where = "the schema" if param not in properties else "the ground truth"
            issues.append(
                Issue(ErrorCode.UNEXPECTED_PARAM, f"argument '{param}' is not in {where}")
            )
            continue
        issue = _bfcl_value(param, value, answer.params[param], properties[param])
        if issue is not None:
            issues.append(issue)
    for param, options in answer.params.items():
        if param not in args and param not in missing and not _contains(options, ""):
            issues.append(
                Issue(
                    ErrorCode.MISSING_REQUIRED,
                    f"argument '{param}' is missing (not marked optional)",
                )
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


def answers_from_expected(calls: Sequence[ExpectedCall], tools: dict[str, Tool]) -> list[Answer]:
    """The expected calls as BFCL answers (an optional argument accepts ``""``)."""
    answers: list[Answer] = []
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
        answers.append(Answer(call.name, params))
    return answers


def answers_from_source(truth: Any) -> list[Answer] | None:
    """BFCL's verbatim answer key, or ``None`` where it is absent or not of BFCL's shape."""
    if not isinstance(truth, list) or not truth:
        return None
    answers: list[Answer] = []
    for call in truth:
        if not isinstance(call, dict) or len(call) != 1:
            return None
        name, params = next(iter(call.items()))
        if not isinstance(name, str) or not isinstance(params, dict):
            return None
        answers.append(Answer(name, params))
    return answers


def bfcl_kind(case: AgentCase, turn: ExpectedTurn, n_expected: int) -> str:
    """``simple``, ``multiple``, ``parallel`` or ``ordered``: how BFCL mode checks the turn."""
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
