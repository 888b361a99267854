"""Fusion: the cross-encoder's window probabilities combined with explicit lexical checks.

A cross-encoder trained on a few public sets is uneven across domains, while plain word overlap
is a strong signal wherever a wrong answer brings words its context lacks. A multinomial
logistic regression over a handful of explainable features of a claim's windows combines the
two. It is fitted by ``python -m evalstage.generation_eval.verifier.fusion`` on pairs of many
sources that the scorer was not trained on, with every source weighing the same and the L2 penalty
chosen by leave-one-source-out cross-validation; sources with only two labels (entailed or
not) count as "contradicted or unsupported" (a partial label), so they teach support without
blurring contradiction. Its weights live beside the scorer's weights.

A lexical :class:`Anchor` then keeps the fusion from undoing word overlap out of domain: the
regression's support log-odds move towards the overlap's by the weight that cross-validation
shows to keep the fused score at or above word overlap on every source left out, recalibrated
on the left-out scores.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from evalstage.generation_eval.verifier._checks import explicit_checks, numbers
from evalstage.generation_eval.verifier._windows import lexical_overlap

__all__ = [
    "FEATURES",
    "LENGTH_FEATURES",
    "NOT_SUPPORTED",
    "Anchor",
    "AnchorForm",
    "Fusion",
    "anchor_cap",
    "anchor_support",
    "anchored",
    "fit_anchor",
    "fit_fusion",
    "lexical_logit",
    "log_odds",
    "support_logit",
    "window_features",
]

FEATURES = (
    "max_support",
    "max_contradiction",
    "support_at_overlap",
    "contradiction_at_overlap",
    "max_overlap",
    "context_overlap",
    "numbers_missing",
    "names_missing",
    "negation_mismatch",
    "logit_max_support",
    "logit_max_contradiction",
    "logit_support_at_overlap",
    "logit_contradiction_at_overlap",
    "context_length",
    "claim_length",
    "long_logit_max_support",
    "long_logit_support_at_overlap",
    "long_max_overlap",
    "long_context_overlap",
)
"""Per claim: the scorer's best P(supported) and P(contradicted) over windows, and both on the
window of highest word overlap; the share of the claim's content words in that window and in
all contexts together; whether a number of the claim is absent from every context; the share of
the claim's names (capitalised or alphanumeric words) absent from every context; whether the
most-overlapping window differs from the claim in negation; the log-odds of the four model
probabilities (so that confident model scores weigh more than a linear term allows); then the
log10 of the word count of all contexts together and of the claim, and the first length times
the best support log-odds, the support log-odds at the most-overlapping window and both
overlaps (so that the regression can trust either signal less or more in a long context: the
best of many windows is more often a false high, and a long context shares more words with any
claim). A fusion fitted on fewer features reads the first ones only (:class:`Fusion`)."""

LENGTH_FEATURES = FEATURES.index("context_length")
"""Where the length features start: fusions fitted before them have this many features."""

NOT_SUPPORTED = 3
"""Label index for "contradicted or unsupported" (two-label sources), beside LABELS' 0, 1, 2."""

Matrix = npt.NDArray[np.float64]
AnchorForm = Literal["rest", "unsupported"]
"""What an :class:`Anchor` moves supported against: both other labels, or unsupported only."""
_NAME = re.compile(r"\b(?:[A-Z][A-Za-z0-9'-]+|[A-Za-z]*\d[A-Za-z0-9-]*)\b")


def log_odds(p: Matrix | float, eps: float) -> Matrix:
    """``log(p / (1 - p))`` with ``p`` clipped to ``[eps, 1 - eps]`` (so 0 and 1 stay finite)."""
    q = np.clip(np.asarray(p, dtype=np.float64), eps, 1.0 - eps)
    out: Matrix = np.log(q / (1.0 - q))
    return out


def lexical_logit(share: Matrix) -> Matrix:
    """The log-odds of a word-overlap share, clipped to [0.02, 0.98]."""
    return log_odds(share, 0.02)


def support_logit(p: Matrix) -> Matrix:
    """The log-odds of support probabilities, clipped away from 0 and 1."""
    return log_odds(p, 1e-6)


class Anchor(BaseModel):
    """The regression's support log-odds ``z`` moved towards a lexical feature, recalibrated.

    With ``against="rest"`` (the first form), P(supported) = sigmoid(scale * (z + weight *
    logit(feature)) + bias) and the not-supported mass keeps the regression's split between
    contradicted and unsupported. With ``against="unsupported"``, ``z`` is the log-odds of
    supported against unsupported only and P(contradicted) stays the regression's: word overlap
    is evidence against content the context lacks, not against a contradiction (a negated copy
    of a sentence shares all its words). ``weight`` is chosen by
    leave-one-source-out cross-validation so that the fused score does not fall below the
    feature's own AUROC on any source left out (when some weight of the grid achieves that;
    else the weight that comes closest), or fixed (``fusion --anchor-weight``; the shipped
    weights' was, see docs/verifier-selection.md); ``scale`` and ``bias`` are fitted on the
    out-of-fold scores (calibrated across domains, not in-sample).
    """

    model_config = ConfigDict(frozen=True)

    feature: str = "context_overlap"
    weight: float
    scale: float = 1.0
    bias: float = 0.0
    against: AnchorForm = "rest"


