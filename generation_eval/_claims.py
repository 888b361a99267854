"""Split a generated answer into claims (sentences) and read the ``[n]`` citations of each.

Citation markers
----------------
A marker is a bracketed list of 1-based passage numbers: ``[1]``, ``[ 1 ]``, ``[1, 3]``,
``[1; 3]``, ``[1-3]`` (a range, en and em dashes too), adjacent markers ``[1][2]``, and the
spelled-out forms LLMs like, ``[Passage 2]``, ``[Doc 1, Doc 3]``, ``[Source 4]``.
Bracketed text without a leading number (``[a]``, ``[sic]``, ``[citation needed]``) is ordinary
text, not a citation. A bracket that starts like a citation but does not parse (``[1`` left
unclosed, ``[1a]``, ``[1,]``, ``[2-x]``) is *malformed*: :func:`citation_format_ok` reports it,
unless it reads as bracketed prose (a ``%``, a decimal point or a word of two letters or more:
``[95% CI 1.2-3.4]``, ``[2 patients]``), which is ordinary text,
:func:`split_claims` and :func:`strip_citations` leave it in the text.

Sentences
---------
Sentences end at ``.``, ``!`` or ``?`` (with any closing quotes or brackets) followed by white
space or the end, and at line breaks. A period does not end a sentence after an abbreviation
(``e.g.``, ``i.e.``, ``vs.``, ``Dr.``, ``approx.``), before a number after ``Fig.``/``No.``/``p.``,
inside a number (``3.5``), or when the next word starts in lower case, unless the line is
tokenised (two or more ``. , ! ? ; :`` set off by spaces) and the period stands alone after a
word that is not an abbreviation, outside a spaced ellipsis (``on friday . locke replaced``).
After ``et al.``, ``etc.``, an initial (``J.``) or a dotted acronym (``U.S.``) it ends the
sentence only when the next word is a common sentence opener (``The``, ``This``, ``However``
...). Markers right after the end (``... increased. [2]``) belong to the sentence before them. A
fragment that is only markers gives its citations to the claim before it and is not a claim
itself; fragments without a letter or digit are dropped. Leading list bullets (``-``, ``*``,
``•``, ``1.``, ``1)``) are not part of a claim.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from evalstage.generation_eval.verifier._sentences import looks_tokenised

__all__ = ["CITATION_MARKER", "Claim", "citation_format_ok", "parse_citations", "split_claims",
           "strip_citations"]

_PREFIX = r"(?:(?:passages?|docs?|documents?|sources?|contexts?|refs?|references?)\s*)?"
_NUMBER = r"\d+(?:\s*[-–—]\s*\d+)?"
CITATION_MARKER = re.compile(
    rf"\[\s*{_PREFIX}(?P<body>{_NUMBER}(?:\s*[,;]\s*{_PREFIX}{_NUMBER})*)\s*\]", re.IGNORECASE
)
"""One well-formed citation marker; group ``body`` holds its numbers and ranges."""

_SPACED_MARKER = re.compile(r"[ \t]{0,8}" + CITATION_MARKER.pattern, re.IGNORECASE)
_CITATION_START = re.compile(rf"\[\s*{_PREFIX}\d", re.IGNORECASE)
_ITEM = re.compile(r"(\d+)(?:\s*[-–—]\s*(\d+))?")
_MAX_RANGE = 100
"""Ranges longer than this are not expanded; only their two ends are cited."""


class Claim(BaseModel):
    """One sentence of an answer and the passages it cites.

    ``text`` is the sentence without citation markers or list bullet, stripped. ``citations`` are
    the cited 1-based passage numbers, in order of first appearance, without repeats.
    ``answer[start:end]`` is the sentence as written, markers included.
    """

    model_config = ConfigDict(frozen=True)

    text: str
    citations: list[int] = Field(default_factory=list)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


def _expand(body: str) -> list[int]:
    numbers: list[int] = []
    for match in _ITEM.finditer(body):
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) else low
        low, high = min(low, high), max(low, high)
        if high - low > _MAX_RANGE:
            numbers.extend((low, high))
        else:
            numbers.extend(range(low, high + 1))
    return numbers


def parse_citations(text: str) -> list[int]:
    """Return the passage numbers cited by the markers in ``text``: first-seen order, no repeats.

    Ranges are expanded (``[1-3]`` cites 1, 2 and 3). Numbers are returned as written, so an
    out-of-range ``[0]`` shows up here; :func:`citation_format_ok` is the check for that.
    """
    seen: dict[int, None] = {}
    for match in CITATION_MARKER.finditer(text):
        for number in _expand(match.group("body")):
            seen.setdefault(number, None)
    return list(seen)


def strip_citations(text: str) -> str:
    """Remove citation markers and the space before them; collapse runs of spaces; strip.

    ``"Mortality fell [1, 2]."`` becomes ``"Mortality fell."``.
    """
    without = _SPACED_MARKER.sub("", text)
    without = re.sub(r"[ \t]{2,}", " ", without)
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", without).strip()


_PROSE = re.compile(r"[%.]|[A-Za-z]{2,}\s|\s[A-Za-z]{2,}")


def _bracketed_prose(answer: str, start: int) -> bool:
    """A closed bracket starting with a number that reads as text, e.g. ``[95% CI 1.2-3.4]``."""
    end = answer.find("]", start, start + 200)
    if end < 0:
        return False
    body = re.sub(rf"^\[\s*{_PREFIX}", "", answer[start:end], flags=re.IGNORECASE)
    return bool(_PROSE.search(body))


def citation_format_ok(answer: str, n_passages: int) -> tuple[bool, str]:
    """Check the answer's citation markers against ``n_passages`` numbered passages.

    Returns ``(False, reason)`` for the first problem found: a malformed marker (see the module
    docstring), a reversed range (``[3-1]``), or a number below 1 or above ``n_passages``.
    Otherwise ``(True, "ok")``, or ``(True, "no citation markers")`` when there are none (whether
    an answer must cite is a separate question). Raises ``ValueError`` if ``n_passages < 0``.
    """
    if n_passages < 0:
        raise ValueError(f"n_passages must be >= 0, got {n_passages}")
    well_formed = {m.start() for m in CITATION_MARKER.finditer(answer)}
    for start in _CITATION_START.finditer(answer):
        if start.start() not in well_formed and not _bracketed_prose(answer, start.start()):
            snippet = answer[start.start():start.start() + 12].split("\n")[0]
            return False, f"malformed citation marker {snippet!r} at character {start.start()}"
    markers = list(CITATION_MARKER.finditer(answer))
    if not markers:
        return True, "no citation markers"
    for marker in markers:
        for item in _ITEM.finditer(marker.group("body")):
            if item.group(2) and int(item.group(2)) < int(item.group(1)):
                return False, f"reversed range in {marker.group(0)!r}"
        for number in _expand(marker.group("body")):
            if number < 1 or number > n_passages:
                return False, (f"{marker.group(0)!r} cites passage {number}, outside 1.."
                               f"{n_passages}" if n_passages else
                               f"{marker.group(0)!r} cites passage {number} but there are no "
                               "passages")
    return True, "ok"


# --- sentence splitting -----------------------------------------------------------------------

_NEVER_END = frozenset({"e.g", "i.e", "eg", "ie", "vs", "cf", "viz", "approx", "ca", "resp",
                        "dr", "mr", "mrs", "ms", "prof", "st", "mt", "gen", "gov", "sen", "rep",
                        "lt", "col", "sgt", "capt", "esp", "incl", "min", "max", "avg"})
"""Abbreviations after which a period never ends a sentence (compared in lower case)."""
_BEFORE_NUMBER = frozenset({"no", "nos", "p", "pp", "vol", "fig", "figs", "eq", "eqs", "ref",
                            "refs", "sec", "tab", "table", "ch", "art", "para", "op", "ed"})
"""Abbreviations that do not end a sentence when a number follows (``Fig. 2``, ``No. 5``)."""
_MAYBE_END = frozenset({"al", "etc", "jr", "sr", "inc", "ltd", "co", "corp", "bros"})
"""Abbreviations that end a sentence only before a common sentence opener."""
_OPENERS = frozenset({
    "the", "this", "that", "these", "those", "it", "its", "in", "however", "a", "an", "we",
    "he", "she", "they", "there", "their", "his", "her", "as", "for", "both", "according",
    "on", "at", "by", "after", "before", "during", "while", "although", "but", "also", "moreover",
    "furthermore", "additionally", "overall", "thus", "therefore", "hence", "so", "yes", "no",
    "i", "based", "passage", "passages", "source", "sources", "one", "another", "since", "when",
    "if", "other", "some", "most", "many", "all", "each", "neither", "either", "our", "such",
    "similarly", "finally", "first", "second", "third", "then", "meanwhile", "nevertheless",
})
_DOTTED = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")
_TERMINATOR = re.compile(
    r"[.!?]+[\"'”’»)]*(?P<cites>(?:[ \t]*" + CITATION_MARKER.pattern + r")*)(?=\s|$)",
    re.IGNORECASE,
)
_BULLET = re.compile(r"[ \t]*(?:[-*•‣▪–]|\(?\d{1,2}[.)]|\(?[a-z][.)])[ \t]+")
_WORD_BEFORE = re.compile(r"(\S+)$")
_NEXT_WORD = re.compile(r"\s*[\"'“‘(]*([^\s\"'“‘(]*)")
_SPACED_RUN = re.compile(r"[.!?]\s+$")
_SPACED_NEXT = re.compile(r"\s+[.!?](?:\s|$)")


def _spaced_stop(line: str, term_start: int, term: str) -> bool:
    """A lone ``.`` between spaces in a tokenised line (not in ". . .", not after ``dr``)."""
    if term != "." or term_start == 0 or not line[term_start - 1].isspace():
        return False
    if _SPACED_RUN.search(line, 0, term_start) or _SPACED_NEXT.match(line, term_start + 1):
        return False  # a spaced ellipsis
    words = line[:term_start].split()
    word = words[-1].lower().rstrip(".") if words else ""
    abbreviation = word in _NEVER_END | _MAYBE_END | _BEFORE_NUMBER or bool(_DOTTED.match(word))
    return not abbreviation and looks_tokenised(line)


def _ends_sentence(line: str, term_start: int, term: str, after: int) -> bool:
    """Whether the terminator at ``term_start`` ends a sentence (``after``: index past it)."""
    if not term.startswith(".") or term.startswith(".."):
        return True
    if _spaced_stop(line, term_start, term):
        return True  # tokenised text: "on friday . locke replaced"
    next_match = _NEXT_WORD.match(line, after)
    next_word = next_match.group(1) if next_match else ""
    if not next_word:
        return True
    before = _WORD_BEFORE.search(line[max(0, term_start - 40):term_start])
    word = before.group(1).lstrip("\"'“‘([") if before else ""
    lower = word.lower()
    first = next_word[0]
    if lower in _NEVER_END:
        return False
    if lower in _BEFORE_NUMBER and first.isdigit():
        return False
    if lower in _MAYBE_END or _DOTTED.match(word) or (len(word) == 1 and word.isupper()):
        return next_word.strip(".,;:").lower() in _OPENERS and first.isupper()
    return not first.islower()


def _line_sentences(line: str, offset: int) -> list[tuple[int, int]]:
    """Character spans (in the whole answer) of the sentences of one line."""
    spans: list[tuple[int, int]] = []
    bullet = _BULLET.match(line)
    start = bullet.end() if bullet else 0
    for match in _TERMINATOR.finditer(line, start):
        cites = match.group("cites")
        term = match.group(0)[: len(match.group(0)) - len(cites)]
        if _ends_sentence(line, match.start(), term, match.end()):
            spans.append((start, match.end()))
            start = match.end()
    spans.append((start, len(line)))
    result: list[tuple[int, int]] = []
    for begin, end in spans:
        piece = line[begin:end]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            result.append((offset + begin + lead, offset + begin + lead + len(stripped)))
    return result


def split_claims(answer: str) -> list[Claim]:
    """Split ``answer`` into sentence claims with their citations (rules: module docstring)."""
    claims: list[Claim] = []
    offset = 0
    for line in answer.splitlines(keepends=True):
        for start, end in _line_sentences(line, offset):
            sentence = answer[start:end]
            text = strip_citations(sentence)
            citations = parse_citations(sentence)
            if not re.search(r"\w", CITATION_MARKER.sub("", text)):
                if citations and claims and not re.search(r"\w", text):
                    previous = claims[-1]
                    merged = list(dict.fromkeys([*previous.citations, *citations]))
                    claims[-1] = previous.model_copy(update={"citations": merged, "end": end})
                continue
            claims.append(Claim(text=text, citations=citations, start=start, end=end))
        offset += len(line)
    return claims
