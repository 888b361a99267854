from __future__ import annotations

import itertools

import numpy as np
import pytest

from evalstage.evalcore.compare import (
    paired_bootstrap_ci,
    paired_delta,
    paired_permutation_test,
    paired_values,
)


def test_bootstrap_ci_contains_delta_and_is_seeded() -> None:
    rng = np.random.default_rng(1)
    a = rng.random(200)
    b = a + 0.1 + rng.normal(0, 0.05, 200)
    first = paired_bootstrap_ci(a, b, seed=3)
    again = paired_bootstrap_ci(a, b, seed=3)
    assert first == again
    assert first is not None
    delta, low, high = first
    assert delta == pytest.approx(float((b - a).mean()))
    assert low <= delta <= high
    assert 0.08 < low < high < 0.12


def test_bootstrap_ci_edge_cases() -> None:
    assert paired_bootstrap_ci([], []) is None
    assert paired_bootstrap_ci([0.2], [0.5]) == pytest.approx((0.3, 0.3, 0.3))
    assert paired_bootstrap_ci([0.0, 1.0], [0.5, 1.5]) == pytest.approx((0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="length"):
        paired_bootstrap_ci([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        paired_bootstrap_ci([1.0, float("nan")], [1.0, 2.0])


def test_bootstrap_ci_paired_is_narrower_than_unpaired_spread() -> None:
    rng = np.random.default_rng(0)
    a = rng.random(500)
    b = a + 0.01
    ci = paired_bootstrap_ci(a, b)
    assert ci is not None
    assert ci[2] - ci[1] < 1e-9  # every difference is 0.01: no uncertainty when paired


def _exact_p(diff: np.ndarray) -> float:
    observed = abs(diff.sum())
    sums = [abs(np.dot(signs, diff)) for signs in itertools.product((1, -1), repeat=diff.size)]
    return sum(s >= observed - 1e-12 for s in sums) / len(sums)


def test_permutation_exact_matches_enumeration() -> None:
    a = np.array([0.1, 0.4, 0.3, 0.9, 0.5, 0.2, 0.7])
    b = np.array([0.3, 0.5, 0.2, 1.0, 0.9, 0.4, 0.8])
    assert paired_permutation_test(a, b) == pytest.approx(_exact_p(b - a))
    # Symmetric: swapping the runs gives the same two-sided p-value.
    assert paired_permutation_test(b, a) == pytest.approx(paired_permutation_test(a, b))


def test_permutation_monte_carlo() -> None:
    rng = np.random.default_rng(2)
    a = rng.random(300)
    same = a + rng.normal(0, 0.1, 300)
    shifted = a + 0.2 + rng.normal(0, 0.1, 300)
    p_shift = paired_permutation_test(a, shifted, n_permutations=2000)
    assert 0 < p_shift <= 1 / 2001 + 1e-12
    p_null = paired_permutation_test(a, same, n_permutations=2000, seed=5)
    assert 0.01 < p_null <= 1.0
    assert p_null == paired_permutation_test(a, same, n_permutations=2000, seed=5)


def test_permutation_degenerate() -> None:
    assert paired_permutation_test([], []) == 1.0
    assert paired_permutation_test([1.0, 0.0], [1.0, 0.0]) == 1.0
    p = paired_permutation_test([0.0], [1.0])
    assert p == 1.0  # one pair: both signs are as extreme
    assert not np.isnan(p)


def test_paired_values_and_delta() -> None:
    ids, a, b = paired_values({"x": 1.0, "y": 0.0, "z": 1.0}, {"y": 1.0, "z": 1.0, "w": 0.0})
    assert ids == ["y", "z"]
    assert a.tolist() == [0.0, 1.0] and b.tolist() == [1.0, 1.0]
    result = paired_delta(a, b)
    assert result is not None
    assert result.n == 2
    assert result.delta == pytest.approx(0.5)
    assert result.baseline == pytest.approx(0.5) and result.candidate == pytest.approx(1.0)
    assert result.ci_low <= result.delta <= result.ci_high
    assert 0 < result.p_value <= 1
    assert paired_delta([], []) is None


def test_large_inputs_are_fast_and_finite() -> None:
    rng = np.random.default_rng(9)
    a = (rng.random(10_000) > 0.5).astype(float)
    b = (rng.random(10_000) > 0.45).astype(float)
    result = paired_delta(a, b)
    assert result is not None
    values = [result.delta, result.ci_low, result.ci_high, result.p_value]
    assert all(np.isfinite(values))


def _results(outcomes: dict[str, str], score: dict[str, float]) -> list:
    from evalstage.evalcore import CaseResult, FailureCategory

    return [
        CaseResult(
            stage="retrieval",
            case_id=cid,
            outcome=outcome,  # type: ignore[arg-type]
            failure_category=FailureCategory.RETRIEVAL_MISS if outcome == "fail" else None,
            scores={"ndcg@10": score[cid]} if outcome in ("pass", "fail") else {},
        )
        for cid, outcome in outcomes.items()
    ]


def test_compare_stage_deltas_categories_and_changes() -> None:
    from evalstage.evalcore.compare import compare_stage

    a = _results(
        {"q1": "pass", "q2": "fail", "q3": "pass", "q4": "error", "only_a": "pass"},
        {"q1": 1.0, "q2": 0.0, "q3": 0.5, "only_a": 1.0},
    )
    b = _results(
        {"q1": "fail", "q2": "pass", "q3": "pass", "q4": "pass", "only_b": "fail"},
        {"q1": 0.0, "q2": 1.0, "q3": 0.9, "q4": 1.0, "only_b": 0.0},
    )
    c = compare_stage("retrieval", a, b)
    assert c.shared_cases == 4
    assert c.newly_failing == ["q1"] and c.newly_fixed == ["q2", "q4"]
    ndcg = next(m for m in c.metrics if m.metric == "ndcg@10")
    # pairs are the cases measured in both runs: q1, q2, q3
    assert ndcg.n == 3 and ndcg.delta == pytest.approx((-1.0 + 1.0 + 0.4) / 3)
    assert ndcg.ci_low <= ndcg.delta <= ndcg.ci_high and 0.0 < ndcg.p_value <= 1.0
    assert c.metrics[0].metric == "pass_rate"
    (miss,) = c.failure_categories
    assert (miss.baseline, miss.candidate, miss.change) == (1, 1, 0)
