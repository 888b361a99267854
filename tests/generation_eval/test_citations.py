"""ALCE citation recall and precision (Gao et al. 2023), with a transparent lexical scorer."""

import pytest
from gen_fixtures import LexicalScorer

from evalstage.generation_eval._citations import AnswerCheck, check_answers
from evalstage.generation_eval._claims import split_claims
from evalstage.generation_eval.verifier import Verifier

PASSAGES = [
    "Aspirin reduced stroke risk by 32% over five years.",
    "Coral reefs bleach when water warms.",
    "Bleeding was more common with aspirin.",
]


def _score(answer: str) -> dict:
    check = AnswerCheck(claims=split_claims(answer), passages=PASSAGES)
    return check_answers([check], Verifier(LexicalScorer()))[0]


def test_a_citation_that_neither_supports_nor_is_needed_is_irrelevant():
    scores = _score("Aspirin reduced stroke risk by 32% over five years [1][2].")
    assert scores["citation_recall"] == 1.0
    assert scores["citation_precision"] == pytest.approx(0.5)
    assert scores["claims"][0]["irrelevant_citations"] == [2]


def test_joint_support_needs_the_cited_passages_together():
    scores = _score(
        "Aspirin reduced stroke risk by 32% over five years [2]. "
        "Bleeding was more common with aspirin [3]."
    )
    assert scores["citation_recall"] == pytest.approx(0.5)  # the first claim cites the wrong one
    assert scores["citation_precision"] == pytest.approx(0.5)
    assert scores["faithfulness"] == 1.0  # both claims are supported by some passage


def test_uncited_or_out_of_range_citations_do_not_count():
    scores = _score("Aspirin reduced stroke risk by 32% over five years. Coral reefs bleach [7].")
    assert scores["citation_recall"] == 0.0 and scores["citation_precision"] == 0.0
    assert scores["citations"] == 1


def test_a_short_answer_is_checked_as_the_claim_it_makes_with_the_question():
    passages = ["Coral reefs bleach when water warms."]
    question = "What do coral reefs do when water warms?"
    # "Bleach [1]." alone has one content word, in the passage; with the question it becomes a
    # claim whose words are all there too, and the verdict says how it was read.
    check = AnswerCheck(claims=split_claims("Bleach [1]."), passages=passages, question=question)
    claim = check_answers([check], Verifier(LexicalScorer()))[0]["claims"][0]
    assert claim["checks"]["claim_from_question"] == "Coral reefs Bleach when water warms. (wh_do)"
    wrong = AnswerCheck(claims=split_claims("Melt [1]."), passages=passages, question=question)
    assert check_answers([wrong], Verifier(LexicalScorer()))[0]["faithfulness"] == 0.0
