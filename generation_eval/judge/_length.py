"""Length-controlled win rate: how often B wins once answer length is accounted for.

The win score of a pair is 1 when B wins, 0.5 for a tie and 0 when A wins. A logistic model
``P(B wins) = sigmoid(theta + beta * x)`` with ``x = log2(len_B / len_A)`` (clipped to +-4) is
fitted to the scores (ridge penalty on ``beta``); the length-controlled win rate is
``sigmoid(theta)``, the predicted win rate of B against an answer of equal length (the idea of
AlpacaEval's length-controlled win rate, with length as the only covariate). Per-bucket win rates
of the length ratio are reported beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from evalstage.evalcore.calibration import CalibrationMetric
from evalstage.generation_eval.judge._metrics import figure

RIDGE = 1.0
"""Penalty on the length slope (keeps the fit defined when lengths separate the outcomes)."""
CLIP = 4.0
BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("B much shorter (<0.5x)", -math.inf, -1.0),
    ("B shorter (0.5-0.8x)", -1.0, math.log2(0.8)),
    ("similar (0.8-1.25x)", math.log2(0.8), math.log2(1.25)),
    ("B longer (1.25-2x)", math.log2(1.25), 1.0),
    ("B much longer (>2x)", 1.0, math.inf),
)


class LengthBucket(BaseModel):
    """Win rate of B among the pairs of one length-ratio bucket."""

    model_config = ConfigDict(frozen=True)

    label: str
    n: int
    win_rate_b: float | None


def log_ratio(len_a: int, len_b: int) -> float:
    """``log2(len_b / len_a)`` clipped to [-4, 4] (empty answers count as length 1)."""
    return float(np.clip(math.log2(max(len_b, 1) / max(len_a, 1)), -CLIP, CLIP))


def fit_length_model(x: np.ndarray, y: np.ndarray, ridge: float = RIDGE) -> tuple[float, float]:
    """Ridge-penalised logistic fit of fractional scores ``y`` on ``x`` by Newton's method."""
    design = np.column_stack([np.ones_like(x), x])
    penalty = np.diag([1e-6, ridge])
    w = np.zeros(2)
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(design @ w)))
        grad = design.T @ (p - y) + penalty @ w
        hess = design.T @ (design * (p * (1.0 - p))[:, None]) + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.max(np.abs(step))) < 1e-9:
            break
    return float(w[0]), float(w[1])


def lc_win_rate(x: np.ndarray, y: np.ndarray) -> float | None:
    """``sigmoid(theta)`` of the fitted model; the plain mean when all scores are equal."""
    if y.size == 0:
        return None
    if np.all(y == y[0]):
        return float(y[0])
    theta, _ = fit_length_model(x, y)
    return 1.0 / (1.0 + math.exp(-theta))


def length_controlled(
    lengths: Sequence[tuple[int, int]], scores: Sequence[float]
) -> tuple[CalibrationMetric | None, float | None, list[LengthBucket]]:
    """The length-controlled win rate of B (with CI), the fitted slope and the bucket table."""
    x = np.asarray([log_ratio(a, b) for a, b in lengths], dtype=np.float64)
    y = np.asarray(scores, dtype=np.float64)
    metric = figure("lc_win_rate_b", y.size, lambda idx: lc_win_rate(x[idx], y[idx]))
    slope = fit_length_model(x, y)[1] if y.size and not np.all(y == y[0]) else None
    buckets = []
    for label, low, high in BUCKETS:
        inside = (x >= low) & (x < high) if high != math.inf else x >= low
        n = int(inside.sum())
        buckets.append(
            LengthBucket(label=label, n=n, win_rate_b=float(y[inside].mean()) if n else None)
        )
    return metric, slope, buckets
