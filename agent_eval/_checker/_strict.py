"""Strict mode's value rules: exact JSON equality (:func:`json_equal`) and :func:`strict_pair`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalstage.agent_eval._cases import ExpectedCall
from evalstage.agent_eval._checker._calls import Call, Issue, comparable_arguments, short
from evalstage.agent_eval._checker._codes import ErrorCode


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


def strict_pair(expected: ExpectedCall, call: Call) -> list[Issue]:
    """What is wrong with ``call`` as ``expected``, by strict mode's rules."""
    args = comparable_arguments(call, expected.name)
    if isinstance(args, list):
        return args
    issues: list[Issue] = []
    optional = set(expected.optional)
    properties = call.tool.properties if call.tool is not None else {}
    for arg in expected.arguments:
        # an empty acceptable list means "must be left out": leaving it out is right
        if arg not in args and arg not in optional and expected.arguments[arg]:
            issues.append(Issue(ErrorCode.MISSING_REQUIRED, f"argument '{arg}' is missing"))
    for arg, value in args.items():
        if arg not in expected.arguments:
            if arg not in optional:
                issues.append(
                    Issue(ErrorCode.UNEXPECTED_PARAM, f"argument '{arg}' is not expected here")
                )
            continue  # optional without listed values: any value is fine
        acceptable = expected.arguments[arg]
        schema = properties.get(arg)
        if any(json_equal(value, option, schema) for option in acceptable):
            continue
        if not acceptable:
            issues.append(
                Issue(
                    ErrorCode.VALUE_MISMATCH,
                    f"argument '{arg}' must be left out, got {short(value)}",
                )
            )
            continue
        kinds = {_json_kind(option, schema) for option in acceptable}
        kind = _json_kind(value, schema)
        if kind not in kinds:
            issues.append(
                Issue(
                    ErrorCode.TYPE_ERROR,
                    f"argument '{arg}' is {kind} {short(value)}, expected "
                    f"{' or '.join(sorted(kinds))}",
                )
            )
        else:
            issues.append(
                Issue(
                    ErrorCode.VALUE_MISMATCH,
                    f"argument '{arg}' = {short(value)} is not one of {short(acceptable, 160)}",
                )
            )
    return issues
