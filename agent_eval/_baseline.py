"""The built-in ``baseline`` agent: an honest, weak, deterministic tool caller.

It picks tools by embedding similarity (the bundled all-MiniLM-L6-v2, loaded once, offline)
between the last user message and each tool's name and description, makes no call when nothing is
similar enough, and fills arguments by type-directed extraction from the request text. It exists
so that every agent suite has a floor to compare real agents against, not to be good.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from agent_eval._cases import AgentTurn, ToolCall

__all__ = [
    "BaselineAgent",
    "BaselineConfig",
    "Encoder",
    "extract_arguments",
    "last_user_text",
    "split_request",
    "tool_text",
]

Vectors = npt.NDArray[np.float32]
Encoder = Callable[[Sequence[str]], Vectors]
"""Texts in, one L2-normalised embedding per row out."""

NO_TOOL_REPLY = "None of the available tools fits this request."


class BaselineConfig(BaseModel):
    """Options of the baseline agent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float = Field(
        default=0.25,
        ge=-1.0,
        le=1.0,
        description="Minimum cosine similarity between the request and a tool for a call.",
    )
    max_calls: int = Field(
        default=3, ge=1, description="Most calls made in one turn (1 disables splitting)."
    )


# ---------------------------------------------------------------------------- request text
def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return " ".join(
            str(part.get("text", "")) for part in content if isinstance(part, Mapping)
        ).strip()
    return ""


def last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The text of the last ``user`` message ("" when there is none)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return _content_text(message.get("content"))
    return ""


def _tool_results_since_user(messages: Sequence[Mapping[str, Any]]) -> list[str] | None:
    """Tool results after the last user message, or None when no tool was called since."""
    results: list[str] = []
    called = False
    for message in reversed(messages):
        role = message.get("role")
        if role == "user":
            break
        if role == "tool":
            results.append(_content_text(message.get("content")))
        if role == "assistant" and message.get("tool_calls"):
            called = True
    return list(reversed(results)) if called else None


_SPLIT = re.compile(r"\s*(?:;|\band also\b|\balso\b|\band\b)\s*", re.IGNORECASE)


def split_request(text: str) -> list[str]:
    """Split a request on ``;``, "also" and "and"; parts of fewer than 2 words are dropped."""
    parts = [part.strip(" ,.?!") for part in _SPLIT.split(text)]
    return [part for part in parts if len(part.split()) >= 2]


def tool_text(tool: Mapping[str, Any]) -> str:
    """A tool's name (words split) and description, the text its embedding is computed from."""
    function = _function(tool)
    name = str(function.get("name", ""))
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    words = re.sub(r"[_\-.]+", " ", words).strip()
    description = str(function.get("description") or "").strip()
    return f"{words}: {description}" if description else words


def _function(tool: Mapping[str, Any]) -> Mapping[str, Any]:
    function = tool.get("function")
    return function if isinstance(function, Mapping) else tool


# ---------------------------------------------------------------------------- arguments
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
_QUOTED = re.compile(r"\"([^\"]+)\"|(?<!\w)'([^']+)'(?!\w)|“([^”]+)”")
_CAPS = re.compile(r"[A-Z][\w'’-]*(?:\s+(?:of|de|la|le|du|van|von|the)?\s*[A-Z][\w'’-]*)*")
_PREPOSITION = re.compile(
    r"\b(?:in|at|for|from|to|of|near|about|named|called|with|by|on)\s+$", re.IGNORECASE
)
_NEGATIONS = frozenset({"no", "not", "don't", "dont", "without", "never", "exclude"})
_STOP_CAPS_TEXT = (
    "i i'm i'd i'll what what's whats how please can could would will tell get find show give "
    "is are do does the a an hi hello hey which who when where why also and then let lets "
    "let's search look check send book set add make create it my me we you should yes no "
    "compute calculate call use run list fetch thanks thank"
)
_STOP_CAPS = frozenset(_STOP_CAPS_TEXT.split())


@dataclass
class _Span:
    start: int
    end: int
    value: Any
    used: bool = False


