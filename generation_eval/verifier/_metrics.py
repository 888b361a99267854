"""Validity metrics for the verifier: balanced accuracy, AUROC, threshold tuning."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from evalstage.generation_eval.verifier._verifier import Thresholds, decide

__all__ = ["auroc", "balanced_accuracy", "tune_thresholds"]


def balanced_accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean per-class recall over the classes present in ``gold``."""
    classes = sorted(set(gold))
    recalls = []
    for cls in classes:
        members = [p for g, p in zip(gold, predicted, strict=True) if g == cls]
        recalls.append(sum(p == cls for p in members) / len(members))
    return float(np.mean(recalls)) if recalls else 0.0


def auroc(scores: Sequence[float], positive: Sequence[bool]) -> float | None:
    """Area under the ROC curve (Mann-Whitney U, ties count half); None without both classes."""
    values = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(positive, dtype=bool)
    n_pos = int(labels.sum())
    n_neg = labels.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    pos, neg = values[labels], values[~labels]
    wins = 0.0
    for start in range(0, pos.size, 1024):  # chunked to bound memory
        block = pos[start : start + 1024, None]
        wins += float((block > neg[None, :]).sum() + 0.5 * (block == neg[None, :]).sum())
    return wins / (n_pos * n_neg)


def tune_thresholds(
    support: Sequence[float], contradiction: Sequence[float], gold: Sequence[str]
) -> tuple[Thresholds, float]:
    """The :class:`Thresholds` (grid 0.02..0.98) that maximise 3-way balanced accuracy."""
    grid = np.round(np.arange(0.02, 0.99, 0.02), 2)
    best = (Thresholds(), -1.0)
    for t_s in grid:
        for t_c in grid:
            rule = Thresholds(support=float(t_s), contradiction=float(t_c))
            predicted = [decide(s, c, rule) for s, c in zip(support, contradiction, strict=True)]
            score = balanced_accuracy(gold, predicted)
            if score > best[1] + 1e-12:
                best = (rule, score)
    return best
