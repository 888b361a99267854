"""The case's tools and the agent's calls, parsed: arguments decoded, tool found, schema checked.

A :class:`Call` carries its *intrinsic* issues (``malformed_arguments``, ``hallucinated_tool``
and, in strict mode, ``schema_violation``): the ones it has whatever expected call it is paired
with.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from referencing.exceptions import Unresolvable

from evalstage.agent_eval._cases import AgentCase
from evalstage.agent_eval._checker._codes import ErrorCode
from evalstage.agent_eval._checker._schemas import schema_validator
from evalstage.agent_eval._checker._verdicts import CheckMode
from evalstage.agent_eval._schema import tool_function
from evalstage.evalcore.loaders import MAX_JSON_DEPTH, json_too_deep


@dataclass(slots=True)
class Tool:
    """One offered tool: its name and JSON Schema parameters (properties, required)."""

    name: str
    parameters: Mapping[str, Any]
    properties: Mapping[str, Any]
    required: list[str]


@dataclass(slots=True, frozen=True)
class Issue:
    """One thing wrong with a call: its code and what to tell the reader."""

    code: ErrorCode
    message: str


@dataclass(slots=True)
class Call:
    """One call the agent made, parsed (``args`` is ``None`` when they do not decode)."""

    index: int
    name: str
    args: dict[str, Any] | None
    tool: Tool | None
    intrinsic: list[Issue] = field(default_factory=list)
    schema_paths: list[str] = field(default_factory=list)

    @property
    def hallucinated(self) -> bool:
        """Whether the called tool is not offered."""
        return self.tool is None


def offered_tools(case: AgentCase) -> dict[str, Tool]:
    """The case's function tools by name (the first of a repeated name; others are skipped)."""
    index: dict[str, Tool] = {}
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
        index[name] = Tool(
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


def clip(text: str, limit: int) -> str:
    """``text``, cut to ``limit`` characters with ``...`` if longer."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def short(value: Any, limit: int = 80) -> str:
    """``repr(value)``, clipped for a message."""
    return clip(repr(value), limit)


def _parse_arguments(raw: Any, mode: CheckMode) -> tuple[dict[str, Any] | None, str]:
    """Arguments as an object, or ``None`` and why not."""
    if isinstance(raw, dict):
        return raw, ""
    if not isinstance(raw, str):
        return None, f"arguments must be a JSON object or a JSON string, got {type(raw).__name__}"
    if json_too_deep(raw):
        return None, f"arguments are nested more than {MAX_JSON_DEPTH} levels deep: {short(raw)}"
    try:
        value = (
            json.loads(raw, parse_constant=_reject_constant)
            if mode == "strict"
            else json.loads(raw)  # BFCL decodes with Python's json, which accepts NaN
        )
    except (ValueError, RecursionError) as exc:
        return None, f"arguments are not valid JSON ({exc}): {short(raw)}"
    if not isinstance(value, dict):
        return None, f"arguments must be a JSON object, got {type(value).__name__}: {short(raw)}"
    return value, ""


def _schema_issues(call: Call) -> None:
    args = call.args
    if call.tool is None or args is None:
        return
    try:
        errors = sorted(
            schema_validator(call.tool.parameters).iter_errors(args),
            key=lambda e: [str(p) for p in e.absolute_path],
        )
    except Unresolvable as exc:  # a $ref the loader could not check (e.g. built in code)
        call.intrinsic.append(
            Issue(ErrorCode.SCHEMA_VIOLATION, f"schema: unresolvable $ref ({exc})")
        )
        return
    if not errors:
        return
    paths = [str(e.json_path) for e in errors]
    shown = "; ".join(f"{p}: {clip(e.message, 160)}" for p, e in zip(paths, errors, strict=True))
    call.schema_paths = paths
    call.intrinsic.append(Issue(ErrorCode.SCHEMA_VIOLATION, f"schema: {shown}"))


def comparable_arguments(call: Call, expected_name: str) -> dict[str, Any] | list[Issue]:
    """``call``'s arguments, to compare with an expected call of ``expected_name``; else why not.

    Another offered tool is ``wrong_tool``; a hallucinated tool or unreadable arguments add nothing
    to the call's intrinsic issues (an empty list).
    """
    if call.name != expected_name:
        if call.hallucinated:
            return []
        return [Issue(ErrorCode.WRONG_TOOL, f"called '{call.name}', expected '{expected_name}'")]
    return call.args if call.args is not None else []


def parse_call(index: int, name: str, raw: Any, tools: dict[str, Tool], mode: CheckMode) -> Call:
    """Call ``index`` of a turn, with its intrinsic issues (schema ones in strict mode only)."""
    args, problem = _parse_arguments(raw, mode)
    call = Call(index=index, name=name, args=args, tool=tools.get(name))
    if args is None:
        call.intrinsic.append(Issue(ErrorCode.MALFORMED_ARGUMENTS, problem))
    if call.tool is None:
        offered = ", ".join(sorted(tools)) or "none"
        call.intrinsic.append(
            Issue(ErrorCode.HALLUCINATED_TOOL, f"tool '{name}' is not offered (offered: {offered})")
        )
    if mode == "strict":
        _schema_issues(call)
    return call
