"""Explicit, explainable checks of a claim against its evidence (numbers, negation, coverage)."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["content_words", "explicit_checks", "has_negation", "numbers", "spelled_numbers"]

_NUMBER = re.compile(r"(?<![A-Za-z])[-+]?\d+(?:[.,]\d+)*(?:\s?%)?")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_NEGATIONS = frozenset(
    {"not", "no", "never", "none", "neither", "nor", "without", "cannot", "lack", "lacks",
     "absent", "fail", "fails", "failed", "unable", "n't"}
)  # fmt: skip
_STOPWORDS = frozenset(
    {
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or",
        "but", "as", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that",
        "these", "those", "which", "who", "whom", "whose", "what", "when", "where", "how", "than",
        "then", "there", "their", "they", "them", "we", "our", "us", "you", "your", "he", "she",
        "his", "her", "i", "me", "my", "can", "could", "may", "might", "will", "would", "shall",
        "should", "do", "does", "did", "has", "have", "had", "not", "no", "into", "onto", "over",
        "under", "about", "after", "before", "between", "during", "through", "also", "such", "both",
        "each", "more", "most", "other", "some", "any", "all", "only", "very",
    }
)  # fmt: skip


_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SPELLED = re.compile(
    rf"\b(?:({'|'.join(_TENS)})(?:[- ]({'|'.join(_UNITS[1:10])}))?|({'|'.join(_UNITS)}))\b",
    re.IGNORECASE,
)


def spelled_numbers(text: str) -> set[str]:
    """The numbers below 100 that ``text`` spells out ("eleven" → 11, "twenty-one" → 21)."""
    found = set()
    for tens, unit, alone in _SPELLED.findall(text):
        if alone:
            found.add(str(_UNITS.index(alone.lower())))
        else:
            found.add(
                str(
                    10 * (_TENS.index(tens.lower()) + 2)
                    + (_UNITS.index(unit.lower()) if unit else 0)
                )
            )
    return found


def numbers(text: str, spelled: bool = False) -> set[str]:
    """The numbers in ``text``, normalised (thousands commas removed, ``%`` kept).

    With ``spelled``, also those it spells out below 100 (:func:`spelled_numbers`): a claim's
    "11 players" is stated by evidence that says "eleven players".
    """
    found = spelled_numbers(text) if spelled else set()
    for raw in _NUMBER.findall(text):
        value = raw.replace(" ", "").lstrip("+")
        if re.fullmatch(r"-?\d{1,3}(,\d{3})+(%)?", value):
            value = value.replace(",", "")
        found.add(value)
    return found


def has_negation(text: str) -> bool:
    """Whether ``text`` holds a negation word (``not``, ``no``, ``without``, ``-n't`` ...)."""
    lowered = text.lower().replace("n't", " n't")
    return any(token in _NEGATIONS for token in re.findall(r"[a-z']+", lowered))


def content_words(text: str) -> set[str]:
    """Lower-cased words of ``text`` that are not stopwords, crudely stemmed to 5 letters."""
    return {w.lower()[:5] for w in _WORD.findall(text) if w.lower() not in _STOPWORDS}


def explicit_checks(claim: str, evidence: str) -> dict[str, Any]:
    """Checks that explain a verdict.

    ``numbers_missing``: numbers of the claim absent from the evidence; ``negation_mismatch``:
    exactly one of claim and evidence is negated; ``coverage``: the share of the claim's content
    words found in the evidence (0..1).
    """
    claim_numbers = numbers(claim)
    missing = sorted(claim_numbers - numbers(evidence, spelled=True))
    words = content_words(claim)
    coverage = len(words & content_words(evidence)) / len(words) if words else 1.0
    return {
        "numbers_missing": missing,
        "negation_mismatch": has_negation(claim) != has_negation(evidence),
        "coverage": round(coverage, 4),
    }