def _schema_type(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and "enum" in schema:
        kind = "string"
    return str(kind) if kind is not None else "string"


def _name_pattern(name: str) -> str:
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    parts = [re.escape(w) for w in re.split(r"[_\-.\s]+", words) if w]
    return r"[\s_-]*".join(parts)


def _number_value(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:"


def _string_candidates(text: str, exclude: set[str]) -> list[_Span]:
    """Quoted strings, then capitalised phrases: after a preposition, mid-sentence, initial."""
    quoted = [
        _Span(m.start(), m.end(), next(g for g in m.groups() if g is not None))
        for m in _QUOTED.finditer(text)
    ]
    ranked: list[tuple[int, int, _Span]] = []
    for match in _CAPS.finditer(text):
        if any(q.start <= match.start() < q.end for q in quoted):
            continue
        words = match.group(0).split()
        offset = match.start()
        while words and words[0].lower().strip("'’") in _STOP_CAPS:
            offset = text.index(words[0], offset) + len(words[0])
            words = words[1:]
        while words and words[-1].lower() in {"of", "de", "la", "le", "du", "van", "von", "the"}:
            words = words[:-1]
        phrase = " ".join(words).strip(" '’")
        if not phrase or phrase.lower() in exclude:
            continue
        start = text.index(words[0], offset)
        if _PREPOSITION.search(text[:start]):
            rank = 0
        elif not _sentence_initial(text, start):
            rank = 1
        else:
            rank = 2
        ranked.append((rank, start, _Span(start, start + len(phrase), phrase)))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return quoted + [span for _, _, span in ranked]


def _after_name(text: str, name: str) -> str | None:
    """The value written right after a parameter's name: ``city "Paris"``, ``name is Bob``."""
    pattern = re.compile(
        rf"\b{_name_pattern(name)}\b\s*(?:is|=|:|of|named|called|to|as)?\s*"
        r"(?:\"([^\"]+)\"|'([^']+)'|([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)|([\w@./:+-]+))",
        re.IGNORECASE,
    )
    match = pattern.search(text)
    if match is None:
        return None
    value = next(g for g in match.groups() if g is not None).strip(" .,;!?")
    if not value or value.lower() in _STOP_CAPS or value.lower() in {"is", "of", "the", "a"}:
        return None
    return value


def _find_enum(text: str, values: Sequence[Any]) -> tuple[int, Any] | None:
    best: tuple[int, Any] | None = None
    for value in values:
        if isinstance(value, bool) or value is None:
            continue
        pattern = rf"(?<![\w.]){re.escape(str(value))}(?![\w])"
        match = re.search(pattern, text, re.IGNORECASE)
        if match is not None and (best is None or match.start() < best[0]):
            best = (match.start(), value)
    return best


def _find_bool(text: str, name: str) -> bool | None:
    lowered = text.lower()
    named = re.search(rf"\b{_name_pattern(name)}\b", lowered, re.IGNORECASE)
    if named is not None:
        before = re.findall(r"[\w']+", lowered[: named.start()])[-3:]
        return not any(word in _NEGATIONS for word in before)
    words = re.findall(r"[\w']+", lowered)
    for word in words:
        if word in ("yes", "true"):
            return True
        if word in ("no", "false"):
            return False
    return None


def extract_arguments(text: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Fill a tool's arguments from request text, by each parameter's JSON-Schema type.

    Enums match their values in the text; integers and numbers take the number written after the
    parameter's name, else numbers in order of appearance (matched to numeric parameters in
    declaration order); booleans come from the parameter's name (negated by "not"/"without") or
    yes/no/true/false; strings from the text after the parameter's name, else quoted text, else
    capitalised phrases (required strings only); arrays of numbers take the remaining numbers.
    Parameters it cannot fill are omitted.
    """
    properties = parameters.get("properties")
    if not isinstance(properties, Mapping):
        return {}
    required = set(parameters.get("required") or [])
    numbers = [_Span(m.start(), m.end(), _number_value(m.group(0))) for m in _NUMBER.finditer(text)]
    enum_words = {
        str(v).lower()
        for schema in properties.values()
        if isinstance(schema, Mapping)
        for v in schema.get("enum", [])
    }
    strings = _string_candidates(text, enum_words)
    args: dict[str, Any] = {}
    kinds = {
        name: _schema_type(schema) if isinstance(schema, Mapping) else "string"
        for name, schema in properties.items()
    }

    def take_number(kind: str, span: _Span) -> Any | None:
        if span.used:
            return None
        value = span.value
        if kind == "integer":
            if isinstance(value, float) and not value.is_integer():
                return None
            value = int(value)
        span.used = True
        return value

    # 1. enums
    for name, schema in properties.items():
        if isinstance(schema, Mapping) and schema.get("enum") and kinds[name] != "array":
            found = _find_enum(text, list(schema["enum"]))
            if found is not None:
                args[name] = found[1]
    # 2. numbers written right after the parameter's name
    for name, kind in kinds.items():
        if name in args or kind not in ("integer", "number"):
            continue
        pattern = rf"\b{_name_pattern(name)}\b\W{{0,3}}(?:(?:is|of|=|to|at|as)\W{{0,3}})?"
        for match in re.finditer(pattern, text, re.IGNORECASE):
            span = next((s for s in numbers if s.start == match.end()), None)
            if span is not None and (value := take_number(kind, span)) is not None:
                args[name] = value
                break
    # 3. arrays: numbers left over, or quoted strings / enum values
    for name, schema in properties.items():
        if name in args or kinds[name] != "array" or not isinstance(schema, Mapping):
            continue
        items = schema.get("items")
        items = items if isinstance(items, Mapping) else {}
        item_kind = _schema_type(items)
        if items.get("enum"):
            hits = [v for v in items["enum"] if _find_enum(text, [v]) is not None]
            if hits:
                args[name] = hits
        elif item_kind in ("integer", "number"):
            values = [v for s in numbers if (v := take_number(item_kind, s)) is not None]
            if values:
                args[name] = values
        elif item_kind == "string":
            values = [s.value for s in strings if not s.used]
            if values and name in required:
                for span in strings:
                    span.used = True
                args[name] = values
    # 4. remaining numbers, in order of appearance, to numeric parameters in declaration order
    for name, kind in kinds.items():
        if name in args or kind not in ("integer", "number"):
            continue
        for span in numbers:
            if (value := take_number(kind, span)) is not None:
                args[name] = value
                break
    # 5. booleans
    for name, kind in kinds.items():
        if name not in args and kind == "boolean":
            flag = _find_bool(text, name)
            if flag is not None:
                args[name] = flag
    # 6. strings: after the name, then quoted / capitalised phrases
    for name, kind in kinds.items():
        if name in args or kind != "string":
            continue
        value = _after_name(text, name)
        if value is not None and value.lower() not in enum_words:
            args[name] = value
            for span in strings:
                if span.value == value:
                    span.used = True
    for name, kind in kinds.items():
        if name in args or kind != "string":
            continue
        for span in strings:
            is_quoted = text[span.start : span.start + 1] in "\"'“"
            if span.used or not (name in required or is_quoted):
                continue
            span.used = True
            args[name] = span.value
            break
    return {name: args[name] for name in properties if name in args}


# ---------------------------------------------------------------------------- the agent
def _default_encoder(texts: Sequence[str]) -> Vectors:
    from evalcore.sentence_models import load_sentence_model

    vectors = load_sentence_model().encode(
        list(texts), convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)


class BaselineAgent:
    """The built-in baseline: implements the ``Agent`` protocol (``respond(messages, tools)``).

    After its tools have been called (tool results follow the last user message) it answers
    with the results as plain text and makes no further call.
    """

    def __init__(self, config: BaselineConfig | None = None, *, encoder: Encoder | None = None):
        self.config = config if config is not None else BaselineConfig()
        self._encode = encoder if encoder is not None else _default_encoder
        self._tool_vectors: dict[str, Vectors] = {}

    def describe(self) -> dict[str, Any]:
        """A description for run records."""
        return {"kind": "baseline", "model": "all-MiniLM-L6-v2", **self.config.model_dump()}

    def _vectors_for(self, texts: Sequence[str]) -> Vectors:
        missing = [t for t in dict.fromkeys(texts) if t not in self._tool_vectors]
        if missing:
            for text, vector in zip(missing, self._encode(missing), strict=True):
                self._tool_vectors[text] = vector
        return np.stack([self._tool_vectors[t] for t in texts])

    def _similarities(self, queries: Sequence[str], tools: Sequence[Mapping[str, Any]]) -> Vectors:
        tool_vectors = self._vectors_for([tool_text(t) for t in tools])
        query_vectors = np.asarray(self._encode(list(queries)), dtype=np.float32)
        return np.asarray(query_vectors @ tool_vectors.T, dtype=np.float32)

    def _call(self, text: str, tool: Mapping[str, Any]) -> tuple[ToolCall, bool]:
        """The call for ``tool`` with arguments from ``text``; whether every required one is set."""
        function = _function(tool)
        parameters = function.get("parameters")
        parameters = parameters if isinstance(parameters, Mapping) else {}
        args = extract_arguments(text, parameters)
        complete = all(name in args for name in parameters.get("required") or [])
        return ToolCall(name=str(function.get("name", "")), arguments=args), complete

    def respond(
        self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]]
    ) -> AgentTurn:
        """Choose zero or more tool calls for the conversation so far."""
        results = _tool_results_since_user(messages)
        if results is not None:
            return AgentTurn(content="\n".join(r for r in results if r) or "Done.")
        text = last_user_text(messages)
        if not tools or not text.strip():
            return AgentTurn(content=NO_TOOL_REPLY)
        threshold = self.config.threshold
        parts = split_request(text) if self.config.max_calls > 1 else []
        queries = [text, *parts] if len(parts) >= 2 else [text]
        scores = self._similarities(queries, tools)
        best = int(np.argmax(scores[0]))
        if float(scores[0, best]) < threshold:
            return AgentTurn(content=NO_TOOL_REPLY)
        if len(queries) > 1:
            calls: list[ToolCall] = []
            for part, row in zip(parts, scores[1:], strict=True):
                choice = int(np.argmax(row))
                if float(row[choice]) < threshold:
                    continue
                call, complete = self._call(part, tools[choice])
                if complete and not any(_same(call, c) for c in calls):
                    calls.append(call)
            if len(calls) >= 2:
                return AgentTurn(tool_calls=calls[: self.config.max_calls])
        call, _ = self._call(text, tools[best])
        return AgentTurn(tool_calls=[call])


def _same(a: ToolCall, b: ToolCall) -> bool:
    return a.name == b.name and json.dumps(a.arguments, sort_keys=True) == json.dumps(
        b.arguments, sort_keys=True
    )
