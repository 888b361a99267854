"""Explicit, explainable checks of a claim against its evidence (numbers, negation, coverage)."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["content_words", "explicit_checks", "has_negation", "numbers"]

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


def numbers(text: str) -> set[str]:
    """The numbers in ``text``, normalised (thousands commas removed, ``%`` kept)."""
    found = set()
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
    missing = sorted(claim_numbers - numbers(evidence))
    words = content_words(claim)
    coverage = len(words & content_words(evidence)) / len(words) if words else 1.0
    return {
        "numbers_missing": missing,
        "negation_mismatch": has_negation(claim) != has_negation(evidence),
        "coverage": round(coverage, 4),
    }