class Fusion(BaseModel):
    """Fitted coefficients: ``weights`` is (len(features) + 1) x 3, the last row the bias."""

    model_config = ConfigDict(frozen=True)

    features: list[str] = Field(default_factory=lambda: list(FEATURES))
    weights: list[list[float]]
    l2: float = 1.0
    fitted_on: str = "dev"
    anchor: Anchor | None = None
    support_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    """A claim is supported when that is its likeliest label and P(supported) is at least this
    (chosen by leave-one-source-out cross-validation); ``None``: the likeliest label alone."""

    def label(self, probs: Matrix) -> int:
        """The label index (LABELS order) of one claim's fused probabilities."""
        return int(fused_labels(np.atleast_2d(probs), self.support_threshold)[0])

    def probabilities(self, x: Matrix) -> Matrix:
        """Fused P(supported), P(contradicted), P(unsupported) for feature rows ``x``."""
        w = np.asarray(self.weights, dtype=np.float64)
        full = np.atleast_2d(x)
        rows = full[:, : w.shape[0] - 1]
        z = np.hstack([rows, np.ones((rows.shape[0], 1))]) @ w
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        out: Matrix = p / p.sum(axis=1, keepdims=True)
        if self.anchor is None:
            return out
        column = FEATURES.index(self.anchor.feature)
        if full.shape[1] <= column:
            raise ValueError(
                f"the fusion's anchor reads feature {self.anchor.feature!r} (column {column}), "
                f"but the rows have {full.shape[1]} columns"
            )
        return anchored(out, full[:, column], self.anchor)


def fused_labels(probs: Matrix, threshold: float | None) -> npt.NDArray[np.int64]:
    """Label indices (LABELS order) of rows of fused probabilities.

    The likeliest label, except that supported below ``threshold`` becomes the likelier of
    contradicted and unsupported.
    """
    labels: npt.NDArray[np.int64] = probs.argmax(axis=1)
    if threshold is not None:
        withheld = (labels == 0) & (probs[:, 0] < threshold)
        labels[withheld] = np.where(probs[withheld, 1] >= probs[withheld, 2], 1, 2)
    return labels


def _sigmoid(z: Matrix) -> Matrix:
    out: Matrix = 1.0 / (1.0 + np.exp(-z))
    return out


def anchor_cap(probs: Matrix, against: AnchorForm) -> Matrix | None:
    """The most P(supported) an anchor can give: 1 - P(contradicted), or no cap (``rest``)."""
    return 1.0 - probs[:, 1] if against == "unsupported" else None


def anchor_score(probs: Matrix, share: Matrix, weight: float, against: AnchorForm) -> Matrix:
    """The uncalibrated anchored log-odds.

    The regression's support log-odds (against the rest, or against unsupported only) plus
    ``weight`` times the overlap's.
    """
    supported = probs[:, 0]
    if against == "unsupported":
        supported = supported / np.maximum(probs[:, 0] + probs[:, 2], 1e-300)
    return support_logit(supported) + weight * lexical_logit(share)


def anchor_support(probs: Matrix, score: Matrix, against: AnchorForm) -> Matrix:
    """P(supported) from an anchored, calibrated ``score``: its sigmoid, times the cap if any."""
    cap = anchor_cap(probs, against)
    return _sigmoid(score) if cap is None else cap * _sigmoid(score)


def anchored(probs: Matrix, share: Matrix, anchor: Anchor) -> Matrix:
    """The regression's probabilities ``probs`` with P(supported) moved by the :class:`Anchor`."""
    raw = anchor_score(probs, share, anchor.weight, anchor.against)
    supported = anchor_support(probs, anchor.scale * raw + anchor.bias, anchor.against)
    if anchor.against == "unsupported":
        out: Matrix = np.stack([supported, probs[:, 1], 1.0 - probs[:, 1] - supported], axis=1)
        return np.clip(out, 0.0, 1.0)
    mass = probs[:, 1:].sum(axis=1, keepdims=True)
    split = np.divide(probs[:, 1:], mass, out=np.full_like(probs[:, 1:], 0.5), where=mass > 0)
    out = np.hstack([supported[:, None], split * (1.0 - supported)[:, None]])
    return out


