"""Fusion: the learned scorer's window probabilities combined with explicit lexical checks.

On held-out SciFact claims the cross-encoder alone separates "contradicted" well but
"supported" worse than plain word overlap (README: verifier validity). A multinomial logistic
regression over a handful of explainable features of a claim's windows combines the two. It is
fitted on the DEV split (``python -m generation_eval.verifier.fusion``), with balanced class
weights and an L2 penalty fixed beforehand (1.0); its weights live beside the scorer's weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field
from scipy.optimize import minimize  # type: ignore[import-untyped, unused-ignore]

from generation_eval.verifier._checks import explicit_checks
from generation_eval.verifier._windows import lexical_overlap

__all__ = ["FEATURES", "Fusion", "fit_fusion", "window_features"]

FEATURES = (
    "max_support",
    "max_contradiction",
    "max_overlap",
    "support_at_overlap",
    "contradiction_at_overlap",
    "numbers_missing",
    "negation_mismatch",
)
"""Per claim: the scorer's best P(supported) and P(contradicted) over windows; the best word
overlap; the scorer's probabilities on that most-overlapping window; and whether that window
lacks a number of the claim or differs from it in negation."""

Matrix = npt.NDArray[np.float64]


class Fusion(BaseModel):
    """Fitted coefficients: ``weights`` is (len(FEATURES) + 1) x 3, the last row the bias."""

    model_config = ConfigDict(frozen=True)

    features: list[str] = Field(default_factory=lambda: list(FEATURES))
    weights: list[list[float]]
    l2: float = 1.0
    fitted_on: str = "dev"

    def probabilities(self, x: Matrix) -> Matrix:
        """Fused P(supported), P(contradicted), P(unsupported) for feature rows ``x``."""
        w = np.asarray(self.weights, dtype=np.float64)
        z = np.hstack([np.atleast_2d(x), np.ones((np.atleast_2d(x).shape[0], 1))]) @ w
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        out: Matrix = p / p.sum(axis=1, keepdims=True)
        return out


def window_features(
    claim: str, windows: Sequence[str], block: Matrix
) -> tuple[Matrix, int, dict[str, Any]]:
    """The feature row of one claim, the index of its most-overlapping window and its checks."""
    overlap = np.asarray([lexical_overlap(claim, w) for w in windows], dtype=np.float64)
    best = int(np.argmax(overlap))
    checks = explicit_checks(claim, windows[best])
    row = np.asarray(
        [
            block[:, 0].max(),
            block[:, 1].max(),
            overlap[best],
            block[best, 0],
            block[best, 1],
            float(bool(checks["numbers_missing"])),
            float(checks["negation_mismatch"]),
        ],
        dtype=np.float64,
    )
    return row, best, checks


def fit_fusion(x: Matrix, y: Sequence[int], l2: float = 1.0) -> Fusion:
    """Multinomial logistic regression with balanced class weights (deterministic L-BFGS)."""
    labels = np.asarray(y, dtype=np.int64)
    n, k = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    counts = np.bincount(labels, minlength=3)
    sample_weight = (n / (3 * np.maximum(counts, 1)))[labels]

    def loss(theta: Matrix) -> tuple[float, Matrix]:
        w = theta.reshape(k + 1, 3)
        z = xb @ w
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        value = -(sample_weight * logp[np.arange(n), labels]).sum() / n
        value += l2 * float((w[:-1] ** 2).sum()) / n
        grad_z = np.exp(logp)
        grad_z[np.arange(n), labels] -= 1.0
        grad = xb.T @ (grad_z * sample_weight[:, None]) / n
        grad[:-1] += 2.0 * l2 * w[:-1] / n
        return float(value), grad.ravel()

    result = minimize(loss, np.zeros((k + 1) * 3), jac=True, method="L-BFGS-B")
    weights = np.asarray(result.x, dtype=np.float64).reshape(k + 1, 3)
    return Fusion(weights=[[round(float(v), 6) for v in row] for row in weights], l2=l2)
