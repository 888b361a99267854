"""Values formatted for a person: numbers, CIs, latencies, tokens, outcomes and config blocks.

Pure functions (no Streamlit): every page shows stored values through these, so no Python repr
(``{'name': ...}``, ``None``, ``[]``) ever reaches the screen. An absent value is an em dash
(:data:`DASH`); the caller says why in a tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

DASH = "—"
"""What an absent value shows as."""

OUTCOME_COLOURS = {
    "pass": "green",
    "fail": "red",
    "error": "orange",
    "unmeasured": "gray",
    "skipped": "gray",
}
"""Streamlit Markdown colour of each outcome's count."""

OUTCOME_ORDER = ("pass", "fail", "error", "unmeasured", "skipped")


def absent(value: Any) -> bool:
    """Whether ``value`` is missing: ``None``, NaN, or an empty string, list or mapping."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str | list | tuple | set | dict):
        return len(value) == 0
    return type(value).__name__ in ("NAType", "NaTType")


def number(value: Any, digits: int = 3) -> str:
    """``0.750``, ``1,234``, or :data:`DASH` when absent."""
    if absent(value):
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        return str(value)
    if as_float.is_integer() and abs(as_float) >= 1000:
        return f"{int(as_float):,}"
    return f"{as_float:.{digits}f}"


def signed(value: Any, digits: int = 3) -> str:
    """``+0.125`` / ``-0.040`` (a delta), or :data:`DASH`."""
    if absent(value):
        return DASH
    return f"{float(value):+.{digits}f}"


def with_ci(value: Any, low: Any, high: Any, n: Any = None, digits: int = 3) -> str:
    """``0.750 [0.650, 0.850] · n=4``."""
    text = number(value, digits)
    if not absent(low) and not absent(high):
        text += f" [{number(low, digits)}, {number(high, digits)}]"
    if not absent(n):
        text += f" · n={number(int(n))}"
    return text


def duration_ms(value: Any) -> str:
    """A latency in milliseconds as ``0.69 ms``, ``120 ms`` or ``1.23 s``."""
    if absent(value):
        return DASH
    ms = float(value)
    if ms >= 60_000:
        minutes, seconds = divmod(round(ms / 1000), 60)
        return f"{minutes} min {seconds} s"
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    if ms >= 100:
        return f"{ms:.0f} ms"
    if ms >= 10:
        return f"{ms:.1f} ms"
    return f"{ms:.2f} ms"


def latency(summary: Mapping[str, Any] | None) -> str:
    """``p50 0.69 ms · p95 1.20 ms`` of a stage's latency summary, or :data:`DASH`."""
    if not summary:
        return DASH
    parts = [f"{k} {duration_ms(summary[k])}" for k in ("p50", "p95") if k in summary]
    parts += [f"{k} {duration_ms(v)}" for k, v in summary.items() if k not in ("p50", "p95")]
    return " · ".join(parts) or DASH


def tokens(summary: Mapping[str, Any] | None) -> str:
    """``1,234 prompt · 56 completion`` (and flagged cases), or :data:`DASH`."""
    if not summary:
        return DASH
    names = {"prompt": "prompt", "completion": "completion", "flagged_cases": "cases flagged"}
    return " · ".join(f"{number(v)} {names.get(k, k)}" for k, v in summary.items())


def cost(summary: Mapping[str, Any] | None) -> str:
    """``$0.0123 (40 of 45 priced)`` from a stage's ``config.cost``, or :data:`DASH`."""
    if not summary or "usd" not in summary:
        return DASH
    priced = f"{summary.get('cases_priced', 0)} of {summary.get('cases', 0)} priced"
    return f"${float(summary['usd']):,.4f} ({priced})"


def outcomes_text(counts: Mapping[str, int]) -> str:
    """``pass 161 · fail 255`` in a fixed order (plain text)."""
    if not counts:
        return DASH
    return " · ".join(f"{name} {number(count)}" for name, count in ordered(counts))


def ordered(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Outcome counts in :data:`OUTCOME_ORDER`, unknown outcomes last."""
    known = [(o, counts[o]) for o in OUTCOME_ORDER if o in counts]
    return known + [(o, c) for o, c in counts.items() if o not in OUTCOME_ORDER]


def text(value: Any) -> str:
    """Any stored value as a person reads it.

    Numbers formatted, lists joined, mappings as ``key value`` pairs, booleans as yes/no,
    absent as :data:`DASH`.
    """
    if absent(value):
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k} {text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return ", ".join(text(v) for v in value)
    return str(value)


def flatten(pairs: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested mappings as ``(dotted.key, value)`` pairs (an empty mapping keeps its key)."""
    out: list[tuple[str, Any]] = []
    for key, value in pairs.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.extend(flatten(value, f"{name}."))
        else:
            out.append((name, value))
    return out


def target_name(target: Mapping[str, Any]) -> str:
    """A stage target in one phrase: ``bm25`` or ``dense (k 100, model minilm)``."""
    name = str(target.get("name") or "?")
    args = target.get("args") or {}
    if not isinstance(args, Mapping) or not args:
        return name
    return f"{name} ({', '.join(f'{k} {text(v)}' for k, v in flatten(args))})"
