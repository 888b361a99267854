"""Question-aware claims: short answers rewritten into the claim they make, and verify_file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from verifier_fakes import KeywordScorer

from evalstage.generation_eval.verifier import Verifier, verify_file
from evalstage.generation_eval.verifier._fusion import NOT_SUPPORTED, fit_fusion
from evalstage.generation_eval.verifier._question import answer_claim, is_short_answer


@pytest.mark.parametrize(
    ("question", "answer", "claim", "rule"),
    [
        ("Which magazine was started first, Arthur's Magazine or First for Women?",
         "Arthur's Magazine", "Arthur's Magazine was started first.", "wh_subject"),
        ("Who is the director of Jaws?", "Steven Spielberg",
         "Steven Spielberg is the director of Jaws.", "wh_subject"),
        ("Who directed the film Jaws?", "Steven Spielberg",
         "Steven Spielberg directed the film Jaws.", "wh_verb"),
        ("When did the Second World War end?", "1945",
         "The Second World War did end in 1945.", "wh_do"),
        ("What year was the treaty signed?", "1648", "The treaty was signed in 1648.", "wh_do"),
        ("Where was Obama born?", "Hawaii", "Obama was born in Hawaii.", "wh_be_place"),
        ("Where is the Eiffel Tower?", "Paris", "The Eiffel Tower is in Paris.", "wh_be_place"),
        ("How many moons does Mars have?", "two", "Mars does have two moons.", "how_many"),
        ("The novel was written by which author?", "Jane Austen",
         "The novel was written by Jane Austen.", "in_situ"),
        ("Between Paris and Rome, which city is larger?", "Paris",
         "Between Paris and Rome, Paris is larger.", "wh_subject"),
        ("Is the Nile longer than the Amazon?", "No", "No: Is the Nile longer than the Amazon.",
         "polar"),
        ("Name the capital of France.", "Paris", "Name the capital of France? Paris.",
         "appended"),
        ("In what year did the Normans conquer England?", "1066",
         "The Normans conquer England in 1066.", "wh_prep"),
        ("By what name is the Prince of Wales known?", "Charles",
         "The Prince of Wales is known by Charles.", "wh_prep"),
        ("In which country is Normandy located?", "France", "Normandy is located in France.",
         "wh_prep"),
    ],
)  # fmt: skip
def test_answer_claim_rules(question: str, answer: str, claim: str, rule: str) -> None:
    made = answer_claim(question, answer)
    assert (str(made), made.rule) == (claim, rule)


def test_sentences_and_missing_questions_stay_as_they_are() -> None:
    sentence = "Paris is the capital of France and its largest city."
    assert not is_short_answer(sentence) and is_short_answer("Arthur's Magazine")
    assert answer_claim("What is the capital of France?", sentence).rule == "as_is"
    assert str(answer_claim(None, "Paris")) == "Paris"
    assert answer_claim("  ", "Paris").rule == "as_is"


def test_verifier_judges_the_rewritten_claim_and_records_it() -> None:
    scorer = KeywordScorer()
    context = "In 1844, Arthur's Magazine was started first. First for Women came later."
    verifier = Verifier(scorer, top_m=4)
    question = "Which magazine was started first, Arthur's Magazine or First for Women?"
    right, wrong_alone, wrong_asked = verifier.verify(
        [("Arthur's Magazine", [context]), *[("First for Women", [context])] * 2],
        [question, None, question],
    )
    assert right.label == "supported"
    assert right.checks["claim_from_question"].endswith("(wh_subject)")
    # Alone, the wrong answer is just words of the context; as an answer it is a false claim.
    assert wrong_alone.label == "supported" and "claim_from_question" not in wrong_alone.checks
    assert wrong_asked.label == "unsupported"


def test_verify_file_reads_questions_and_splits_sentences(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    rows = [
        {"id": 1, "context": "Paris is the capital of France.", "claim": "Paris",
         "question": "What is the capital of France?"},
        {"id": 2, "context": "Paris is not the capital of Spain. Paris is the capital of France.",
         "claim": "Paris is the capital of France. Paris is the capital of Spain."},
    ]  # fmt: skip
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert verify_file(source, out, Verifier(KeywordScorer())) == 2
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first["label"] == "supported" and "claim_from_question" in first
    assert second["label"] == "contradicted"  # the weakest sentence decides
    assert [s["label"] for s in second["sentences"]] == ["supported", "contradicted"]


def test_partial_labels_teach_support_without_blurring_contradiction() -> None:
    rng = np.random.default_rng(0)
    # Feature 0 marks support, feature 1 contradiction; the two-label rows only say
    # "not supported" and must not pull contradicted rows towards unsupported.
    x = np.vstack([
        rng.normal([3, 0], 0.3, (50, 2)), rng.normal([0, 3], 0.3, (50, 2)),
        rng.normal([0, 0], 0.3, (50, 2)), rng.normal([0, 3], 0.3, (100, 2)),
    ])  # fmt: skip
    y = [0] * 50 + [1] * 50 + [2] * 50 + [NOT_SUPPORTED] * 100
    p = fit_fusion(x, y, l2=0.1).probabilities(np.asarray([[3.0, 0.0], [0.0, 3.0], [0.0, 0.0]]))
    assert p.argmax(axis=1).tolist() == [0, 1, 2]
