"""Statistics for aggregates: bootstrap confidence intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from evalstage.evalcore.records import CaseResult, MetricSummary


class Interval(BaseModel):
    """A point estimate with a percentile-bootstrap confidence interval."""

    model_config = ConfigDict(frozen=True)

    mean: float
    low: float
    high: float
    n: int
    confidence: float


def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> Interval | None:
    """Mean of ``values`` with a percentile bootstrap CI; ``None`` when there are no values.

    Resampling is vectorised (one ``n_resamples x n`` index matrix, chunked to bound memory)
    and seeded, so the same values always give the same interval.
    """
    data = np.asarray(values, dtype=np.float64)
    if data.ndim != 1:
        raise ValueError("bootstrap_ci expects a one-dimensional sequence")
    if not np.all(np.isfinite(data)):
        raise ValueError("bootstrap_ci got NaN or infinite values; mark such cases unmeasured")
    n = data.size
    if n == 0:
        return None
    mean = float(data.mean())
    if n == 1 or np.all(data == data[0]):
        return Interval(mean=mean, low=mean, high=mean, n=n, confidence=confidence)
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_resamples, 4_000_000 // n))
    means = np.empty(n_resamples)
    for start in range(0, n_resamples, chunk):
        stop = min(n_resamples, start + chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = data[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return Interval(mean=mean, low=float(low), high=float(high), n=n, confidence=confidence)


def summarize_metrics(
    columns: Mapping[str, Sequence[float] | np.ndarray], total: int, confidence: float = 0.95
) -> list[MetricSummary]:
    """One :class:`MetricSummary` per column (mean, bootstrap CI, n, coverage = n / total).

    A column with no values gives no summary rather than a NaN.
    """
    out: list[MetricSummary] = []
    for name, values in columns.items():
        ci = bootstrap_ci(values, confidence=confidence)
        if ci is None:
            continue
        out.append(
            MetricSummary(
                name=name,
                value=ci.mean,
                ci_low=ci.low,
                ci_high=ci.high,
                n=ci.n,
                coverage=ci.n / total if total else 0.0,
            )
        )
    return out


def usage_summary(
    results: Sequence[CaseResult],
) -> tuple[dict[str, float] | None, dict[str, int] | None]:
    """Cost beside quality: p50/p95 of the cases' ``latency_ms`` and their token totals.

    Read from each result's ``details`` (``latency_ms``, ``prompt_tokens``,
    ``completion_tokens``); ``None`` for what no case recorded. Cases whose reported counts
    were implausible (dropped by the chat client, noted in ``details["notes"]``) are counted in
    ``tokens["flagged_cases"]``.
    """
    latencies = [
        float(r.details["latency_ms"]) for r in results if r.details.get("latency_ms") is not None
    ]
    latency = None
    if latencies:
        p50, p95 = np.percentile(np.asarray(latencies, dtype=np.float64), [50, 95])
        latency = {"p50": float(p50), "p95": float(p95)}
    prompt = [int(r.details["prompt_tokens"]) for r in results if "prompt_tokens" in r.details]
    completion = [
        int(r.details["completion_tokens"]) for r in results if "completion_tokens" in r.details
    ]
    flagged = sum(
        any("implausible token counts" in str(note) for note in r.details.get("notes") or [])
        for r in results
    )
    tokens = (
        {"prompt": sum(prompt), "completion": sum(completion)}
        if prompt or completion or flagged
        else None
    )
    if tokens is not None and flagged:
        tokens["flagged_cases"] = flagged
    return latency, tokens
