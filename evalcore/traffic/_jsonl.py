"""Read plain JSONL request/response logs into exchanges, through a field mapping.

The mapping names, for each thing an exchange holds, the JSON path (:mod:`evalcore.json_path`:
``request.query``, ``retrieved[*].id``) where a log line keeps it. Only ``question`` is
required; a line that lacks it is skipped (and counted), a line that lacks an optional field
simply has none.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.json_path import JsonPath, PathError, parse_path, select
from evalstage.evalcore.loaders import iter_jsonl
from evalstage.evalcore.traffic._record import Call, Context, Exchange


class FieldMap(BaseModel):
    """Where a log line keeps each field (JSON paths); ``contexts``/``tool_calls`` name lists.

    ``context_id``, ``context_text`` and ``context_score`` are paths inside one item of the
    ``contexts`` list (an item that is a plain string is its text); ``tool_name`` and
    ``tool_arguments`` likewise inside one item of ``tool_calls``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str = Field(default="question", description="The user's question (required).")
    id: str | None = Field(default=None, description="A request id (default: the line number).")
    messages: str | None = Field(default=None, description="The chat messages sent.")
    answer: str | None = Field(default=None, description="The answer the system gave.")
    contexts: str | None = Field(default=None, description="The list of retrieved passages.")
    context_id: str = "id"
    context_text: str = "text"
    context_score: str = "score"
    tool_calls: str | None = Field(default=None, description="The list of tool calls made.")
    tool_name: str = "name"
    tool_arguments: str = "arguments"
    tools: str | None = Field(default=None, description="The tool definitions offered.")
    feedback: str | None = Field(default=None, description="User feedback (thumbs, score).")
    error: str | None = Field(default=None, description="An error the system reported.")
    latency_ms: str | None = Field(default=None, description="How long the request took (ms).")

    @field_validator("*")
    @classmethod
    def _a_path(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                parse_path(value)
            except PathError as exc:
                raise SuiteError(
                    str(exc), hint="write a path such as request.query or hits[*].id"
                ) from None
        return value

    def path(self, name: str) -> JsonPath | None:
        """The parsed path of field ``name`` (None when unmapped)."""
        text = getattr(self, name)
        return parse_path(text) if isinstance(text, str) else None


def _pick(record: Any, path: JsonPath | None) -> Any:
    if path is None:
        return None
    try:
        return select(record, path)
    except PathError:
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _contexts(items: Any, mapping: FieldMap) -> list[Context]:
    out: list[Context] = []
    ids, texts, scores = (mapping.path(n) for n in ("context_id", "context_text", "context_score"))
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            out.append(Context(doc_id="", text=item))
            continue
        doc_id, text, score = _pick(item, ids), _pick(item, texts), _pick(item, scores)
        number = (
            float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None
        )
        out.append(
            Context(
                doc_id="" if doc_id is None else str(doc_id), text=_text(text) or "", score=number
            )
        )
    return out


def _calls(items: Any, mapping: FieldMap) -> list[Call]:
    names, args = mapping.path("tool_name"), mapping.path("tool_arguments")
    out = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("function"), dict):
            item = item["function"]  # OpenAI's {"type": "function", "function": {...}}
        name = _pick(item, names)
        if isinstance(name, str) and name:
            arguments = _pick(item, args)
            if isinstance(arguments, str):
                with contextlib.suppress(ValueError):
                    arguments = json.loads(arguments)
            out.append(Call(name=name, arguments={} if arguments is None else arguments))
    return out


def read_jsonl_log(path: Path, mapping: FieldMap) -> tuple[list[Exchange], int]:
    """Every line of a JSONL log as an :class:`Exchange`; also how many lines had no question."""
    exchanges: list[Exchange] = []
    skipped = 0
    question = parse_path(mapping.question)
    for number, record in iter_jsonl(path):
        asked = _pick(record, question)
        if not isinstance(asked, str) or not asked.strip():
            skipped += 1
            continue
        ident = _pick(record, mapping.path("id"))
        latency = _pick(record, mapping.path("latency_ms"))
        messages = _pick(record, mapping.path("messages"))
        tools = _pick(record, mapping.path("tools"))
        error = _pick(record, mapping.path("error"))
        exchanges.append(
            Exchange(
                record_id=str(ident) if ident not in (None, "") else f"line-{number}",
                origin=f"{path.name}:{number}",
                question=asked,
                messages=[m for m in messages if isinstance(m, dict)]
                if isinstance(messages, list)
                else [],
                contexts=_contexts(_pick(record, mapping.path("contexts")), mapping),
                answer=_text(_pick(record, mapping.path("answer"))),
                tool_calls=_calls(_pick(record, mapping.path("tool_calls")), mapping),
                tools=[t for t in tools if isinstance(t, dict)] if isinstance(tools, list) else [],
                feedback=_pick(record, mapping.path("feedback")),
                error=_text(error) if error not in (None, "", False) else None,
                latency_ms=float(latency)
                if isinstance(latency, int | float) and not isinstance(latency, bool)
                else None,
            )
        )
    if not exchanges:
        raise SuiteError(
            f"no line of the log has a question at '{mapping.question}'"
            + (f" ({skipped} lines read)" if skipped else " (the file is empty)"),
            path=path,
            field="question",
            hint="map the question's path, e.g. --field question=request.query",
        )
    return exchanges, skipped
