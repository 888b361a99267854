r"""Recorded agent outputs: JSON Lines of turns, read into ``{case_id: [AgentTurn, ...]}``.

Each line is one turn of one case::

    {"case_id": "c1", "turn": 0, "tool_calls": [{"name": "f", "arguments": "{\\"x\\": 1}"}]}
    {"case_id": "c2", "content": "I cannot help with that."}

``turn`` defaults to 0. ``tool_calls`` entries are ``{"name", "arguments"}`` or OpenAI's
``{"id", "type": "function", "function": {"name", "arguments"}}``; ``arguments`` stays raw (a JSON
string or an object) for the checker to judge. ``latency_ms``, ``prompt_tokens``,
``completion_tokens``, ``notes`` and ``error`` (a turn whose request failed) are kept when
present.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evalstage.agent_eval._cases import AgentTurn, ToolCall
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.loaders import iter_jsonl, validation_error

_TURN_FIELDS = ("content", "latency_ms", "prompt_tokens", "completion_tokens", "error", "notes")
_CALL_HINT = 'write {"name": "tool", "arguments": {...}} or {"function": {"name", "arguments"}}'


def _tool_call(entry: Any, path: Path, line: int, where: str) -> ToolCall:
    if not isinstance(entry, dict):
        raise SuiteError(
            f"a tool call must be an object, got {type(entry).__name__}",
            path=path,
            line=line,
            field=where,
            hint=_CALL_HINT,
        )
    body: Any = entry
    if "function" in entry:
        body = entry["function"]
        where = f"{where}.function"
        if not isinstance(body, dict):
            raise SuiteError(
                "'function' must be an object", path=path, line=line, field=where, hint=_CALL_HINT
            )
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise SuiteError(
            "missing or empty tool name",
            path=path,
            line=line,
            field=f"{where}.name",
            hint="give every tool call the name of the tool it calls",
        )
    arguments = body.get("arguments", "{}")
    return ToolCall(name=name, arguments=arguments)


def _turn(record: dict[str, Any], path: Path, line: int) -> tuple[str, int, AgentTurn]:
    case_id = record.get("case_id")
    if not isinstance(case_id, str) or not case_id:
        raise SuiteError(
            "missing or empty 'case_id'",
            path=path,
            line=line,
            field="case_id",
            hint="name the case this output belongs to",
        )
    turn = record.get("turn", 0)
    if isinstance(turn, bool) or not isinstance(turn, int) or turn < 0:
        raise SuiteError(
            f"'turn' must be a whole number >= 0, got {turn!r}",
            path=path,
            line=line,
            field="turn",
            hint="number the turns of a case 0, 1, 2, ...",
        )
    raw_calls = record.get("tool_calls") or []
    if not isinstance(raw_calls, list):
        raise SuiteError(
            "'tool_calls' must be a list",
            path=path,
            line=line,
            field="tool_calls",
            hint="write [] or a list of calls",
        )
    calls = [_tool_call(entry, path, line, f"tool_calls.{i}") for i, entry in enumerate(raw_calls)]
    if "tool_calls" not in record and "content" not in record and "error" not in record:
        raise SuiteError(
            "the line has neither 'tool_calls' nor 'content'",
            path=path,
            line=line,
            field="tool_calls",
            hint="record what the agent produced: its tool calls or its reply text",
        )
    fields = {key: record[key] for key in _TURN_FIELDS if key in record}
    try:
        output = AgentTurn.model_validate({"tool_calls": calls, **fields})
    except ValidationError as exc:
        raise validation_error(exc, AgentTurn, path, line) from exc
    return case_id, turn, output


def load_outputs(path: Path, known: Collection[str] | None = None) -> dict[str, list[AgentTurn]]:
    """Read recorded outputs: ``{case_id: [turn 0, turn 1, ...]}``.

    Errors name ``file:line`` and the field; a repeated ``(case_id, turn)`` and a gap in a case's
    turn numbers are errors too, and so is, given the ``known`` case ids, an unknown one.
    """
    path = Path(path)
    found: dict[str, dict[int, tuple[int, AgentTurn]]] = {}
    for line, record in iter_jsonl(path):
        case_id, turn, output = _turn(record, path, line)
        if known is not None and case_id not in known:
            raise SuiteError(
                f"case '{case_id}' is not in the cases file",
                path=path,
                line=line,
                field="case_id",
                hint="fix the case id, or check the outputs against the cases they were "
                "recorded for",
            )
        turns = found.setdefault(case_id, {})
        if turn in turns:
            raise SuiteError(
                f"case '{case_id}' turn {turn} is recorded twice (first on line {turns[turn][0]})",
                path=path,
                line=line,
                field="turn",
                hint='keep one line per (case_id, turn); number later turns with "turn": 1, 2, ...',
            )
        turns[turn] = (line, output)
    if not found:
        raise SuiteError(
            "no recorded outputs: the file is empty (or holds only blank lines)",
            path=path,
            hint='write one {"case_id": "...", "tool_calls": [...]} object per line',
        )
    result: dict[str, list[AgentTurn]] = {}
    for case_id, turns in found.items():
        numbers = sorted(turns)
        if numbers != list(range(len(numbers))):
            gap = next(n for n in range(len(numbers) + 1) if n not in turns)
            last_line = max(line for line, _ in turns.values())
            raise SuiteError(
                f"case '{case_id}' has turns {numbers} but no turn {gap}",
                path=path,
                line=last_line,
                field="turn",
                hint="number each case's turns 0, 1, 2, ... without gaps",
            )
        result[case_id] = [turns[n][1] for n in numbers]
    return result
