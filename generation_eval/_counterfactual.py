"""Counterfactuals: a gold passage with its answer span replaced by a plausible fake value.

The answer's type (yes/no, year, number, entity) decides how: a yes/no case's gold sentence is
negated, a year shifted, a number perturbed, an entity swapped for another case's answer of the
same shape. Seeded: the same case, corpus and seed give the same counterfactual.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evalstage.generation_eval._cases import CorpusDoc, Passage, RagCase

# ------------------------------------------------------------------------ answer types
_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:[.,]\d+)*(?![\w])")
_YEAR = re.compile(r"^(1[5-9]\d\d|20\d\d)$")


def answer_type(answer: str) -> str:
    """``yes_no``, ``year``, ``number`` (holds a number) or ``entity``."""
    text = answer.strip().lower()
    if text in {"yes", "no"}:
        return "yes_no"
    if _YEAR.match(text):
        return "year"
    if _NUMBER.search(answer):
        return "number"
    return "entity"


def seeded_rng(seed: int, *parts: str) -> random.Random:
    digest = hashlib.sha256("\x1f".join([str(seed), *parts]).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _format_like(value: float, template: str) -> str:
    decimals = len(template.split(".")[1]) if "." in template else 0
    text = f"{value:.{decimals}f}"
    if "," in template and "." not in template and abs(value) >= 1000:
        text = f"{round(value):,}"
    return text


def perturb_number(span: str, rng: random.Random) -> str | None:
    """``span`` with its first number changed to a plausible different value, or None."""
    match = _NUMBER.search(span)
    if match is None:
        return None
    raw = match.group(0)
    try:
        value = float(raw.replace(",", "").replace("−", "-"))
    except ValueError:
        return None
    percent = span[match.end() : match.end() + 2].lstrip().startswith("%") or "percent" in span
    for _ in range(20):
        factor = rng.choice([0.3, 0.5, 0.6, 0.7, 1.3, 1.5, 1.8, 2.0, 2.5, 3.0])
        new = value * factor if value != 0 else rng.choice([1.0, 2.0, 5.0, 10.0])
        if percent:
            new = min(new, 99.0 if value < 100 else new)
        text = _format_like(new, raw.replace(",", "") if "," not in raw else raw)
        if text != raw and text.lstrip("-") != raw.lstrip("-−"):
            return span[: match.start()] + text + span[match.end() :]
    return None


def perturb_year(span: str, rng: random.Random) -> str:
    """A different, nearby year."""
    year = int(span.strip())
    shift = rng.choice([-9, -7, -5, -4, -3, 3, 4, 5, 7])
    return str(year + shift)


_NEGATABLE = re.compile(
    r"\b(is|are|was|were|can|could|may|might|will|would|has|have|had|does|did|should|must)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(not|no longer)\s+", re.IGNORECASE)
_SWAPS = {
    "increased": "decreased",
    "decreased": "increased",
    "increases": "decreases",
    "decreases": "increases",
    "increase": "decrease",
    "decrease": "increase",
    "higher": "lower",
    "lower": "higher",
    "reduced": "increased",
    "reduces": "increases",
    "improved": "worsened",
    "enhanced": "reduced",
    "promotes": "inhibits",
    "inhibits": "promotes",
    "inhibited": "promoted",
    "promoted": "inhibited",
    "positively": "negatively",
    "negatively": "positively",
    "more": "less",
    "less": "more",
    "associated": "not associated",
    "significant": "non-significant",
}


def negate_sentence(sentence: str) -> str | None:
    """The sentence with its claim reversed (negation removed or inserted, direction swapped)."""
    if _NEGATION.search(sentence):
        return _NEGATION.sub("", sentence, count=1)
    aux = _NEGATABLE.search(sentence)
    if aux is not None:
        return sentence[: aux.end()] + " not" + sentence[aux.end() :]
    for word, opposite in _SWAPS.items():
        found = re.search(rf"\b{word}\b", sentence, flags=re.IGNORECASE)
        if found is not None:
            return sentence[: found.start()] + opposite + sentence[found.end() :]
    return None


# ------------------------------------------------------------------------ counterfactuals
class Counterfactual(BaseModel):
    """A gold passage with its answer span replaced, and how it was made."""

    model_config = ConfigDict(frozen=True)

    passage: Passage
    original_value: str
    substitute: str
    provenance: dict[str, Any]
    pattern: str = Field(default="", description="Where the answer span occurs (a regex).")
    case_sensitive: bool = True

    def plant(self, text: str) -> str:
        """``text`` with every occurrence of the answer span replaced by the substitute."""
        if not self.pattern:
            return text
        flags = 0 if self.case_sensitive else re.IGNORECASE
        return re.compile(self.pattern, flags).sub(_literal(self.substitute), text)


def _shape(text: str) -> tuple[int, int, int, int]:
    """Words, whether it has digits, capitals and hyphens: what makes entities look alike."""
    return (
        len(text.split()),
        any(c.isdigit() for c in text),
        sum(c.isupper() for c in text) > len(text) / 2,
        "-" in text,
    )


def _shape_distance(a: str, b: str) -> int:
    """How unlike two entity strings look (0: same shape), so substitutes stay plausible."""
    return sum(abs(int(x) - int(y)) for x, y in zip(_shape(a), _shape(b), strict=True))


def span_pattern(answer: str) -> re.Pattern[str]:
    """Where ``answer`` occurs as a whole token run: not inside a word or a longer number.

    Short answers and acronyms (at most three characters, or all capitals) match case-sensitively.
    """
    flags = 0 if len(answer) <= 3 or answer.isupper() else re.IGNORECASE
    return re.compile(rf"(?<![\w.]){re.escape(answer)}(?!\w|[.,]\d)", flags)


def _find_span(text: str, answers: Sequence[str]) -> tuple[str, int, re.Pattern[str]] | None:
    for answer in answers:
        pattern = span_pattern(answer)
        found = pattern.search(text)
        if found is not None:
            return found.group(0), found.start(), pattern
    return None


def _literal(value: str) -> Callable[[re.Match[str]], str]:
    """A replacement function that inserts ``value`` as is (no backslash escapes)."""

    def replace(_: re.Match[str]) -> str:
        return value

    return replace


def mentions_answer(text: str, answers: Sequence[str]) -> bool:
    """Whether ``text`` states one of the (non yes/no) answers as a whole token run."""
    return any(
        span_pattern(a).search(text) for a in answers if a.strip().lower() not in {"yes", "no"}
    )


def make_counterfactual(
    case: RagCase,
    documents: Mapping[str, CorpusDoc],
    pools: Mapping[str, Sequence[str]],
    seed: int,
) -> Counterfactual | str:
    """The counterfactual passage for ``case``, or the reason none could be made."""
    kind = answer_type(case.answers[0])
    rng = seeded_rng(seed, case.case_id, "counterfactual")
    if kind == "yes_no":
        for doc_id in case.gold_doc_ids:
            doc = documents[doc_id]
            for index in case.gold_sentences.get(doc_id, []):
                if index >= len(doc.sentences):
                    continue
                sentence = doc.sentences[index]
                negated = negate_sentence(sentence)
                if negated is None or sentence not in doc.text:
                    continue
                flipped = "no" if case.answers[0].strip().lower() == "yes" else "yes"
                at = doc.text.index(sentence)
                return Counterfactual(
                    passage=Passage(
                        doc_id=doc_id, title=doc.title, text=doc.text.replace(sentence, negated)
                    ),
                    original_value=case.answers[0],
                    substitute=flipped,
                    provenance={
                        "doc_id": doc_id,
                        "method": "negation",
                        "sentence_index": index,
                        "offset": at,
                        "original": sentence,
                        "replacement": negated,
                    },
                )
        return "no gold sentence of this yes/no case could be negated"
    own = {a.strip().lower() for a in case.answers}
    for doc_id in case.gold_doc_ids:
        doc = documents[doc_id]
        found = _find_span(doc.text, case.answers)
        if found is None:
            continue
        span, at, pattern = found
        kind = answer_type(span)  # the alias found decides the type, not the first one
        substitute: str | None
        try:
            if kind == "year":
                substitute, method = perturb_year(span, rng), "year_shift"
            elif kind == "number":
                substitute, method = perturb_number(span, rng), "number_perturbation"
            else:
                candidates = sorted(
                    {
                        p
                        for p in pools.get("entity", [])
                        if p.strip().lower() not in own and p.lower() not in doc.text.lower()
                    },
                    key=lambda p: (_shape_distance(span, p), p),
                )
                substitute = rng.choice(candidates[:3]) if candidates else None
                method = "entity_from_other_case"
        except ValueError:
            substitute = None
        if substitute is None:
            continue
        planted = substitute
        return Counterfactual(
            passage=Passage(
                doc_id=doc_id,
                title=doc.title,
                text=pattern.sub(_literal(planted), doc.text),
            ),
            original_value=span,
            substitute=substitute,
            provenance={
                "doc_id": doc_id,
                "method": method,
                "span": span,
                "offset": at,
                "substitute": substitute,
                "occurrences": len(pattern.findall(doc.text)),
            },
            pattern=pattern.pattern,
            case_sensitive=not pattern.flags & re.IGNORECASE,
        )
    return "no answer span was found in a gold passage"
