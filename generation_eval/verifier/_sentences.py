"""A regex sentence splitter that keeps abbreviations, initials and decimals intact."""

from __future__ import annotations

import re

__all__ = ["looks_tokenised", "split_sentences"]

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
# Tokenised text (as CNN/DailyMail's and WoW's tokenisers write it: "on friday . locke replaced
# him .") sets its punctuation off by spaces; a paragraph with two or more such lone marks is
# read as tokenised, and in it a lone full stop (or run of ``!``/``?``) is a boundary whatever
# follows, with any lone closing quotes or brackets after it. A spaced ellipsis (". . .") is not.
_LONE_MARK = re.compile(r"(?<!\S)[.,!?;:](?!\S)")
_SPACED = re.compile(r"(?<= )(?<![.!?] )(\.|[!?]+)((?: (?:''|[)\]”’]))*) (?![.!?](?: |$))")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _is_abbreviation(text_before: str, initials: bool = True) -> bool:
    match = _WORD_BEFORE.search(text_before)
    if match is None:
        return False
    word = match.group(1).lower().rstrip(".")
    if word in _ABBREVIATIONS:
        return True
    # A single capital initial ("J. Smith"; not in tokenised text: "so do i . it") or a dotted
    # acronym ("U.S.A").
    return (initials and len(word) == 1) or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def looks_tokenised(text: str) -> bool:
    """Whether ``text`` sets two or more ``. , ! ? ; :`` off by spaces ("friday . locke , 36")."""
    return len(_LONE_MARK.findall(text)) >= 2


def _boundaries(flat: str, tokenised: bool) -> list[tuple[re.Match[str], bool]]:
    """Candidate boundaries of ``flat`` in order, each with whether it is a spaced stop."""
    found = {match.start(): (match, False) for match in _BOUNDARY.finditer(flat)}
    if tokenised:
        for match in _SPACED.finditer(flat):
            found.setdefault(match.start(), (match, True))
    return [found[start] for start in sorted(found)]


def _attach_marks(pieces: list[str]) -> list[str]:
    """Pieces without a letter or digit (a stray quote or stop) joined to the piece before."""
    out: list[str] = []
    for piece in pieces:
        if out and not re.search(r"\w", piece):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences.

    A boundary is ``.``, ``!`` or ``?`` followed by whitespace and an upper-case letter, digit or
    opening quote/bracket; a full stop after a known abbreviation (``e.g.``, ``et al.``,
    ``Fig.``), a single initial or a dotted acronym is not a boundary. Decimals (``3.5``) never
    split because no whitespace follows their point. In a tokenised paragraph
    (:func:`looks_tokenised`: "on friday . locke replaced him ."), a full stop or a run of ``!``
    and ``?`` standing between spaces is a boundary whatever follows (not after an
    abbreviation or initial, and not inside a spaced ellipsis ". . ."), lone closing quotes and
    brackets after it included, and a piece without a letter or digit joins the sentence before
    it. Newlines that separate paragraphs are always boundaries. Empty pieces are dropped;
    whitespace inside a sentence is normalised.
    """
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        flat = " ".join(paragraph.split())
        if not flat:
            continue
        start = 0
        pieces: list[str] = []
        tokenised = looks_tokenised(flat)
        for match, spaced in _boundaries(flat, tokenised):
            before = flat[start : match.start()]
            if match.group(1) == "." and (
                _is_abbreviation(before.rstrip(), initials=False)
                if spaced
                else _is_abbreviation(before)
            ):
                continue
            piece = flat[start : match.end(2)].strip()
            if piece:
                pieces.append(piece)
            start = match.end()
        tail = flat[start:].strip()
        if tail:
            pieces.append(tail)
        sentences += _attach_marks(pieces) if tokenised else pieces
    return sentences
