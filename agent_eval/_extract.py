"""Type-directed argument extraction for the baseline agent: values found in the request text.

For each parameter of a tool's JSON Schema, by its type: enum values named in the text, numbers,
booleans from the parameter's name and negations, quoted strings, capitalised phrases and the
words after a preposition or the parameter's own name. Deterministic and weak on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["extract_arguments"]

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