def fit_anchor(
    score: Matrix, positive: Matrix, sample_weight: Matrix, cap: Matrix | None = None
) -> tuple[float, float]:
    """``(scale, bias)`` of the weighted binary logistic regression of ``positive`` on ``score``.

    With ``cap``, P(positive) = cap * sigmoid(scale * score + bias) (``cap`` = 1 -
    P(contradicted), for the anchor that keeps the contradiction probability).
    """
    from scipy.optimize import minimize  # type: ignore[import-untyped, unused-ignore]

    s = np.asarray(score, dtype=np.float64)
    y = np.asarray(positive, dtype=np.float64)
    w = np.asarray(sample_weight, dtype=np.float64) / float(np.sum(sample_weight))
    c = np.ones_like(s) if cap is None else np.clip(np.asarray(cap, dtype=np.float64), 1e-9, 1.0)

    def loss(theta: Matrix) -> tuple[float, Matrix]:
        q = _sigmoid(theta[0] * s + theta[1])
        p = c * q
        value = -float((w * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))).sum())
        # d/dt log p = (1 - q); d/dt log(1 - p) = -p (1 - q) / (1 - p)
        g = -w * (y * (1 - q) - (1 - y) * p * (1 - q) / (1 - p + 1e-12))
        return value, np.asarray([float((g * s).sum()), float(g.sum())])

    result = minimize(loss, np.asarray([1.0, 0.0]), jac=True, method="L-BFGS-B")
    return round(float(result.x[0]), 6), round(float(result.x[1]), 6)


def _names(text: str) -> set[str]:
    found = {m.group(0).lower() for m in _NAME.finditer(text)}
    # The first word of a sentence is capitalised anyway: count it only if it recurs capitalised.
    first = text.split()[0].lower().strip(".,;:!?\"'") if text.split() else ""
    return found - {first}


def window_features(
    claim: str,
    windows: Sequence[str],
    block: Matrix,
    contexts: Sequence[str] = (),
    focus: str | None = None,
) -> tuple[Matrix, int, dict[str, Any]]:
    """The feature row of one claim, the index of its most-overlapping window and its checks.

    ``focus`` is the text whose own words the lexical checks read (the answer, when ``claim``
    was rewritten from a question and an answer); by default the claim.
    """
    words_of = focus if focus is not None else claim
    overlap = np.asarray([lexical_overlap(words_of, w) for w in windows], dtype=np.float64)
    best = int(np.argmax(overlap))
    checks = explicit_checks(words_of, windows[best])
    everything = " ".join(contexts) if contexts else " ".join(windows)
    missing_numbers = sorted(numbers(words_of) - numbers(everything, spelled=True))
    names = _names(words_of)
    present = everything.lower()
    absent = sorted(n for n in names if n not in present)
    checks["numbers_missing"] = missing_numbers
    checks["names_missing"] = absent
    model = [block[:, 0].max(), block[:, 1].max(), block[best, 0], block[best, 1]]
    logits = [float(log_odds(p, 1e-4)) for p in model]
    shares = [float(overlap[best]), lexical_overlap(words_of, everything)]
    length = float(np.log10(1 + len(everything.split())))
    row = np.asarray(
        [
            *model,
            *shares,
            float(bool(missing_numbers)),
            len(absent) / len(names) if names else 0.0,
            float(checks["negation_mismatch"]),
            *logits,
            length,
            float(np.log10(1 + len(words_of.split()))),
            length * logits[0],
            length * logits[2],
            *[length * share for share in shares],
        ],
        dtype=np.float64,
    )
    return row, best, checks


def fit_fusion(
    x: Matrix,
    y: Sequence[int],
    l2: float = 1.0,
    sample_weight: Sequence[float] | None = None,
    fitted_on: str = "dev",
) -> Fusion:
    """Multinomial logistic regression with partial labels (deterministic L-BFGS).

    ``y`` holds 0/1/2 (LABELS order) or :data:`NOT_SUPPORTED`, whose likelihood is
    P(contradicted) + P(unsupported). Without ``sample_weight``, supported and not-supported
    items weigh the same in total.
    """
    labels = np.asarray(y, dtype=np.int64)
    n, k = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    allowed = np.zeros((n, 3), dtype=np.float64)
    allowed[labels < NOT_SUPPORTED, labels[labels < NOT_SUPPORTED]] = 1.0
    allowed[labels == NOT_SUPPORTED, 1:] = 1.0
    if sample_weight is None:
        positive = labels == 0
        share = max(int(positive.sum()), 1), max(int((~positive).sum()), 1)
        weights = np.where(positive, n / (2 * share[0]), n / (2 * share[1]))
    else:
        weights = np.asarray(sample_weight, dtype=np.float64)
    total = float(weights.sum())

    def loss(theta: Matrix) -> tuple[float, Matrix]:
        w = theta.reshape(k + 1, 3)
        z = xb @ w
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        mass = np.maximum((p * allowed).sum(axis=1), 1e-300)
        value = -(weights * np.log(mass)).sum() / total + l2 * float((w[:-1] ** 2).sum()) / n
        q = p * allowed / mass[:, None]
        grad = xb.T @ ((p - q) * weights[:, None]) / total
        grad[:-1] += 2.0 * l2 * w[:-1] / n
        return float(value), grad.ravel()

    from scipy.optimize import minimize  # type: ignore[import-untyped, unused-ignore]

    result = minimize(loss, np.zeros((k + 1) * 3), jac=True, method="L-BFGS-B")
    fitted = np.asarray(result.x, dtype=np.float64).reshape(k + 1, 3)
    return Fusion(
        features=list(FEATURES[:k]),
        weights=[[round(float(v), 6) for v in row] for row in fitted],
        l2=l2,
        fitted_on=fitted_on,
    )
