"""Choose the verifier's support threshold on a team's own labelled claims.

One global threshold does not hold across domains (amendment 8 of docs/verifier-selection.md:
the offline verifier's label is too lenient on news summaries and dialogue and not on science),
so the label a team's faithfulness counts is best set on cases of its own. The input is
``generation verify``'s JSONL with a ``label`` per line (``supported``, ``unsupported`` or
``contradicted``, the claim's true label); :func:`calibrate` verifies every line and, over
every support threshold the claims' scores allow, finds the one of best balanced accuracy
(supported vs not) under the label rule that thresholds in a verifier spec apply
(:func:`~generation_eval.verifier._verifier.decide`, then the number rule).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np

from evalstage.evalcore.loaders import load_jsonl
from evalstage.generation_eval.verifier._files import PairRecord, record_texts, verify_texts
from evalstage.generation_eval.verifier._metrics import auroc
from evalstage.generation_eval.verifier._protocol import ClaimVerdict
from evalstage.generation_eval.verifier._verifier import Verifier

__all__ = ["LabelledPair", "calibrate"]

MIN_PER_CLASS = 20
"""Fewer supported or not-supported claims than this and the threshold is flagged as unreliable."""
N_BOOT = 1000


class LabelledPair(PairRecord):
    """A ``verify`` input line with the claim's true label."""

    label: Literal["supported", "unsupported", "contradicted"]


def _predictions(
    parts: list[list[ClaimVerdict]], thresholds: np.ndarray, contra: float
) -> np.ndarray:
    """Which claims are supported at each threshold: a (thresholds x claims) boolean matrix.

    As the verifier labels them with ``thresholds: {support: t}`` in its spec: a sentence is
    supported when :func:`decide` says so and no number of it is missing from the contexts
    (the number rule); a claim of several sentences when every checked one is.
    """
    owner = np.asarray([k for k, sentences in enumerate(parts) for _ in sentences])
    flat = [v for sentences in parts for v in sentences]
    support = np.asarray([v.support for v in flat])
    contradiction = np.asarray([v.contradiction for v in flat])
    ruled = np.asarray([bool(v.checks.get("numbers_missing")) for v in flat])
    open_ = ~((contradiction >= contra) & (contradiction >= support)) & ~ruled
    out = np.zeros((len(thresholds), len(parts)), dtype=bool)
    for row, threshold in enumerate(thresholds):
        failing = ~(open_ & (support >= threshold))
        out[row] = np.bincount(owner, weights=failing, minlength=len(parts)) == 0
    return out


def _balanced(positive: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Balanced accuracy of each row of ``predicted`` (both classes present in ``positive``)."""
    tpr = (predicted & positive).sum(axis=-1) / positive.sum()
    tnr = (~predicted & ~positive).sum(axis=-1) / (~positive).sum()
    out: np.ndarray = (tpr + tnr) / 2
    return out


def _best(values: np.ndarray) -> int:
    """The first index of the highest value (ties: the lower threshold)."""
    return int(np.flatnonzero(values >= values.max() - 1e-12)[0])


def calibrate(
    path: str | Path, verifier: Verifier, contradiction: float = 0.5
) -> dict[str, Any]:
    """Verify ``path``'s labelled claims; the best support threshold and what it would change.

    Returns the counts, the AUROC of the support score, the balanced accuracy of the verifier's
    label as configured and at the chosen threshold, with a 95 % bootstrap interval of the
    threshold itself (1,000 resamples, each choosing its own), and ``reliable`` (at least
    :data:`MIN_PER_CLASS` claims on each side). Claims the verifier could not judge are left
    out and counted. Raises :class:`~evalcore.errors.SuiteError` (file, line, field) on a bad
    line, before anything is verified.
    """
    records = load_jsonl(Path(path), LabelledPair, id_field="id", noun="labelled claims")
    checked = verify_texts(verifier, record_texts(records))
    judged = [k for k, (v, _) in enumerate(checked) if "error" not in v.checks]
    verdicts = [checked[k][0] for k in judged]
    parts = [[v for _, v in checked[k][1] if v is not None] or [checked[k][0]] for k in judged]
    positive = np.asarray([records[k].label == "supported" for k in judged], dtype=bool)
    current = np.asarray([v.label == "supported" for v in verdicts], dtype=bool)
    out: dict[str, Any] = {
        "n": len(records),
        "not_judged": len(records) - len(judged),
        "supported": int(positive.sum()),
        "not_supported": int((~positive).sum()),
        "label_rule": verifier.describe().get("label_rule"),
    }
    if positive.all() or not positive.any():
        return out | {
            "reliable": False,
            "why": "every judged claim has the same label: no threshold can be chosen",
        }
    thresholds = np.unique([v.support for sentences in parts for v in sentences])
    predicted = _predictions(parts, thresholds, contradiction)
    scores = _balanced(positive, predicted)
    best = _best(scores)
    rng = np.random.default_rng(0)
    resampled: list[float] = []
    for _ in range(N_BOOT):
        idx = rng.integers(0, len(positive), len(positive))
        if positive[idx].all() or not positive[idx].any():
            continue
        resampled.append(float(thresholds[_best(_balanced(positive[idx], predicted[:, idx]))]))
    low, high = (float(np.quantile(resampled, q)) for q in (0.025, 0.975))
    reliable = min(out["supported"], out["not_supported"]) >= MIN_PER_CLASS
    return out | {
        "auroc": auroc([v.support for v in verdicts], list(positive)),
        "balanced_accuracy_now": float(_balanced(positive, current)),
        "supported_now": float(current.mean()),
        "threshold": float(thresholds[best]),
        "threshold_ci95": [low, high],
        "balanced_accuracy_at_threshold": float(scores[best]),
        "supported_at_threshold": float(predicted[best].mean()),
        "true_supported": float(positive.mean()),
        "reliable": reliable,
        **({} if reliable else {"why": f"fewer than {MIN_PER_CLASS} claims on one side"}),
    }
