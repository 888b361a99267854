"""Invariants of the judge: swapping A and B mirrors every verdict; parsing; the mixing policy."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalstage.evalcore.outcomes import Outcome
from evalstage.generation_eval.judge import (
    MIRROR,
    CheckResult,
    Judge,
    JudgeScore,
    PairItem,
    Reply,
    decide,
    lc_win_rate,
    load_prompt,
    parse_pairwise,
)

REPLIES = ["Verdict: A", "Verdict: B", "Verdict: tie", "no idea", "[[A]]", "Output (b)"]


class ContentBackend:
    """A deterministic fake judge: its reply depends only on what is shown (and a salt)."""

    kind = "fake"
    model = "fake-judge"

    def __init__(self, salt: int) -> None:
        self.salt = salt
        self.params: dict[str, object] = {}

    def complete(
        self, item_id: str, order: str, input_sha256: str, messages: Sequence[Mapping[str, str]]
    ) -> Reply:
        digest = hashlib.sha256(f"{self.salt}:{messages[-1]['content']}".encode()).digest()
        return Reply(text=REPLIES[digest[0] % len(REPLIES)])

    def close(self) -> None:
        pass


@settings(max_examples=150, deadline=None)
@given(
    question=st.text(max_size=30),
    a=st.text(max_size=40),
    b=st.text(max_size=40),
    salt=st.integers(0, 10_000),
    both=st.booleans(),
)
def test_swapping_a_and_b_mirrors_the_verdict(
    question: str, a: str, b: str, salt: int, both: bool
) -> None:
    judge = Judge(load_prompt("pairwise-v1"), ContentBackend(salt), both_orders=both)
    pair = PairItem(id="x", question=question, answer_a=a, answer_b=b)
    straight, swapped = judge.judge_pair(pair), judge.judge_pair(pair.swapped())
    if not both:
        return  # one order only: no mirror guarantee (that is the point of both orders)
    assert straight.status == swapped.status
    assert straight.flags == swapped.flags
    if straight.verdict is None:
        assert swapped.verdict is None
    else:
        assert swapped.verdict == MIRROR[straight.verdict]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Verdict: A", "first"),
        ("I think...\nVerdict: **B**", "second"),
        ("verdict: tie", "tie"),
        ("[[C]]", "tie"),
        ('{"verdict": "B", "why": "x"}', "second"),
        ("Output (a)", "first"),
        ("Verdict: A\n...on reflection\nVerdict: B", None),
        ("Both are good.", None),
        ("", None),
        (None, None),
        ("Verdict: both", None),
    ],
)
def test_parse_pairwise(text: str | None, expected: str | None) -> None:
    assert parse_pairwise(text) == expected


def _score(value: float | None, calibrated: bool = True) -> JudgeScore:
    return JudgeScore(
        judge_key="k",
        prompt_name="rubric",
        prompt_sha256="a" * 64,
        model="m",
        mode="rubric",
        value=value,
        status="measured" if value is not None else "unmeasured",
        calibration_id="c1" if calibrated else None,
    )


def test_deterministic_failure_decides_over_the_judge() -> None:
    checks = [CheckResult(name="exact_match", kind="deterministic", passed=False)]
    d = decide(checks, _score(1.0), judge_decides=True)
    assert (d.outcome, d.decided_by) == (Outcome.FAIL, ["exact_match"])
    assert [c.kind for c in d.checks] == ["deterministic", "judge"]


def test_judge_decides_only_when_calibrated_and_asked() -> None:
    checks = [CheckResult(name="format", kind="deterministic", passed=True)]
    assert decide(checks, _score(0.0)).outcome == Outcome.PASS  # beside, not deciding
    d = decide(checks, _score(0.0), judge_decides=True)
    assert (d.outcome, d.decided_by) == (Outcome.FAIL, ["judge:rubric"])
    d = decide(checks, _score(0.0, calibrated=False), judge_decides=True)
    assert (d.outcome, d.decided_by) == (Outcome.PASS, ["format"])
    assert decide([], _score(None), judge_decides=True).outcome == Outcome.UNMEASURED


def test_length_controlled_win_rate_removes_a_pure_length_effect() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 2000)  # log2 length ratios
    p = 1 / (1 + np.exp(-(0.0 + 1.5 * x)))  # equal quality, judge loves length
    y = (rng.uniform(size=x.size) < p).astype(float)
    x_b_longer = np.abs(x)  # B is always the longer answer
    y_b_longer = (rng.uniform(size=x.size) < 1 / (1 + np.exp(-1.5 * x_b_longer))).astype(float)
    assert y_b_longer.mean() > 0.7  # the raw win rate rewards length
    assert lc_win_rate(x, y) == pytest.approx(0.5, abs=0.05)
    assert lc_win_rate(x_b_longer, y_b_longer) == pytest.approx(0.5, abs=0.1)
