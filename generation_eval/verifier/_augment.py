"""FactCC-style perturbations: a statement changed in direction, negation, number or entity."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

__all__ = ["perturb", "swap_entity"]

_PAIRS = [
    ("increase", "decrease"), ("increases", "decreases"), ("increased", "decreased"),
    ("increasing", "decreasing"), ("higher", "lower"), ("more", "less"), ("greater", "smaller"),
    ("upregulated", "downregulated"), ("upregulates", "downregulates"),
    ("up-regulated", "down-regulated"), ("activates", "inhibits"), ("activated", "inhibited"),
    ("promotes", "suppresses"), ("promoted", "suppressed"), ("enhances", "reduces"),
    ("enhanced", "reduced"), ("improves", "worsens"), ("improved", "worsened"),
    ("positive", "negative"), ("positively", "negatively"), ("high", "low"),
    ("elevated", "lowered"), ("induces", "prevents"), ("induced", "prevented"),
    ("stimulates", "inhibits"), ("beneficial", "harmful"), ("effective", "ineffective"),
    ("sufficient", "insufficient"), ("necessary", "unnecessary"), ("strong", "weak"),
    ("stronger", "weaker"), ("longer", "shorter"), ("faster", "slower"), ("gain", "loss"),
    ("rise", "fall"), ("benign", "malignant"), ("common", "rare"), ("before", "after"),
    ("above", "below"), ("larger", "smaller"), ("protective", "detrimental"),
    ("accelerates", "delays"), ("significant", "insignificant"),
    ("associated", "unassociated"), ("risk", "protection"), ("majority", "minority"),
]  # fmt: skip
_SWAP = {a: b for a, b in _PAIRS} | {b: a for a, b in _PAIRS}
_SWAP_RE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _SWAP), key=len, reverse=True)) + r")\b", re.I
)
_AUX_RE = re.compile(
    r"\b(is|are|was|were|can|could|may|might|will|would|should|does|did|do|has|have|had)\b(?! not)"
)
_NEG_RE = re.compile(r"\b(not|no|never|without|cannot)\b\s*", re.I)
_NEG_REPLACE = {"not": "", "no": "", "never": "", "without": "with ", "cannot": "can "}
_NUMBER_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.]*\d)")
_ENTITY_RE = re.compile(r"\b(?:[A-Z][A-Za-z0-9-]{3,}|[a-z]+[0-9][A-Za-z0-9-]*|[a-z]{9,})\b")


def _match_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _swap_direction(text: str, rng: random.Random) -> str | None:
    matches = list(_SWAP_RE.finditer(text))
    if not matches:
        return None
    m = rng.choice(matches)
    new = _match_case(_SWAP[m.group(1).lower()], m.group(1))
    return text[: m.start()] + new + text[m.end() :]


def _toggle_negation(text: str, rng: random.Random) -> str | None:
    negations = list(_NEG_RE.finditer(text))
    if negations:
        m = rng.choice(negations)
        new = _NEG_REPLACE[m.group(1).lower()]
        return text[: m.start()] + new + text[m.end() :]
    auxiliaries = list(_AUX_RE.finditer(text))
    if auxiliaries:
        m = rng.choice(auxiliaries)
        return text[: m.end()] + " not" + text[m.end() :]
    return None


def _change_number(text: str, rng: random.Random) -> str | None:
    matches = list(_NUMBER_RE.finditer(text))
    if not matches:
        return None
    m = rng.choice(matches)
    raw = m.group(1)
    if "." in raw:
        decimals = len(raw.split(".")[1])
        new = f"{float(raw) * rng.choice([0.5, 1.5, 2.0, 3.0]) + 0.1:.{decimals}f}"
    else:
        value = int(raw)
        new = str(value * rng.choice([2, 3, 10]) + rng.randint(1, 9) if value < 1000 else value + 1)
    if new == raw:
        return None
    return text[: m.start()] + new + text[m.end() :]


def perturb(text: str, rng: random.Random) -> tuple[str, str] | None:
    """A contradicting variant of ``text`` and its kind: direction swap, negation, number."""
    moves = [
        ("direction", _swap_direction),
        ("negation", _toggle_negation),
        ("number", _change_number),
    ]
    rng.shuffle(moves)
    for kind, move in moves:
        changed = move(text, rng)
        if changed is not None and changed != text:
            return " ".join(changed.split()), kind
    return None


def swap_entity(text: str, donors: Sequence[str], rng: random.Random) -> str | None:
    """``text`` with one name or term replaced by one from ``donors`` (None if none fits)."""
    mine = list(_ENTITY_RE.finditer(text))
    donor_words: list[str] = [w for d in donors for w in _ENTITY_RE.findall(d)]
    if not mine or not donor_words:
        return None
    m = rng.choice(mine)
    candidates = [w for w in donor_words if w.lower() != m.group(0).lower()]
    if not candidates:
        return None
    return text[: m.start()] + rng.choice(candidates) + text[m.end() :]
