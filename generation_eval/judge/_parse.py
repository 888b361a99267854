"""Reading judge replies.

A reply that cannot be read gives ``None``: the caller marks the judgement ``unmeasured`` and
keeps the raw text. Nothing here raises on model output.
"""

from __future__ import annotations

import json
import re
from typing import Literal

from evalstage.generation_eval.judge._rubric import Rubric

Shown = Literal["first", "second", "tie"]
"""A pairwise verdict in presentation terms: the answer shown first, second, or neither."""

_VERDICT_LINE = re.compile(
    r"(?:verdict|winner|final answer|answer)\s*[:=]\s*\**\s*\[*\s*"
    r"(answer\s+)?(?:an?\s+(?=(?:tie|draw)\b))?(a|b|tie|draw|equal|c)\b",
    re.IGNORECASE,
)
_BRACKETS = re.compile(r"\[\[\s*(a|b|c|tie)\s*\]\]", re.IGNORECASE)
_OUTPUT = re.compile(r"(?:^|\n)\s*\**\s*output\s*\(\s*(a|b)\s*\)", re.IGNORECASE)
_LEVEL_LINE = re.compile(r"level\s*[:=]\s*\**\s*([A-Za-z0-9_-]+)", re.IGNORECASE)
_TOKENS = {"a": "first", "b": "second", "c": "tie", "tie": "tie", "draw": "tie", "equal": "tie"}


def _json_field(text: str, field: str) -> str | None:
    for match in re.finditer(r"\{[^{}]*\}", text):
        try:
            value = json.loads(match.group(0))
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and isinstance(value.get(field), str):
            return str(value[field])
    return None


def _single(found: list[str]) -> str | None:
    """The one distinct value found, or ``None`` when there is none or they disagree."""
    distinct = {f.lower() for f in found}
    return found[-1].lower() if len(distinct) == 1 else None


def parse_pairwise(text: str | None) -> Shown | None:
    """Read a pairwise reply: ``Verdict: A``, ``[[B]]``, ``Output (a)`` or ``{"verdict": "tie"}``.

    ``A``/``B`` are the answers as *shown* (first, second). Ambiguous or absent verdicts give
    ``None``; the last ``Verdict:`` line wins when a reply restates its verdict consistently.
    """
    if not text or not text.strip():
        return None
    from_json = _json_field(text, "verdict")
    if from_json is not None and from_json.strip().lower() in _TOKENS:
        return _TOKENS[from_json.strip().lower()]  # type: ignore[return-value]
    for pattern in (_VERDICT_LINE, _BRACKETS, _OUTPUT):
        hits = [m.group(m.lastindex or 1) for m in pattern.finditer(text)]
        if hits:
            token = _single(hits)
            return _TOKENS[token] if token is not None else None  # type: ignore[return-value]
    bare = text.strip().strip(".*\"' ").lower()
    return _TOKENS.get(bare) if bare in ("a", "b", "tie") else None  # type: ignore[return-value]


def parse_level(text: str | None, rubric: Rubric) -> str | None:
    """Read a rubric reply: ``Level: <name>`` or ``{"level": "<name>"}``; the rubric's own name."""
    if not text or not text.strip():
        return None
    found = _json_field(text, "level")
    hits = [found] if found is not None else [m.group(1) for m in _LEVEL_LINE.finditer(text)]
    if not hits:
        hits = [text.strip().strip(".*\"' ")]
    token = _single(hits)
    if token is None:
        return None
    try:
        return rubric.level(token).name
    except KeyError:
        return None
