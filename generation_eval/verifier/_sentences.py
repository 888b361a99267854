"""A regex sentence splitter that keeps abbreviations, initials and decimals intact."""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

_ABBREVIATIONS = frozenset(
    {
        "e.g", "i.e", "etc", "vs", "cf", "al", "fig", "figs", "eq", "eqs", "ref", "refs", "no",
        "nos", "vol", "pp", "p", "dr", "mr", "mrs", "ms", "prof", "st", "jr", "sr", "inc", "ltd",
        "co", "corp", "approx", "ca", "resp", "sec", "tab", "suppl", "u.s", "u.k", "jan", "feb",
        "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "min", "max",
    }
)  # fmt: skip

# A candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace, then
# something that can start a sentence (capital letter, digit, opening quote or bracket).
_BOUNDARY = re.compile(r"([.!?]+)([\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")
# A spaced full stop, as tokenised text writes it ("on friday . locke replaced"): a boundary
# whatever follows (a spaced run such as " . . . " counts once).
_SPACED = re.compile(r"(?<=\s)([.!?]+(?:\s+[.!?]+)*)()\s+")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _is_abbreviation(text_before: str) -> bool:
    match = _WORD_BEFORE.search(text_before)
    if match is None:
        return False
    word = match.group(1).lower().rstrip(".")
    if word in _ABBREVIATIONS:
        return True
    # A single capital initial ("J. Smith") or a dotted acronym ("U.S.A").
    return len(word) == 1 or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def _boundaries(flat: str) -> list[re.Match[str]]:
    """Candidate boundaries of ``flat`` in order, a spaced stop counted once."""
    found = {match.start(): match for match in _BOUNDARY.finditer(flat)}
    for match in _SPACED.finditer(flat):
        found.setdefault(match.start(), match)
    return [found[start] for start in sorted(found)]


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences.

    A boundary is ``.``, ``!`` or ``?`` followed by whitespace and an upper-case letter, digit or
    opening quote/bracket, or a ``.``, ``!`` or ``?`` with whitespace on both sides (tokenised
    text: "on friday . locke replaced ..."); a full stop after a known abbreviation (``e.g.``,
    ``et al.``, ``Fig.``), a single initial or a dotted acronym is not a boundary. Decimals
    (``3.5``) never split because no whitespace follows their point. Newlines that separate
    paragraphs are always boundaries. Empty pieces are dropped; whitespace inside a sentence is
    normalised.
    """
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        flat = " ".join(paragraph.split())
        if not flat:
            continue
        start = 0
        for match in _boundaries(flat):
            if match.group(1) == "." and _is_abbreviation(flat[start : match.start()]):
                continue
            piece = flat[start : match.end(2)].strip()
            if piece:
                sentences.append(piece)
            start = match.end()
        tail = flat[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences
