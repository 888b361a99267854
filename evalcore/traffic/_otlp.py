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


def _spans(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for resource in document.get("resourceSpans") or []:
        for scope in (
            resource.get("scopeSpans") or resource.get("instrumentationLibrarySpans") or []
        ):
            yield from scope.get("spans") or []


def read_otlp(path: Path) -> list[Exchange]:
    """Every trace of an OTLP JSON export with a question in it, as an :class:`Exchange`."""
    documents: list[tuple[int, dict[str, Any]]] = []
    text = "\n".join(line for _, line in iter_lines(path))
    stripped = text.strip()
    if stripped.startswith("{") and "\n{" not in stripped:
        documents.append((1, _document(parse_json(stripped, path, 1), path, 1)))
    else:
        for number, line in iter_lines(path):
            if line.strip():
                documents.append((number, _document(parse_json(line, path, number), path, number)))
    traces: dict[str, list[dict[str, Any]]] = {}
    for _, document in documents:
        for span in _spans(document):
            traces.setdefault(str(span.get("traceId", "")), []).append(span)
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

    def read(self, span: dict[str, Any]) -> None:
        attrs = attributes(span.get("attributes") or [])
        status = span.get("status") or {}
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
            name = attrs.get("tool.name") or span.get("name", "")
            self.tool_spans.append(
                Call(name=str(name), arguments=_json(attrs.get("input.value") or {}))
            )
        elif kind in ("CHAIN", "AGENT") and not span.get("parentSpanId"):
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
            self._genai_llm(attrs, span.get("events") or [])

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

    def _genai_llm(self, attrs: dict[str, Any], events: list[dict[str, Any]]) -> None:
        inputs = _genai_messages(attrs.get("gen_ai.input.messages"))
        outputs = _genai_messages(attrs.get("gen_ai.output.messages"))
        for event in events:  # the older per-message events
            name = str(event.get("name", ""))
            body = attributes(event.get("attributes") or [])
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


def _exchange(trace_id: str, spans: list[dict[str, Any]], path: Path) -> Exchange | None:
    spans = sorted(spans, key=lambda s: int(s.get("startTimeUnixNano") or 0))
    trace = _Trace()
    for span in spans:
        trace.read(span)
    if not trace.question.strip():
        return None
    start = min(int(s.get("startTimeUnixNano") or 0) for s in spans)
    end = max(int(s.get("endTimeUnixNano") or 0) for s in spans)
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
