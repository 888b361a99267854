"""Answer correctness against gold aliases: exact match, token F1, alias match, yes/no polarity.

Normalisation (:func:`normalize_answer`) follows SQuAD's, with care for numbers: citation markers
are removed; text is lower-cased; ``%``, ``percent`` and ``per cent`` after a number all become
the token ``percent`` (``"32%"``, ``"32 %"`` and ``"32 percent"`` agree); a period or comma
between digits stays (``3.5``), except a thousands separator, which is dropped (``6,650`` →
``6650``); a possessive ``'s`` is dropped and other apostrophes are removed (``don't`` →
``dont``); every other punctuation or symbol character becomes a space; the articles a, an, the
are removed and white space is collapsed. Because ``3.5`` and ``30`` stay whole tokens, the gold
``3`` does not match inside them.

Every function takes the gold ``answers`` as a sequence of aliases (any one may match) and
raises ``ValueError`` when it is empty: a case without gold answers (an ``abstain`` case) has no
correctness to score.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from evalstage.generation_eval._claims import strip_citations
from evalstage.generation_eval._detect import detect_abstention, normalize_for_detection

__all__ = ["alias_match", "answer_scores", "counterfactual_adopted", "exact_match",
           "normalize_answer", "polarity", "token_f1"]

Polarity = Literal["yes", "no"]

_PERCENT = re.compile(r"(\d)\s*(?:%|per\s*cent\b|percent\b|pct\b)", re.IGNORECASE)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NUMBER_DOT = re.compile(r"(?<=\d)[.,](?=\d)")
_POSSESSIVE = re.compile(r"(?<=\w)'s\b")
_ARTICLES = frozenset({"a", "an", "the"})
_KEEP = "\x00"


def _tokens(text: str) -> list[str]:
    text = strip_citations(text).replace("’", "'").replace("‘", "'")
    text = _PERCENT.sub(r"\1 percent ", text).lower()
    text = _THOUSANDS.sub("", text)
    text = _NUMBER_DOT.sub(lambda m: _KEEP if m.group(0) == "." else _KEEP + _KEEP, text)
    text = _POSSESSIVE.sub("", text).replace("'", "")
    chars = [" " if unicodedata.category(c)[0] in "PS" else c for c in text]
    text = "".join(chars).replace(_KEEP + _KEEP, ",").replace(_KEEP, ".")
    return [token for token in text.split() if token not in _ARTICLES]


def normalize_answer(text: str) -> str:
    """Normalise an answer for comparison (rules in the module docstring)."""
    return " ".join(_tokens(text))


def _check(answers: Sequence[str]) -> None:
    if isinstance(answers, str):
        raise TypeError("answers must be a sequence of alias strings, not one string")
    if not answers:
        raise ValueError("no gold answers to compare with (an abstain case has no correctness)")


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    """1.0 if the normalised prediction equals some normalised alias, else 0.0."""
    _check(answers)
    predicted = normalize_answer(prediction)
    return float(any(predicted == normalize_answer(alias) for alias in answers))


def _f1(predicted: list[str], gold: list[str]) -> float:
    if not predicted or not gold:
        return float(predicted == gold)
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision = common / len(predicted)
    recall = common / len(gold)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, answers: Sequence[str]) -> float:
    """SQuAD token F1, max over aliases: harmonic mean of token precision and recall.

    Overlap counts tokens with multiplicity (bag intersection). When either side normalises to
    no tokens, F1 is 1.0 if both do and 0.0 otherwise.
    """
    _check(answers)
    predicted = _tokens(prediction)
    return max(_f1(predicted, _tokens(alias)) for alias in answers)


def _find(tokens: list[str], phrase: list[str]) -> list[int]:
    """Start indices where ``phrase`` occurs as a contiguous run of whole tokens."""
    size = len(phrase)
    if not size:
        return []
    return [i for i in range(len(tokens) - size + 1) if tokens[i:i + size] == phrase]


def alias_match(prediction: str, answers: Sequence[str]) -> bool:
    """Whether some alias occurs in the prediction as a contiguous run of whole tokens.

    Both sides are normalised first, so ``"3"`` matches ``"3 patients"`` but not ``"30"`` or
    ``"3.5"``. A ``yes``/``no`` alias is matched by :func:`polarity` of the prediction instead.
    An alias that normalises to nothing never matches.
    """
    _check(answers)
    tokens = _tokens(prediction)
    stance: Polarity | None = None
    stance_known = False
    for alias in answers:
        gold = _tokens(alias)
        if gold in (["yes"], ["no"]):
            if not stance_known:
                stance, stance_known = polarity(prediction), True
            if stance == gold[0]:
                return True
        elif _find(tokens, gold):
            return True
    return False


def answer_scores(prediction: str, answers: Sequence[str]) -> dict[str, float]:
    """``{"exact_match", "token_f1", "alias_match"}`` for one prediction (each in 0..1)."""
    return {
        "exact_match": exact_match(prediction, answers),
        "token_f1": token_f1(prediction, answers),
        "alias_match": float(alias_match(prediction, answers)),
    }


# --- yes/no -----------------------------------------------------------------------------------

_YES_START = re.compile(
    r"^(?:yes|yeah|yep|correct|indeed|absolutely|definitely|certainly|true|affirmative|that is "
    r"(?:correct|right|true))\b"
)
_NO_START = re.compile(
    r"^(?:no|nope|not at all|incorrect|false|negative|that is (?:not correct|incorrect|false|"
    r"wrong))(?:\b(?=\s*[,.;:!\-–—)]|\s*$)|\b(?= (?:it|they|he|she|this|that|there|the|we|i)\b))"
)
_HEDGE = re.compile(
    r"\b(?:maybe|perhaps|possibly|it depends|unclear|uncertain|not clear|inconclusive|mixed|"
    r"conflicting|cannot be determined|not possible to (?:say|determine|tell))\b"
)
_NEGATION = re.compile(
    r"\b(?:not|no|never|neither|nor|none|nobody|nothing|cannot|without|failed to|fail to|"
    r"fails to|lack of|lacks|absence of|unlikely)\b"
)
_NOT_NEGATION = re.compile(r"\bnot only\b|\bnot just\b|\bnot merely\b|\bnone other than\b|"
                           r"\bno doubt\b|\bwithout (?:a )?doubt\b")
_LEAD_IN = re.compile(
    r"^(?:based on (?:the )?(?:provided |given |retrieved )?(?:context|passages?|documents?|"
    r"sources?|information|evidence)(?: provided| given)?|according to (?:the )?(?:context|"
    r"passages?|documents?|sources?|evidence|\[\d+\]))\s*,?\s*"
)


def polarity(text: str) -> Polarity | None:
    """The stance of an answer to a yes/no question: ``"yes"``, ``"no"`` or ``None``.

    ``None`` for an empty answer, an abstention (:func:`detect_abstention`) or a hedge
    ("maybe", "it depends", "the evidence is mixed"). Otherwise an opening "Yes"/"Correct"/
    "Indeed" gives yes and an opening "No"/"Nope" (followed by punctuation or a new clause, so
    not "No studies ...") gives no. Failing that the first sentence decides: a negation ("not",
    "n't", "never", "no significant effect", "failed to", "is not associated") gives no — "not
    only" is not one — and a declarative without negation gives yes.
    """
    if not text.strip() or detect_abstention(text).detected:
        return None
    normal = normalize_for_detection(strip_citations(text))
    normal = _LEAD_IN.sub("", normal).lstrip(" \"'(*")
    if _YES_START.match(normal):
        return "yes"
    if _NO_START.match(normal):
        return "no"
    first = re.split(r"(?<=[.!?])\s+|\n", normal, maxsplit=1)[0]
    if _HEDGE.search(first):
        return None
    if _NEGATION.search(_NOT_NEGATION.sub(" ", first)):
        return "no"
    return "yes" if re.search(r"[a-z]", first) else None


# --- counterfactuals --------------------------------------------------------------------------

_REJECTORS = ("not", "never", "nor", "isnt", "wasnt", "arent", "werent")
_REJECT_PHRASES = ("rather than", "instead of", "opposed to", "contrary to")


def _rejected(tokens: list[str], start: int) -> bool:
    """Whether the mention at ``start`` is preceded by a rejecting word ("not 1890")."""
    window = tokens[max(0, start - 3):start]
    return any(word in _REJECTORS for word in window) or " ".join(window).endswith(_REJECT_PHRASES)


def _mentions(tokens: list[str], aliases: Sequence[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for alias in aliases:
        gold = _tokens(alias)
        spans.extend((i, i + len(gold)) for i in _find(tokens, gold))
    return spans


def counterfactual_adopted(answer: str, counterfactual: str,
                           original_answers: Sequence[str]) -> bool:
    """Whether the answer gives the planted fake value instead of the true one.

    Rule: the answer must not abstain and must mention the counterfactual (whole-token alias
    match) at least once *not* rejected, where rejected means preceded within three tokens by
    "not"/"never"/"nor"/"isn't"/"wasn't" or directly by "rather than"/"instead of"/"opposed to"/
    "contrary to". It must then not assert the true answer: every mention of an original alias
    (outside the counterfactual's own mentions) must be rejected. So "1890, not 1887" and
    "not in 1887 but in 1890" adopt the fake 1890; "1887, not 1890" does not; "[1] says 1887
    but [2] says 1890" does not (both asserted: that is reporting a conflict). For a yes/no
    fact it is polarity: the answer's :func:`polarity` equals the counterfactual ``yes``/``no``.
    """
    _check(original_answers)
    if not counterfactual.strip():
        raise ValueError("counterfactual is empty")
    if detect_abstention(answer).detected:
        return False
    fake = _tokens(counterfactual)
    if fake in (["yes"], ["no"]):
        return polarity(answer) == fake[0]
    tokens = _tokens(answer)
    fake_spans = _mentions(tokens, [counterfactual])
    if not any(not _rejected(tokens, start) for start, _ in fake_spans):
        return False
    true_spans = [
        (start, end) for start, end in _mentions(tokens, original_answers)
        if not any(fs <= start and end <= fe for fs, fe in fake_spans)
    ]
    return all(_rejected(tokens, start) for start, _ in true_spans)
