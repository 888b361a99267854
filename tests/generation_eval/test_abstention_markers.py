"""An answer of citation markers only is no abstention; an abstention's citation format counts."""

from __future__ import annotations

import pytest

from evalstage.evalcore.outcomes import FailureCategory
from evalstage.generation_eval._cases import Generation, Passage
from evalstage.generation_eval._detect import detect_abstention
from evalstage.generation_eval._stage import _decide, _examine
from evalstage.generation_eval._variants import CaseVariant

PASSAGES = [Passage(doc_id=f"d{i}", text=f"Passage {i} says something.") for i in (1, 2, 3)]


def variant(expect: str) -> CaseVariant:
    return CaseVariant(
        case_id="c",
        variant="original",
        question="What is X?",
        passages=PASSAGES,
        expect=expect,  # type: ignore[arg-type]
        answers=["five"] if expect == "answer" else [],
    )


@pytest.mark.parametrize("answer", ["[1][3]", "[1] [3].", " [2] ", "[1, 2]"])
def test_citation_markers_only_do_not_abstain(answer: str) -> None:
    assert detect_abstention(answer).detected is False


@pytest.mark.parametrize("answer", ["", "   ", "."])
def test_empty_answers_still_abstain(answer: str) -> None:
    assert detect_abstention(answer).detected is True


def decide(answer: str, expect: str) -> tuple[FailureCategory | None, str]:
    found, _ = _examine(variant(expect), Generation(answer=answer))
    return _decide(variant(expect), found, 0.5)


def test_markers_only_answer_is_a_formatting_failure_or_a_missed_abstention() -> None:
    category, reason = decide("[1][3]", "answer")
    assert category == FailureCategory.FORMATTING and "no claim" in reason
    category, _ = decide("[1][3]", "abstain")
    assert category == FailureCategory.MISSED_ABSTENTION


def test_an_abstention_citing_a_missing_passage_is_reported() -> None:
    answer = "The passages do not say what X is [7]."
    assert detect_abstention(answer).detected
    category, reason = decide(answer, "abstain")
    assert category == FailureCategory.FORMATTING and "outside 1..3" in reason
    category, reason = decide(answer, "answer")
    assert category == FailureCategory.OVER_REFUSAL and "outside 1..3" in reason
    assert decide("The passages do not say what X is [2].", "abstain") == (
        None,
        "abstained as expected",
    )
