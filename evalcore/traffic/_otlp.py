"""Read OpenTelemetry traces exported as OTLP JSON into exchanges (one per trace).

Both span conventions in use for LLM applications are read:

* **OpenTelemetry GenAI** (``gen_ai.*``): ``gen_ai.input.messages`` / ``gen_ai.output.messages``
  (messages with ``parts``: ``text``, ``tool_call``), the older ``gen_ai.prompt`` /
  ``gen_ai.completion`` and the per-message events (``gen_ai.user.message``,
  ``gen_ai.choice``), ``gen_ai.tool.definitions``, tool spans (``gen_ai.operation.name`` =
  ``execute_tool``: ``gen_ai.tool.name``, ``gen_ai.tool.call.arguments``) and retrieval spans
  (``gen_ai.retrieval.query.text``, ``gen_ai.retrieval.documents``);
* **OpenInference** (``openinference.span.kind`` RETRIEVER / LLM / TOOL / CHAIN / AGENT):
  ``input.value`` / ``output.value``, ``retrieval.documents.N.document.id|content|score``,
  ``llm.input_messages.N.message.role|content``, ``llm.output_messages.N.message.content`` and
  ``...message.tool_calls.M.tool_call.function.name|arguments``, ``llm.tools.N.tool.json_schema``,
  and TOOL spans' ``tool.name`` with ``input.value``.

A file is one ``ExportTraceServiceRequest`` JSON object (``{"resourceSpans": [...]}``) or JSON
Lines of them (what the Collector's file exporter writes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import iter_lines
from evalstage.evalcore.loaders import parse_json
from evalstage.evalcore.traffic._record import Call, Context, Exchange

_ERROR = 2  # STATUS_CODE_ERROR


def attribute_value(value: dict[str, Any]) -> Any:
    """An OTLP ``AnyValue`` (``{"stringValue": ...}``, ``arrayValue``, ``kvlistValue`` ...)."""
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "intValue" in value:
        return int(value["intValue"])  # int64 is written as a JSON string
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "arrayValue" in value:
        return [attribute_value(v) for v in value["arrayValue"].get("values", [])]
    if "kvlistValue" in value:
        return attributes(value["kvlistValue"].get("values", []))
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def attributes(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """OTLP ``[{"key", "value"}]`` as a plain mapping."""
    return {p["key"]: attribute_value(p.get("value") or {}) for p in pairs if "key" in p}


class _Malformed(Exception):
    """A value of an OTLP document that does not have its shape (``field``: where)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class _Span:
    """One span, its values converted (attributes as a mapping, times as integers or None)."""

    trace_id: str
    name: str
    parent: str
    attrs: dict[str, Any]
    events: list[tuple[str, dict[str, Any]]]
    status: dict[str, Any]
    start: int | None
    end: int | None


