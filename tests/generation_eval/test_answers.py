"""Answer correctness: normalisation, EM, token F1, alias match, polarity, counterfactuals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalstage.generation_eval._answers import (
    alias_match,
    answer_scores,
    counterfactual_adopted,
    exact_match,
    normalize_answer,
    polarity,
    token_f1,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Eiffel Tower", "eiffel tower"),
        ("  An   apple, a day!  ", "apple day"),
        ("Paris [1].", "paris"),
        ("Paris [1, 2][3-4]", "paris"),
        ("32%", "32 percent"),
        ("32 %", "32 percent"),
        ("32 percent", "32 percent"),
        ("32 per cent", "32 percent"),
        ("3.5 million", "3.5 million"),
        ("It was 30.", "it was 30"),
        ("6,650 km", "6650 km"),
        ("1, 2 and 3", "1 2 and 3"),
        ("Obama's wife", "obama wife"),
        ("Obama’s wife", "obama wife"),
        ("don't", "dont"),
        ("well-known", "well known"),
        ("“Quoted”", "quoted"),
        ("$5", "5"),
        ("", ""),
        ("[1]", ""),
    ],
)
def test_normalize_answer(text: str, expected: str) -> None:
    assert normalize_answer(text) == expected


@pytest.mark.parametrize(
    ("prediction", "answers", "expected"),
    [
        ("The Eiffel Tower.", ["Eiffel Tower"], 1.0),
        ("eiffel tower [1]", ["Eiffel Tower"], 1.0),
        ("Eiffel", ["Eiffel Tower"], 0.0),
        ("Tour Eiffel", ["Eiffel Tower", "Tour Eiffel"], 1.0),
        ("32 percent", ["32%"], 1.0),
        ("3", ["30"], 0.0),
        ("", ["x"], 0.0),
    ],
)
def test_exact_match(prediction: str, answers: list[str], expected: float) -> None:
    assert exact_match(prediction, answers) == expected


@pytest.mark.parametrize(
    ("prediction", "answers", "expected"),
    [
        ("Eiffel Tower", ["Eiffel Tower"], 1.0),
        ("the Eiffel", ["Eiffel Tower"], 2 * 1.0 * 0.5 / 1.5),
        ("Paris France", ["Paris"], 2 * 0.5 * 1.0 / 1.5),
        ("London", ["Paris"], 0.0),
        ("London", ["Paris", "London"], 1.0),
        ("", ["Paris"], 0.0),
        ("The", ["A"], 1.0),
        ("a a b", ["a b b"], 2 / 3),  # 'a' is an article: [b] vs [b, b]
        ("x x y", ["x y y"], 2 / 3),
    ],
)
def test_token_f1(prediction: str, answers: list[str], expected: float) -> None:
    assert token_f1(prediction, answers) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("prediction", "answers", "expected"),
    [
        ("The tower was designed by Gustave Eiffel [1].", ["Gustave Eiffel"], True),
        ("It has 3 floors [1].", ["3"], True),
        ("It has 30 floors [1].", ["3"], False),
        ("It is 3.5 m tall.", ["3"], False),
        ("It is 3.5 m tall.", ["3.5"], True),
        ("It is 3.50 m tall.", ["3.5"], False),
        ("Mortality fell by 32 % [2].", ["32%"], True),
        ("Mortality fell by 32 percent.", ["32%"], True),
        ("Mortality fell by 32%.", ["32"], True),
        ("Mortality fell by 320%.", ["32%"], False),
        ("The river is 6,650 km long.", ["6650 km"], True),
        ("Paris, the capital.", ["London", "Paris"], True),
        ("Parisian cafés", ["Paris"], False),
        ("Yes, it does [1].", ["yes"], True),
        ("No, it does not [1].", ["yes"], False),
        ("Smoking is not associated with the disease [1].", ["no"], True),
        ("Smoking is associated with the disease [1].", ["yes"], True),
        ("No, there is no link; yes-men say otherwise.", ["yes"], False),
        ("I don't know.", ["no"], False),
        ("I don't know.", ["yes"], False),
        ("The answer is not known to be yes.", ["Paris"], False),
        ("Barack Obama's wife", ["Obama"], True),
    ],
)
def test_alias_match(prediction: str, answers: list[str], expected: bool) -> None:
    assert alias_match(prediction, answers) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes.", "yes"),
        ("Yes, statins lower LDL [1].", "yes"),
        ("yes", "yes"),
        ("Indeed, it does.", "yes"),
        ("No.", "no"),
        ("No, it does not [2].", "no"),
        ("No it does not.", "no"),
        ("No studies found a benefit [1].", "no"),
        ("Nope.", "no"),
        ("The drug does not reduce mortality [1].", "no"),
        ("The drug doesn’t reduce mortality [1].", "no"),
        ("Smoking is not associated with the condition [1].", "no"),
        ("There was no significant difference [1].", "no"),
        ("The intervention failed to improve outcomes [1].", "no"),
        ("Based on the provided context, statins reduce LDL [1].", "yes"),
        ("According to [2], aspirin prevents stroke.", "yes"),
        ("It not only lowers LDL but also raises HDL [1].", "yes"),
        ("There is no doubt that it works [1].", "yes"),
        ("The drug reduced mortality [1]. It did not reduce stroke [2].", "yes"),
        ("Maybe.", None),
        ("It depends on the dose [1].", None),
        ("The evidence is mixed [1][2].", None),
        ("I don't know.", None),
        ("The context does not say.", None),
        ("", None),
        ("   ", None),
    ],
)
def test_polarity(text: str, expected: str | None) -> None:
    assert polarity(text) == expected


def test_answer_scores_keys_and_values() -> None:
    scores = answer_scores("The capital is Paris [1].", ["Paris"])
    assert scores == {"exact_match": 0.0, "token_f1": pytest.approx(0.5), "alias_match": 1.0}
    assert all(0.0 <= value <= 1.0 for value in scores.values())


@pytest.mark.parametrize("function", [exact_match, token_f1, alias_match, answer_scores])
def test_empty_gold_raises(function: object) -> None:
    with pytest.raises(ValueError, match="no gold answers"):
        function("Paris", [])  # type: ignore[operator]


def test_string_gold_is_rejected() -> None:
    with pytest.raises(TypeError):
        exact_match("Paris", "Paris")


@pytest.mark.parametrize(
    ("answer", "fake", "true", "expected"),
    [
        ("It was built in 1890 [1].", "1890", ["1887"], True),
        ("It was built in 1887 [1].", "1890", ["1887"], False),
        ("It was built in 1890, not 1887 [1].", "1890", ["1887"], True),
        ("It was built in 1887, not 1890 [1].", "1890", ["1887"], False),
        ("It was not built in 1887 but in 1890.", "1890", ["1887"], True),
        ("It was built in 1890 rather than 1887.", "1890", ["1887"], True),
        ("[1] says 1887 but [2] says 1890.", "1890", ["1887"], False),
        ("It was completed in 18900 units.", "1890", ["1887"], False),
        ("I don't know whether it was 1890.", "1890", ["1887"], False),
        ("The context does not say.", "1890", ["1887"], False),
        ("The architect was Gustave Eiffel [1].", "Gustave Eiffel", ["Stephen Sauvestre"], True),
        (
            "The architect was Sauvestre [1].",
            "Gustave Eiffel",
            ["Sauvestre", "Stephen Sauvestre"],
            False,
        ),
        ("It was 1887 BC.", "1887 BC", ["1887"], True),
        ("Yes, it does [1].", "yes", ["no"], True),
        ("No, it does not [1].", "yes", ["no"], False),
        ("Mortality fell by 45% [1].", "45 percent", ["32%"], True),
    ],
)
def test_counterfactual_adopted(answer: str, fake: str, true: list[str], expected: bool) -> None:
    assert counterfactual_adopted(answer, fake, true) is expected


def test_counterfactual_bad_input() -> None:
    with pytest.raises(ValueError):
        counterfactual_adopted("x", "", ["y"])
    with pytest.raises(ValueError):
        counterfactual_adopted("x", "y", [])


_TEXT = st.text(alphabet=st.sampled_from(list("ab 3.5%,'[1]-Yes no")), max_size=30)


@settings(max_examples=200, deadline=None)
@given(_TEXT, st.lists(_TEXT.filter(str.strip), min_size=1, max_size=3))
def test_scores_in_range_and_consistent(prediction: str, answers: list[str]) -> None:
    scores = answer_scores(prediction, answers)
    assert all(0.0 <= value <= 1.0 for value in scores.values())
    if scores["exact_match"] == 1.0 and normalize_answer(prediction) not in ("yes", "no"):
        assert scores["token_f1"] == 1.0
    assert normalize_answer(normalize_answer(prediction)) == normalize_answer(prediction)
