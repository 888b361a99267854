"""Meaning-preserving question perturbations (HELM's robustness families), seeded per case.

Each function takes the question and a seeded :class:`random.Random` and returns the perturbed
question with what it changed (``edits``: where, from what, to what), or the reason it does not
apply to this question (then the variant is skipped for the case, with that reason):

* ``typos``: two adjacent letters swapped inside up to two longer words (no word with a digit,
  no acronym, never the first letter);
* ``casing``: the whole question lower-cased;
* ``contractions``: contractions expanded, or expansions contracted (``what is`` ↔ ``what's``);
* ``filler``: a filler opening such as "Quick question:" (the question itself unchanged);
* ``synonyms``: up to two words swapped for a synonym from the bundled lexicon
  (:data:`~generation_eval._lexicon.SYNONYMS`, version :data:`LEXICON_VERSION`);
* ``reorder``: a leading qualifying clause moved to the end ("Among X, what ...?" → "What ...
  among X?"), only for the simple one-clause form where that is safe.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from evalstage.generation_eval._lexicon import CONTRACTIONS, FILLERS, LEXICON_VERSION, SYNONYMS

Perturbed = tuple[str, list[dict[str, Any]]] | str
"""The perturbed question and its edits, or why the family does not apply."""

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def _swap_letters(word: str, rng: random.Random) -> str:
    inner = [i for i in range(1, len(word) - 2) if word[i] != word[i + 1]]
    i = rng.choice(inner)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def typos(question: str, rng: random.Random) -> Perturbed:
    """Swap two adjacent inner letters of up to two words of six letters or more."""
    words = [
        m
        for m in _WORD.finditer(question)
        if len(m.group()) >= 6 and m.group().isalpha() and not m.group().isupper()
    ]
    words = [m for m in words if len(set(m.group()[1:-2])) > 1]
    if not words:
        return "no word of six letters or more to misspell"
    picked = sorted(rng.sample(words, min(2, len(words))), key=lambda m: m.start())
    out, edits, last = [], [], 0
    for m in picked:
        typo = _swap_letters(m.group(), rng)
        out += [question[last : m.start()], typo]
        edits.append({"at": m.start(), "from": m.group(), "to": typo})
        last = m.end()
    return "".join([*out, question[last:]]), edits


def casing(question: str, rng: random.Random) -> Perturbed:
    """The question in lower case."""
    lowered = question.lower()
    if lowered == question:
        return "the question is already lower case"
    return lowered, [{"at": 0, "from": "original casing", "to": "lower case"}]


def _replace_phrases(
    question: str, table: dict[str, str], limit: int, rng: random.Random
) -> tuple[str, list[dict[str, Any]]]:
    hits = []
    for phrase in table:
        for m in re.finditer(rf"\b{re.escape(phrase)}\b", question, re.IGNORECASE):
            hits.append(m)
    hits.sort(key=lambda m: m.start())
    kept: list[re.Match[str]] = []
    for m in hits:  # no overlapping matches
        if not kept or m.start() >= kept[-1].end():
            kept.append(m)
    picked = sorted(rng.sample(kept, min(limit, len(kept))), key=lambda m: m.start())
    out, edits, last = [], [], 0
    for m in picked:
        found = m.group()
        repl = table[found.lower()]
        if found[0].isupper():
            repl = repl[0].upper() + repl[1:]
        out += [question[last : m.start()], repl]
        edits.append({"at": m.start(), "from": found, "to": repl})
        last = m.end()
    return "".join([*out, question[last:]]), edits


def contractions(question: str, rng: random.Random) -> Perturbed:
    """Expand the question's contractions, or else contract its expansions."""
    expand = {short: long for long, short in CONTRACTIONS.items()}
    changed, edits = _replace_phrases(question, expand, 3, rng)
    if not edits:
        changed, edits = _replace_phrases(question, dict(CONTRACTIONS), 3, rng)
    if not edits:
        return "no contraction or expansion applies"
    return changed, edits


def filler(question: str, rng: random.Random) -> Perturbed:
    """A filler opening before the question."""
    phrase = rng.choice(FILLERS)
    body = question[0].lower() + question[1:] if question[:2].istitle() else question
    return f"{phrase} {body}", [{"at": 0, "from": "", "to": phrase}]


def synonyms(question: str, rng: random.Random) -> Perturbed:
    """Up to two words swapped for their synonym in the bundled lexicon."""
    changed, edits = _replace_phrases(question, dict(SYNONYMS), 2, rng)
    if not edits:
        return f"no word of the question is in the synonym lexicon ({LEXICON_VERSION})"
    return changed, edits


_LEADING = re.compile(
    r"^(?P<clause>(?:In|Among|For|After|During|Within|Across|Compared with|Compared to)"
    r"\s[^,?;]+),\s+(?P<rest>(?:what|which|how|by how|who|when|where|did|does|do|is|was|were|are)"
    r"\b[^,?;]*)\?$"
)


def reorder(question: str, rng: random.Random) -> Perturbed:
    """Move a single leading qualifying clause to the end of the question."""
    m = _LEADING.match(question.strip())
    if m is None:
        return "no single leading clause that can be moved safely"
    clause, rest = m.group("clause"), m.group("rest")
    moved = f"{rest[0].upper()}{rest[1:]} {clause[0].lower()}{clause[1:]}?"
    return moved, [{"at": 0, "from": clause, "to": f"end: {clause[0].lower()}{clause[1:]}"}]


PERTURBATIONS: dict[str, Callable[[str, random.Random], Perturbed]] = {
    "typos": typos,
    "casing": casing,
    "contractions": contractions,
    "filler": filler,
    "synonyms": synonyms,
    "reorder": reorder,
}
"""Each prompt-sensitivity family by name (the variant is ``prompt_<name>``)."""
