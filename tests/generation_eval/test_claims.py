"""Claim splitting, citation parsing and citation format checks."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalstage.generation_eval._claims import (
    Claim,
    citation_format_ok,
    parse_citations,
    split_claims,
    strip_citations,
)


def texts_and_citations(answer: str) -> list[tuple[str, list[int]]]:
    return [(claim.text, claim.citations) for claim in split_claims(answer)]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Paris is the capital [1].", [("Paris is the capital.", [1])]),
        ("A rose [1]. B fell [2].", [("A rose.", [1]), ("B fell.", [2])]),
        ("A rose. [1] B fell. [2]", [("A rose.", [1]), ("B fell.", [2])]),
        ("A rose [1, 3].", [("A rose.", [1, 3])]),
        ("A rose [1][2].", [("A rose.", [1, 2])]),
        ("A rose [1-3].", [("A rose.", [1, 2, 3])]),
        ("A rose [1–3].", [("A rose.", [1, 2, 3])]),
        ("A rose [ 2 ].", [("A rose.", [2])]),
        ("A rose [2][2].", [("A rose.", [2])]),
        ("A rose [Passage 2].", [("A rose.", [2])]),
        ("A rose [Doc 1, Doc 3].", [("A rose.", [1, 3])]),
        ("A rose.", [("A rose.", [])]),
        (
            "It rose by 3.5% [1]. It fell by 2.1% [2].",
            [("It rose by 3.5%.", [1]), ("It fell by 2.1%.", [2])],
        ),
        (
            "Drugs, e.g. aspirin, help [1]. Others, i.e. placebo, do not [2].",
            [("Drugs, e.g. aspirin, help.", [1]), ("Others, i.e. placebo, do not.", [2])],
        ),
        (
            "Smith et al. found a rise [1]. It was large [2].",
            [("Smith et al. found a rise.", [1]), ("It was large.", [2])],
        ),
        ("As shown by Smith et al. [3], it works.", [("As shown by Smith et al., it works.", [3])]),
        ("See Fig. 2 for the trend [1].", [("See Fig. 2 for the trend.", [1])]),
        (
            "Aspirin vs. placebo showed a benefit [1].",
            [("Aspirin vs. placebo showed a benefit.", [1])],
        ),
        ("It is based in the U.S. Army base [1].", [("It is based in the U.S. Army base.", [1])]),
        (
            "It grew in the U.S. The EU lagged [2].",
            [("It grew in the U.S.", []), ("The EU lagged.", [2])],
        ),
        (
            "Apples, pears, etc. The list is long [1].",
            [("Apples, pears, etc.", []), ("The list is long.", [1])],
        ),
        ("Dr. Smith led it [1].", [("Dr. Smith led it.", [1])]),
        ("J. R. Tolkien wrote it [1].", [("J. R. Tolkien wrote it.", [1])]),
        (
            "It was vitamin D. The dose was 10 mg [1].",
            [("It was vitamin D.", []), ("The dose was 10 mg.", [1])],
        ),
        ("Did it work? Yes [1]!", [("Did it work?", []), ("Yes!", [1])]),
        (
            'He said "it works." Then he left [2].',
            [('He said "it works."', []), ("Then he left.", [2])],
        ),
        ("- First point [1]\n- Second point [2]", [("First point", [1]), ("Second point", [2])]),
        (
            "1. First point [1].\n2. Second point [2].",
            [("First point.", [1]), ("Second point.", [2])],
        ),
        ("Line one [1]\n\nLine two [2]", [("Line one", [1]), ("Line two", [2])]),
        ("It rose [1].\n[2]", [("It rose.", [1, 2])]),
        ("[1]", []),
        ("[1][2].", []),
        ("", []),
        ("...", []),
        ("It rose [a] and fell [sic] [1].", [("It rose [a] and fell [sic].", [1])]),
        ("It rose [1 and fell.", [("It rose [1 and fell.", [])]),
        ("No. 5 was the winner [1].", [("No. 5 was the winner.", [1])]),
        (
            "it rained on friday . locke replaced him [1] .",
            [("it rained on friday.", []), ("locke replaced him.", [1])],
        ),
        ("it rained. on friday", [("it rained. on friday", [])]),
        ("Run pip install -e . to install it [1].", [("Run pip install -e. to install it.", [1])]),
        ("dr . jones came . he left .", [("dr. jones came.", []), ("he left.", [])]),
        ("No. The drug failed [1].", [("No.", []), ("The drug failed.", [1])]),
        (
            "The answer is no. The drug failed [1].",
            [("The answer is no.", []), ("The drug failed.", [1])],
        ),
    ],
)
def test_split_claims(answer: str, expected: list[tuple[str, list[int]]]) -> None:
    assert texts_and_citations(answer) == expected


@pytest.mark.parametrize(
    "answer",
    [
        "A rose [1]. B fell. [2] C stayed [3]!",
        "  - Bullet one [1]\n  - Bullet two. [2]\n",
        "It grew in the U.S. The EU lagged [2].",
        'He said "it works." Then he left [2].',
    ],
)
def test_offsets_point_at_the_sentence(answer: str) -> None:
    claims = split_claims(answer)
    assert claims
    for claim in claims:
        span = answer[claim.start : claim.end]
        assert span == span.strip()
        assert strip_citations(span).lstrip("-* ") == claim.text
        assert parse_citations(span) == claim.citations
    starts = [claim.start for claim in claims]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in pairwise(claims))


def test_offsets_cover_trailing_marker() -> None:
    answer = "It increased. [2] Then it fell [1]."
    first, second = split_claims(answer)
    assert answer[first.start : first.end] == "It increased. [2]"
    assert answer[second.start : second.end] == "Then it fell [1]."


def test_claim_is_frozen() -> None:
    claim = Claim(text="x", citations=[1], start=0, end=1)
    with pytest.raises(ValueError):
        claim.text = "y"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mortality fell [1, 2].", "Mortality fell."),
        ("Mortality fell [1][2] and rose [3].", "Mortality fell and rose."),
        ("[1] says so.", "says so."),
        ("Mortality fell. [2]", "Mortality fell."),
        ("No markers here.", "No markers here."),
        ("Keep [a] and [sic].", "Keep [a] and [sic]."),
        ("Unclosed [1 stays.", "Unclosed [1 stays."),
        ("It fell [Passage 3] sharply.", "It fell sharply."),
    ],
)
def test_strip_citations(text: str, expected: str) -> None:
    assert strip_citations(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x [3] y [1] z [3]", [3, 1]),
        ("x [1-3, 5]", [1, 2, 3, 5]),
        ("x [3-1]", [1, 2, 3]),
        ("x [0]", [0]),
        ("x [1-1000]", [1, 1000]),
        ("x [a] [1", []),
    ],
)
def test_parse_citations(text: str, expected: list[int]) -> None:
    assert parse_citations(text) == expected


@pytest.mark.parametrize(
    ("answer", "n_passages", "ok", "reason_part"),
    [
        ("A [1]. B [2, 3].", 3, True, "ok"),
        ("A [ 1 ].", 1, True, "ok"),
        ("A [1-3].", 3, True, "ok"),
        ("No markers.", 3, True, "no citation markers"),
        ("Bracketed [a] text [sic].", 3, True, "no citation markers"),
        ("", 0, True, "no citation markers"),
        ("A [4].", 3, False, "outside 1..3"),
        ("A [0].", 3, False, "passage 0"),
        ("A [1-4].", 3, False, "passage 4"),
        ("A [3-1].", 3, False, "reversed range"),
        ("A [1", 3, False, "malformed"),
        ("A [1 and B.", 3, False, "malformed"),
        ("A [1a].", 3, False, "malformed"),
        ("A [1,].", 3, False, "malformed"),
        ("A [1].", 0, False, "no passages"),
    ],
)
def test_citation_format_ok(answer: str, n_passages: int, ok: bool, reason_part: str) -> None:
    result, reason = citation_format_ok(answer, n_passages)
    assert result is ok
    assert reason_part in reason


def test_citation_format_negative_count_raises() -> None:
    with pytest.raises(ValueError):
        citation_format_ok("A [1].", -1)


_PIECES = st.sampled_from(["It rose", " [1]", "[2, 3]", ".", " ", "\n", "e.g.", " U.S.", "3.5",
                           "The", "?", "- ", "[1", "x", "Dr.", " et al."])


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_split_claims_invariants(answer: str) -> None:
    claims = split_claims(answer)
    for claim in claims:
        assert 0 <= claim.start < claim.end <= len(answer)
        assert claim.text and claim.text == claim.text.strip()
        assert "[1]" not in claim.text
        assert set(claim.citations) <= set(parse_citations(answer))
    assert all(a.end <= b.start for a, b in pairwise(claims))


@pytest.mark.parametrize(
    "answer",
    [
        "Risk fell (OR 0.8 [95% CI 0.6-0.9]) [1].",
        "We enrolled [2 patients] per arm [1].",
        "The value was [3.5] units [2].",
    ],
)
def test_bracketed_prose_starting_with_a_number_is_not_a_malformed_citation(answer: str) -> None:
    assert citation_format_ok(answer, 2)[0]
