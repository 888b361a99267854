"""Agreement and bias figures of a judge, with bootstrap CIs over items.

Every figure is a pure function of per-item arrays. A figure with no items (or an undefined
value, such as kappa when both raters use one category) is left out, never NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from evalstage.evalcore.calibration import CalibrationMetric
from evalstage.generation_eval.judge._models import PairJudgement, Verdict

N_RESAMPLES = 2000
CONFIDENCE = 0.95

Statistic = Callable[[np.ndarray], float | None]
"""Maps an index array (a resample of the items) to a value, or ``None`` where undefined."""


def cohen_kappa(rater_1: Sequence[str], rater_2: Sequence[str]) -> float | None:
    """Cohen's kappa ``(p_o - p_e) / (1 - p_e)`` over the categories either rater used.

    ``p_o`` is the share of items on which the raters agree; ``p_e = sum_k p1(k) * p2(k)`` the
    agreement expected from their marginals. ``None`` when there are no items or ``p_e == 1``.
    """
    if len(rater_1) != len(rater_2):
        raise ValueError("both raters must rate the same items")
    n = len(rater_1)
    if n == 0:
        return None
    categories = sorted(set(rater_1) | set(rater_2))
    observed = sum(a == b for a, b in zip(rater_1, rater_2, strict=True)) / n
    expected = sum(
        (sum(a == k for a in rater_1) / n) * (sum(b == k for b in rater_2) / n) for k in categories
    )
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def bootstrap_statistic(
    n: int, statistic: Statistic, *, seed: int = 0, n_resamples: int = N_RESAMPLES
) -> tuple[float, float] | None:
    """Percentile bootstrap CI of ``statistic`` over ``n`` items.

    Resamples where the statistic is undefined are dropped; ``None`` when none gives a value.
    """
    if n == 0:
        return None
    rng = np.random.default_rng(seed)
    values = [
        v
        for v in (statistic(rng.integers(0, n, size=n)) for _ in range(n_resamples))
        if v is not None
    ]
    if not values:
        return None
    alpha = (1.0 - CONFIDENCE) / 2.0
    low, high = np.quantile(np.asarray(values), [alpha, 1.0 - alpha])
    return float(low), float(high)


def figure(name: str, n: int, statistic: Statistic, seed: int = 0) -> CalibrationMetric | None:
    """The statistic on all ``n`` items with its bootstrap CI; ``None`` when undefined."""
    value = statistic(np.arange(n))
    if value is None:
        return None
    ci = bootstrap_statistic(n, statistic, seed=seed) or (value, value)
    return CalibrationMetric(name=name, value=value, ci_low=ci[0], ci_high=ci[1], n=n)


def mean_figure(name: str, values: Sequence[float], seed: int = 0) -> CalibrationMetric | None:
    """The mean of per-item values (e.g. 0/1 indicators) with its bootstrap CI."""
    data = np.asarray(values, dtype=np.float64)
    return figure(name, data.size, lambda idx: float(data[idx].mean()) if idx.size else None, seed)


def ratio_figure(
    name: str, hits: Sequence[float], totals: Sequence[float], seed: int = 0
) -> CalibrationMetric | None:
    """``sum(hits) / sum(totals)`` over items (items with zero totals still resampled)."""
    h = np.asarray(hits, dtype=np.float64)
    t = np.asarray(totals, dtype=np.float64)

    def stat(idx: np.ndarray) -> float | None:
        total = float(t[idx].sum())
        return float(h[idx].sum()) / total if total else None

    result = figure(name, h.size, stat, seed)
    if result is not None:
        result = result.model_copy(update={"n": int(t.sum())})
    return result


def kappa_figure(
    name: str, judge: Sequence[str], human: Sequence[str], seed: int = 0
) -> CalibrationMetric | None:
    """Cohen's kappa of two raters with its bootstrap CI."""
    categories = sorted(set(judge) | set(human))
    code = {c: i for i, c in enumerate(categories)}
    a = np.asarray([code[x] for x in judge], dtype=np.int64)
    b = np.asarray([code[x] for x in human], dtype=np.int64)
    k = len(categories)

    def stat(idx: np.ndarray) -> float | None:  # the same formula as cohen_kappa, vectorised
        if idx.size == 0:
            return None
        observed = float(np.mean(a[idx] == b[idx]))
        p1 = np.bincount(a[idx], minlength=k) / idx.size
        p2 = np.bincount(b[idx], minlength=k) / idx.size
        expected = float(p1 @ p2)
        return None if expected >= 1.0 else (observed - expected) / (1.0 - expected)

    return figure(name, a.size, stat, seed)


# ---------------------------------------------------------------- pairwise position and length


def first_position_counts(judgements: Sequence[PairJudgement]) -> tuple[list[int], list[int]]:
    """Per pair: single-order calls that picked the answer shown first, and decisive calls."""
    firsts, decisive = [], []
    for j in judgements:
        shown = [c.shown for c in j.calls if c.shown in ("first", "second")]
        firsts.append(sum(s == "first" for s in shown))
        decisive.append(len(shown))
    return firsts, decisive


def consistency_values(judgements: Sequence[PairJudgement]) -> list[float]:
    """Per pair with two readable orders: 1 when both orders gave the same verdict."""
    return [float(j.consistent) for j in judgements if j.consistent is not None]


def longer_values(
    judgements: Sequence[PairJudgement], verdicts: Sequence[Verdict | None] | None = None
) -> list[float]:
    """Per decisive pair of unequal lengths: 1 when the verdict picked the longer answer.

    ``verdicts`` replaces the judge's own (e.g. human labels for the same pairs).
    """
    chosen = verdicts if verdicts is not None else [j.verdict for j in judgements]
    out = []
    for j, v in zip(judgements, chosen, strict=True):
        if v in ("A", "B") and j.len_a != j.len_b:
            out.append(float((v == "A") == (j.len_a > j.len_b)))
    return out


def pairwise_bias_figures(judgements: Sequence[PairJudgement]) -> list[CalibrationMetric]:
    """Position consistency, first-position preference and longer-answer preference."""
    firsts, decisive = first_position_counts(judgements)
    measured = [j for j in judgements if j.status == "measured"]
    found = [
        mean_figure("position_consistency", consistency_values(judgements)),
        ratio_figure("first_position_rate", firsts, decisive),
        mean_figure("longer_preference", longer_values(measured)),
    ]
    return [f for f in found if f is not None]
