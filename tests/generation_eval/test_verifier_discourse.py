"""Sentences that state nothing to check are left out of a text's verification."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from verifier_fakes import KeywordScorer

from evalstage.generation_eval.verifier import (
    Verifier,
    checked_sentences,
    states_nothing,
    verify_file,
)
from evalstage.generation_eval.verifier._checks import explicit_checks, numbers, spelled_numbers
from evalstage.generation_eval.verifier._files import verify_texts


@pytest.mark.parametrize(
    "sentence",
    ["Yes it can.", "It sure did .", "No , not even .", "Definitely.", "Haha.", "Me too!",
     "Yes, you are right.", "That's right.", "I hope this helps!", "Great question!",
     "Let me know if you have any other questions."],
)  # fmt: skip
def test_back_channel_and_courtesy_state_nothing(sentence: str) -> None:
    assert states_nothing(sentence)


@pytest.mark.parametrize(
    "sentence",
    ["The drug is cheap.", "Yes, especially in competitive gymnastics.", "I love it.", "42.",
     "It was not 1945.", "They agree on the price.", ""],
)  # fmt: skip
def test_sentences_with_content_are_checked(sentence: str) -> None:
    assert not states_nothing(sentence)


def test_a_yes_or_no_answer_to_a_yes_or_no_question_is_a_claim() -> None:
    assert not states_nothing("No.", "Did the drug reduce mortality?")
    assert not states_nothing("It sure did.", "Did the drug reduce mortality?")
    assert states_nothing("Sure!", "What did the drug do?")  # not an answer to a wh-question
    assert states_nothing("I hope this helps.", "Did the drug reduce mortality?")


def test_a_text_always_keeps_a_sentence_to_judge() -> None:
    assert checked_sentences(["Yes it can.", "The title derives from risk."]) == [False, True]
    assert checked_sentences(["Yes.", "Haha."]) == [True, True]
    assert checked_sentences([]) == []


def test_verify_texts_leaves_out_sentences_that_state_nothing() -> None:
    context = ["The show's title derives from the high risk of injury."]
    [(combined, parts)] = verify_texts(
        Verifier(KeywordScorer()),
        [("Yes it can. The show's title derives from the high risk of injury.", context, None)],
    )
    assert combined.label == "supported"
    assert parts[0] == ("Yes it can.", None)
    assert parts[1][1] is not None and parts[1][1].label == "supported"
    # Without the rule the first sentence would decide: alone, it is judged and not supported.
    [(alone, _)] = verify_texts(Verifier(KeywordScorer()), [("Yes it can.", context, None)])
    assert alone.label != "supported"


def test_verify_file_lists_a_sentence_left_out(tmp_path: Path) -> None:
    source = tmp_path / "pairs.jsonl"
    row = {
        "id": "a",
        "context": "Aspirin is effective.",
        "claim": "Definitely. Aspirin is effective.",
    }
    source.write_text(json.dumps(row) + "\n", encoding="utf-8")
    out = tmp_path / "scores.jsonl"
    verify_file(source, out, Verifier(KeywordScorer()))
    scored = json.loads(out.read_text())
    assert scored["label"] == "supported"
    assert scored["sentences"][0] == {"text": "Definitely.", "skipped": "states nothing to check"}
    assert scored["sentences"][1]["label"] == "supported"


def test_spelled_numbers_count_as_stated_by_the_evidence() -> None:
    assert spelled_numbers("two teams of eleven players for twenty-one days") == {"2", "11", "21"}
    assert numbers("eleven players") == set()  # digits only, unless asked
    assert numbers("eleven players", spelled=True) == {"11"}
    checks = explicit_checks("The two teams have 11 players.", "two teams of eleven players")
    assert checks["numbers_missing"] == []
    assert explicit_checks("The teams have 12 players.", "eleven players")["numbers_missing"] == [
        "12"
    ]
