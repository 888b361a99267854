"""A small JSON path syntax and a structural request-body template, for the ``http`` targets.

**Paths** pick a value out of a parsed JSON reply: ``data.answer`` (object keys, dotted),
``results[0].id`` (a list index), ``results[*].id`` (every item of a list: the result is a
list). A key holding a dot or a bracket cannot be named; nothing else is evaluated.
:func:`parse_path` validates a path when the suite loads; :func:`select` raises
:class:`PathError` with a readable reason (``'data' has no key 'answer' (keys: text)``).

**Body templates** are JSON values whose strings may name placeholders (``$question``). A
string that is exactly one placeholder is replaced by the value itself, whatever its JSON type
(``"$passages_json"`` becomes a list, ``"$k"`` a number); a placeholder inside a longer string
is replaced by its text (:class:`string.Template`, ``$$`` for a dollar sign). The JSON is never
built by formatting text, so a question with quotes cannot break it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from string import Template
from typing import Any

__all__ = ["JsonPath", "PathError", "check_template", "parse_path", "render_template", "select"]

_STEP = re.compile(r"([^.\[\]]+)|\[(\*|\d+)\]|(\.)")


class PathError(ValueError):
    """A path that does not parse, or a reply it does not fit (the message says where)."""


@dataclass(frozen=True)
class JsonPath:
    """A parsed path: its steps, each a key (str), an index (int) or every item (None)."""

    text: str
    steps: tuple[str | int | None, ...]

    @property
    def many(self) -> bool:
        """Whether the path selects a list of values (it has a ``[*]``)."""
        return None in self.steps


def parse_path(text: str) -> JsonPath:
    """Parse ``text`` (``a.b``, ``a[0].b``, ``a[*].b``); a bad one raises :class:`PathError`."""
    if not text or text.strip() != text:
        raise PathError(f"path {text!r} is empty or has spaces around it")
    steps: list[str | int | None] = []
    position, expect_key = 0, True
    while position < len(text):
        match = _STEP.match(text, position)
        if match is None:
            raise PathError(f"path {text!r}: cannot read it at character {position + 1}")
        key, index, dot = match.groups()
        if dot is not None:
            if expect_key or position == len(text) - 1:
                raise PathError(f"path {text!r}: a '.' must sit between two keys")
            expect_key = True
        elif key is not None:
            if not expect_key:
                raise PathError(f"path {text!r}: write a '.' before the key {key!r}")
            steps.append(key)
            expect_key = False
        else:
            if not steps:
                raise PathError(f"path {text!r} must start with a key (e.g. results[*].id)")
            steps.append(None if index == "*" else int(index))
            expect_key = False
        position = match.end()
    return JsonPath(text, tuple(steps))


def _where(done: list[str | int]) -> str:
    out = ""
    for step in done:
        out += f"[{step}]" if isinstance(step, int) else f".{step}" if out else step
    return out or "the reply"


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def select(data: Any, path: JsonPath) -> Any:
    """The value ``path`` names in ``data``; a missing key, a wrong type: :class:`PathError`."""

    def walk(value: Any, steps: tuple[str | int | None, ...], done: list[str | int]) -> Any:
        if not steps:
            return value
        step, rest = steps[0], steps[1:]
        here = _where(done)
        if not isinstance(step, str):
            if not isinstance(value, list):
                raise PathError(f"{here} is {_kind(value)}, not a list (path {path.text})")
            if step is None:
                return [walk(item, rest, [*done, i]) for i, item in enumerate(value)]
            if step >= len(value):
                raise PathError(f"{here} has {len(value)} items, no [{step}] (path {path.text})")
            return walk(value[step], rest, [*done, step])
        if not isinstance(value, dict):
            raise PathError(f"{here} is {_kind(value)}, not an object (path {path.text})")
        if step not in value:
            keys = ", ".join(sorted(map(str, value))[:10]) or "none"
            raise PathError(f"{here} has no key {step!r} (keys: {keys}; path {path.text})")
        return walk(value[step], rest, [*done, step])

    return walk(data, path.steps, [])


_NAME = re.compile(r"\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([_a-z][_a-z0-9]*)\}|())", re.IGNORECASE)


def _names(text: str, where: str) -> list[str]:
    found = []
    for match in _NAME.finditer(text):
        escaped, plain, braced, bad = match.groups()
        if bad is not None:
            raise PathError(f"{where}: a '$' that names no placeholder (write $$ for a dollar)")
        if escaped is None:
            found.append(plain or braced)
    return found


def check_template(template: Any, allowed: Collection[str], where: str = "body") -> set[str]:
    """The placeholders ``template`` uses; one not in ``allowed`` raises :class:`PathError`."""
    used: set[str] = set()

    def walk(value: Any, here: str) -> None:
        if isinstance(value, str):
            for name in _names(value, here):
                if name not in allowed:
                    choices = ", ".join(f"${n}" for n in sorted(allowed))
                    raise PathError(f"{here}: unknown placeholder ${name} (use {choices})")
                used.add(name)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                walk(item, f"{here}.{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{here}[{i}]")

    walk(template, where)
    return used


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def render_template(template: Any, values: Mapping[str, Any]) -> Any:
    """``template`` with every placeholder replaced from ``values`` (checked beforehand)."""
    if isinstance(template, str):
        whole = _NAME.fullmatch(template)
        if whole is not None and whole.group(1) is None and (whole.group(2) or whole.group(3)):
            return values[whole.group(2) or whole.group(3)]
        return Template(template).substitute({k: _text(v) for k, v in values.items()})
    if isinstance(template, Mapping):
        return {key: render_template(item, values) for key, item in template.items()}
    if isinstance(template, list):
        return [render_template(item, values) for item in template]
    return template