def _list_of_objects(value: Any, field: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _Malformed(field, f"expected a list of objects, found {_shape(value)}")
    return value


def _shape(value: Any) -> str:
    if isinstance(value, list):
        inner = next((v for v in value if not isinstance(v, dict)), None)
        return f"a list holding {type(inner).__name__} {json.dumps(inner)[:40]}"
    return f"{type(value).__name__} {json.dumps(value, default=str)[:40]}"


def _time(span: dict[str, Any], key: str, field: str) -> int | None:
    value = span.get(key)
    if value in (None, "", 0, "0"):  # proto3: zero is unset
        return None
    problem = _Malformed(f"{field}.{key}", f"expected nanoseconds since the epoch, found {value!r}")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise problem
    try:
        return int(value)
    except (ValueError, OverflowError):
        raise problem from None


def _checked_attributes(pairs: Any, field: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in _list_of_objects(pairs, field):
        if "key" not in pair:
            continue
        value = pair.get("value") or {}
        where = f"{field}[{json.dumps(pair['key'], default=str)}]"
        if not isinstance(value, dict):
            raise _Malformed(where, f"expected an AnyValue object, found {_shape(value)}")
        try:
            out[str(pair["key"])] = attribute_value(value)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise _Malformed(where, f"not a valid OTLP AnyValue ({exc})") from None
    return out


def _read_span(span: dict[str, Any], field: str) -> _Span:
    status = span.get("status") or {}
    if not isinstance(status, dict):
        raise _Malformed(f"{field}.status", f"expected an object, found {_shape(status)}")
    events = [
        (
            str(event.get("name", "")),
            _checked_attributes(event.get("attributes"), f"{field}.events[{i}].attributes"),
        )
        for i, event in enumerate(_list_of_objects(span.get("events"), f"{field}.events"))
    ]
    return _Span(
        trace_id=str(span.get("traceId", "")),
        name=str(span.get("name", "")),
        parent=str(span.get("parentSpanId") or ""),
        attrs=_checked_attributes(span.get("attributes"), f"{field}.attributes"),
        events=events,
        status=status,
        start=_time(span, "startTimeUnixNano", field),
        end=_time(span, "endTimeUnixNano", field),
    )


def _spans(document: dict[str, Any]) -> Iterator[_Span]:
    resources = _list_of_objects(document.get("resourceSpans"), "resourceSpans")
    for r, resource in enumerate(resources):
        where = f"resourceSpans[{r}]"
        key = "scopeSpans" if resource.get("scopeSpans") else "instrumentationLibrarySpans"
        for s, scope in enumerate(_list_of_objects(resource.get(key), f"{where}.{key}")):
            inner = f"{where}.{key}[{s}].spans"
            for i, span in enumerate(_list_of_objects(scope.get("spans"), inner)):
                yield _read_span(span, f"{inner}[{i}]")


def read_otlp(path: Path) -> list[Exchange]:
    """Every trace of an OTLP JSON export with a question in it, as an :class:`Exchange`.

    A value without its OTLP shape (a list of objects, an ``intValue`` that is no integer, a
    time that is no number) raises :class:`SuiteError` naming the line and the field.
    """
    documents: list[tuple[int, dict[str, Any]]] = []
    text = "\n".join(line for _, line in iter_lines(path))
    stripped = text.strip()
    if stripped.startswith("{") and "\n{" not in stripped:
        documents.append((1, _document(parse_json(stripped, path, 1), path, 1)))
    else:
        for number, line in iter_lines(path):
            if line.strip():
                documents.append((number, _document(parse_json(line, path, number), path, number)))
    traces: dict[str, list[_Span]] = {}
    for number, document in documents:
        try:
            for span in _spans(document):
                traces.setdefault(span.trace_id, []).append(span)
        except _Malformed as exc:
            raise SuiteError(
                f"not a valid OTLP trace export: {exc.message}",
                path=path,
                line=number,
                field=exc.field,
                hint="export traces as OTLP JSON (ExportTraceServiceRequest: resourceSpans > "
                "scopeSpans > spans, attributes as [{key, value: {stringValue|intValue|...}}], "
                "times as nanosecond strings)",
            ) from None
    exchanges = [_exchange(trace_id, spans, path) for trace_id, spans in traces.items()]
    return [e for e in exchanges if e is not None]


def _document(value: Any, path: Path, line: int) -> dict[str, Any]:
    if not isinstance(value, dict) or "resourceSpans" not in value:
        raise SuiteError(
            "not an OTLP JSON trace export (no 'resourceSpans')",
            path=path,
            line=line,
            hint="export traces as OTLP JSON (the Collector's file exporter, or "
            "ExportTraceServiceRequest as JSON); for request/response logs use --format jsonl",
        )
    return value


def _json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _indexed(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """``prefix.N.rest`` keys as a list (by N) of ``{rest: value}`` mappings."""
    items: dict[int, dict[str, Any]] = {}
    head = prefix + "."
    for key, value in attrs.items():
        if key.startswith(head):
            index, _, tail = key[len(head) :].partition(".")
            if index.isdigit() and tail:
                items.setdefault(int(index), {})[tail] = value
    return [items[i] for i in sorted(items)]


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return " ".join(
            str(p.get("text") or p.get("content") or "") for p in content if isinstance(p, dict)
        )
    return "" if content is None else str(content)


def _genai_messages(value: Any) -> list[dict[str, Any]]:
    """GenAI ``[{role, parts: [...]}]`` (or OpenAI-shaped ``[{role, content}]``) messages."""
    out: list[dict[str, Any]] = []
    for message in _json(value) if isinstance(_json(value), list) else []:
        if not isinstance(message, dict):
            continue
        parts = message.get("parts")
        calls: list[Call] = []
        if isinstance(parts, list):
            texts = []
            for part in parts:
                if not isinstance(part, dict):
                    continue
                if part.get("type") == "text":
                    texts.append(str(part.get("content", "")))
                elif part.get("type") == "tool_call":
                    calls.append(
                        Call(
                            name=str(part.get("name", "")),
                            arguments=_json(part.get("arguments") or {}),
                        )
                    )
            content = "\n".join(texts)
        else:
            content = _text_of(message.get("content"))
            for call in message.get("tool_calls") or []:
                function = call.get("function", call) if isinstance(call, dict) else {}
                calls.append(
                    Call(
                        name=str(function.get("name", "")),
                        arguments=_json(function.get("arguments") or {}),
                    )
                )
        out.append({"role": str(message.get("role", "user")), "content": content, "calls": calls})
    return out


def _oi_messages(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    out = []
    for item in _indexed(attrs, prefix):
        calls = [
            Call(
                name=str(c.get("tool_call.function.name", "")),
                arguments=_json(c.get("tool_call.function.arguments") or {}),
            )
            for c in _indexed(item, "message.tool_calls")
        ]
        out.append(
            {
                "role": str(item.get("message.role", "user")),
                "content": _text_of(item.get("message.content")),
                "calls": calls,
            }
        )
    return out


def _tool_definition(value: Any) -> dict[str, Any] | None:
    value = _json(value)
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("function"), dict):
        return {"type": "function", "function": value["function"]}
    if "name" in value:  # a Responses-API or bare function definition
        keep = {k: value[k] for k in ("name", "description", "parameters") if k in value}
        return {"type": "function", "function": keep}
    return None


class _Trace:
    """What one trace's spans say, gathered span by span."""

    def __init__(self) -> None:
        self.question = ""
        self.messages: list[dict[str, Any]] = []
        self.contexts: list[Context] = []
        self.answer: str | None = None
        self.llm_calls: list[Call] = []
        self.tool_spans: list[Call] = []
        self.tools: list[dict[str, Any]] = []
        self.feedback: Any = None
        self.error: str | None = None

    def read(self, span: _Span) -> None:
        attrs = span.attrs
        status = span.status
        if status.get("code") in (_ERROR, "STATUS_CODE_ERROR") and self.error is None:
            self.error = str(status.get("message") or "error")
        for key, value in attrs.items():
            if key.endswith("feedback") or key.endswith("feedback.score"):
                self.feedback = value
        kind = str(attrs.get("openinference.span.kind", "")).upper()
        operation = str(attrs.get("gen_ai.operation.name", ""))
        if kind == "RETRIEVER":
            self._oi_retriever(attrs)
        elif kind == "LLM":
            self._oi_llm(attrs)
        elif kind == "TOOL":
            name = attrs.get("tool.name") or span.name
            self.tool_spans.append(
                Call(name=str(name), arguments=_json(attrs.get("input.value") or {}))
            )
        elif kind in ("CHAIN", "AGENT") and not span.parent:
            self.question = self.question or _text_of(_question_of(attrs.get("input.value")))
            if isinstance(attrs.get("output.value"), str):
                self.answer = self.answer or attrs["output.value"]
        if operation == "retrieval" or "gen_ai.retrieval.documents" in attrs:
            self._genai_retrieval(attrs)
        elif operation == "execute_tool":
            self.tool_spans.append(
                Call(
                    name=str(attrs.get("gen_ai.tool.name", "")),
                    arguments=_json(attrs.get("gen_ai.tool.call.arguments") or {}),
                )
            )
        elif any(k.startswith("gen_ai.") for k in attrs) and operation != "retrieval":
            self._genai_llm(attrs, span.events)

    def _oi_retriever(self, attrs: dict[str, Any]) -> None:
        query = attrs.get("input.value")
        self.question = self.question or _text_of(_question_of(query))
        for item in _indexed(attrs, "retrieval.documents"):
            self._add_context(
                item.get("document.id"), item.get("document.content"), item.get("document.score")
            )

    def _genai_retrieval(self, attrs: dict[str, Any]) -> None:
        query = attrs.get("gen_ai.retrieval.query.text") or attrs.get("gen_ai.retrieval.query")
        if isinstance(query, str):
            self.question = self.question or query
        documents = _json(attrs.get("gen_ai.retrieval.documents"))
        for doc in documents if isinstance(documents, list) else []:
            if isinstance(doc, dict):
                self._add_context(doc.get("id"), doc.get("content"), doc.get("score"))

    def _add_context(self, doc_id: Any, text: Any, score: Any) -> None:
        content = "" if text is None else str(text)
        ident = str(doc_id) if doc_id not in (None, "") else ""
        number = (
            float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None
        )
        self.contexts.append(Context(doc_id=ident, text=content, score=number))

    def _oi_llm(self, attrs: dict[str, Any]) -> None:
        inputs = _oi_messages(attrs, "llm.input_messages")
        outputs = _oi_messages(attrs, "llm.output_messages")
        for tool in _indexed(attrs, "llm.tools"):
            definition = _tool_definition(tool.get("tool.json_schema"))
            if definition is not None:
                self.tools.append(definition)
        self._llm(inputs, outputs)

    def _genai_llm(self, attrs: dict[str, Any], events: list[tuple[str, dict[str, Any]]]) -> None:
        inputs = _genai_messages(attrs.get("gen_ai.input.messages"))
        outputs = _genai_messages(attrs.get("gen_ai.output.messages"))
        for name, body in events:  # the older per-message events
            if name.endswith(".message") and name.startswith("gen_ai."):
                role = name.removeprefix("gen_ai.").removesuffix(".message")
                inputs.append(
                    {"role": role, "content": _text_of(_json(body.get("content"))), "calls": []}
                )
            elif name == "gen_ai.choice":
                message = _json(body.get("message")) or {}
                outputs.extend(_genai_messages([message] if isinstance(message, dict) else []))
        prompt, completion = attrs.get("gen_ai.prompt"), attrs.get("gen_ai.completion")
        if not inputs and isinstance(prompt, str):
            inputs = _genai_messages(prompt) or [{"role": "user", "content": prompt, "calls": []}]
        if not outputs and isinstance(completion, str):
            outputs = _genai_messages(completion) or [
                {"role": "assistant", "content": completion, "calls": []}
            ]
        definitions = _json(attrs.get("gen_ai.tool.definitions"))
        for tool in definitions if isinstance(definitions, list) else []:
            definition = _tool_definition(tool)
            if definition is not None:
                self.tools.append(definition)
        self._llm(inputs, outputs)

    def _llm(self, inputs: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> None:
        if inputs and not self.messages:
            self.messages = [
                {"role": m["role"], "content": m["content"]}
                for m in inputs
                if m["role"] in ("system", "user", "assistant") and m["content"]
            ]
        users = [m["content"] for m in inputs if m["role"] == "user" and m["content"]]
        if users and not self.question:
            self.question = users[-1]
        for message in outputs:
            if message["content"]:
                self.answer = message["content"]
            self.llm_calls.extend(message["calls"])


def _question_of(value: Any) -> Any:
    parsed = _json(value)
    if isinstance(parsed, dict):
        for key in ("query", "question", "input", "query_str", "message"):
            if isinstance(parsed.get(key), str):
                return parsed[key]
        return ""
    return parsed


def _exchange(trace_id: str, spans: list[_Span], path: Path) -> Exchange | None:
    spans = sorted(spans, key=lambda s: (s.start is None, s.start or 0))
    trace = _Trace()
    for span in spans:
        trace.read(span)
    if not trace.question.strip():
        return None
    timed = [s for s in spans if s.start is not None and s.end is not None]  # both times known
    start = min((s.start for s in timed if s.start is not None), default=0)
    end = max((s.end for s in timed if s.end is not None), default=0)
    return Exchange(
        record_id=trace_id or f"trace-{len(spans)}",
        origin=f"{path.name} trace {trace_id}",
        question=trace.question,
        messages=trace.messages,
        contexts=trace.contexts,
        answer=trace.answer,
        tool_calls=trace.llm_calls or trace.tool_spans,
        tools=trace.tools,
        feedback=trace.feedback,
        error=trace.error,
        latency_ms=(end - start) / 1e6 if end > start else None,
    )
