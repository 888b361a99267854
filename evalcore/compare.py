"""Paired statistics for comparing two runs over the cases both share.

Both functions take two equally long arrays ``baseline`` and ``candidate`` whose i-th entries are
the same case scored in each run, and look at the per-case differences ``candidate - baseline``.
They are pure, seeded and vectorised, and never return NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from evalstage.evalcore.records import CaseResult

FloatArray = NDArray[np.float64]

_MAX_CELLS = 4_000_000
"""Upper bound on the cells of one resampling matrix (bounds memory on large runs)."""


class PairedDelta(BaseModel):
    """The mean paired difference ``candidate - baseline`` with its CI and permutation p-value."""

    model_config = ConfigDict(frozen=True)

    baseline: float
    candidate: float
    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    confidence: float


def _differences(
    baseline: Sequence[float] | FloatArray, candidate: Sequence[float] | FloatArray
) -> FloatArray:
    a = np.asarray(baseline, dtype=np.float64)
    b = np.asarray(candidate, dtype=np.float64)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError("paired statistics expect one-dimensional sequences")
    if a.shape != b.shape:
        raise ValueError(f"paired sequences differ in length: {a.size} != {b.size}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("paired statistics got NaN or infinite values; drop unmeasured cases")
    diff: FloatArray = b - a
    return diff


def paired_bootstrap_ci(
    baseline: Sequence[float] | FloatArray,
    candidate: Sequence[float] | FloatArray,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float, float] | None:
    """Mean paired difference and its percentile-bootstrap CI: ``(delta, low, high)``.

    Cases are resampled with replacement as pairs (so the correlation between the two runs is
    kept). ``None`` when there are no pairs; with one pair, or when every difference is the same,
    the interval collapses to the point estimate.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must lie strictly between 0 and 1")
    if n_resamples < 1:
        raise ValueError("n_resamples must be positive")
    diff = _differences(baseline, candidate)
    n = diff.size
    if n == 0:
        return None
    delta = float(diff.mean())
    if n == 1 or bool(np.all(diff == diff[0])):
        return delta, delta, delta
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_resamples, _MAX_CELLS // n))
    means = np.empty(n_resamples, dtype=np.float64)
    for start in range(0, n_resamples, chunk):
        stop = min(n_resamples, start + chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = diff[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return delta, float(min(low, delta)), float(max(high, delta))


def paired_permutation_test(
    baseline: Sequence[float] | FloatArray,
    candidate: Sequence[float] | FloatArray,
    *,
    n_permutations: int = 10_000,
    seed: int = 0,
) -> float:
    """Two-sided p-value of a paired (sign-flip) permutation test of ``mean(candidate - baseline)``.

    Under the null hypothesis the two runs are exchangeable per case, so each difference's sign is
    flipped at random. With few pairs (``2**n <= n_permutations``) every sign pattern is
    enumerated and the p-value is exact; otherwise ``n_permutations`` random patterns are drawn and
    ``p = (1 + #{|perm| >= |observed|}) / (1 + n_permutations)``, which is never 0. No pairs, or
    no non-zero difference, gives ``p = 1``.
    """
    if n_permutations < 1:
        raise ValueError("n_permutations must be positive")
    diff = _differences(baseline, candidate)
    diff = diff[diff != 0.0]  # zero differences are unchanged by any sign flip
    n = diff.size
    if n == 0:
        return 1.0
    observed = abs(float(diff.sum()))
    tolerance = 1e-9 * max(1.0, float(np.abs(diff).sum()))
    if n <= 20 and 2**n <= n_permutations:
        patterns = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(np.float64)
        sums = np.abs((1.0 - 2.0 * patterns) @ diff)
        return float(np.count_nonzero(sums >= observed - tolerance) / sums.size)
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_permutations, _MAX_CELLS // n))
    extreme = 0
    for start in range(0, n_permutations, chunk):
        size = min(n_permutations, start + chunk) - start
        signs = rng.integers(0, 2, size=(size, n)).astype(np.float64) * 2.0 - 1.0
        extreme += int(np.count_nonzero(np.abs(signs @ diff) >= observed - tolerance))
    return float((1 + extreme) / (1 + n_permutations))


def paired_values(
    baseline: Mapping[str, float], candidate: Mapping[str, float]
) -> tuple[list[str], FloatArray, FloatArray]:
    """The case ids both mappings score (sorted) and their values in each, aligned."""
    ids = sorted(set(baseline) & set(candidate))
    a = np.array([baseline[i] for i in ids], dtype=np.float64)
    b = np.array([candidate[i] for i in ids], dtype=np.float64)
    return ids, a, b


def paired_delta(
    baseline: Sequence[float] | FloatArray,
    candidate: Sequence[float] | FloatArray,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    n_permutations: int = 10_000,
    seed: int = 0,
) -> PairedDelta | None:
    """Means of both runs, the paired delta with its bootstrap CI and permutation p-value.

    ``None`` when there are no pairs.
    """
    ci = paired_bootstrap_ci(
        baseline, candidate, confidence=confidence, n_resamples=n_resamples, seed=seed
    )
    if ci is None:
        return None
    a = np.asarray(baseline, dtype=np.float64)
    b = np.asarray(candidate, dtype=np.float64)
    return PairedDelta(
        baseline=float(a.mean()),
        candidate=float(b.mean()),
        delta=ci[0],
        ci_low=ci[1],
        ci_high=ci[2],
        p_value=paired_permutation_test(a, b, n_permutations=n_permutations, seed=seed),
        n=int(a.size),
        confidence=confidence,
    )


MEASURED_OUTCOMES = ("pass", "fail")
FAILED_OUTCOMES = ("fail", "error")


class MetricDelta(PairedDelta):
    """A :class:`PairedDelta` for one named per-case metric."""

    metric: str


class CategoryChange(BaseModel):
    """Cases failing in one failure category in each run."""

    model_config = ConfigDict(frozen=True)

    category: str
    baseline: int
    candidate: int
    change: int


class StageComparison(BaseModel):
    """Two runs of one stage, compared over the cases both hold."""

    stage: str
    shared_cases: int
    metrics: list[MetricDelta]
    failure_categories: list[CategoryChange]
    newly_failing: list[str]
    newly_fixed: list[str]


def case_metric_values(results: Sequence[CaseResult]) -> dict[str, dict[str, float]]:
    """Per metric, each measured (pass/fail) case's value: ``pass_rate`` and every score.

    A score called ``pass`` is the same 0/1 value as ``pass_rate`` and is not repeated.
    """
    values: dict[str, dict[str, float]] = {"pass_rate": {}}
    for result in results:
        if result.outcome not in MEASURED_OUTCOMES:
            continue
        values["pass_rate"][result.key] = float(result.outcome == "pass")
        for name, score in result.scores.items():
            if name != "pass":
                values.setdefault(name, {})[result.key] = float(score)
    return values


def compare_stage(
    stage: str,
    baseline: Sequence[CaseResult],
    candidate: Sequence[CaseResult],
    *,
    confidence: float = 0.95,
    seed: int = 0,
) -> StageComparison:
    """Compare ``candidate`` against ``baseline`` over the cases both hold.

    Per metric: the paired delta with its bootstrap CI and permutation p-value; per failure
    category: failing cases in each run and the change; and the newly failing / fixed case ids.
    """
    a_values = case_metric_values(baseline)
    b_values = case_metric_values(candidate)
    metrics: list[MetricDelta] = []
    for name in [m for m in a_values if m in b_values]:
        _, left, right = paired_values(a_values[name], b_values[name])
        delta = paired_delta(left, right, confidence=confidence, seed=seed)
        if delta is not None:
            metrics.append(MetricDelta(metric=name, **delta.model_dump()))
    a_by_id = {r.key: r for r in baseline}
    b_by_id = {r.key: r for r in candidate}
    shared = sorted(set(a_by_id) & set(b_by_id))
    newly_failing = [
        i for i in shared if a_by_id[i].outcome == "pass" and b_by_id[i].outcome in FAILED_OUTCOMES
    ]
    newly_fixed = [
        i for i in shared if a_by_id[i].outcome in FAILED_OUTCOMES and b_by_id[i].outcome == "pass"
    ]

    def counts(by_id: Mapping[str, CaseResult]) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in shared:
            category = by_id[i].failure_category
            if category is not None:
                out[category.value] = out.get(category.value, 0) + 1
        return out

    a_counts, b_counts = counts(a_by_id), counts(b_by_id)
    categories = [
        CategoryChange(
            category=c,
            baseline=a_counts.get(c, 0),
            candidate=b_counts.get(c, 0),
            change=b_counts.get(c, 0) - a_counts.get(c, 0),
        )
        for c in sorted(set(a_counts) | set(b_counts))
    ]
    return StageComparison(
        stage=stage,
        shared_cases=len(shared),
        metrics=metrics,
        failure_categories=categories,
        newly_failing=newly_failing,
        newly_fixed=newly_fixed,
    )
