"""Calibration: how a judge agrees with human labels, and how biased it is, with CIs.

Pairwise figures: ``accuracy`` and ``kappa`` of the debiased verdict (both orders must agree,
else tie) against the human label; ``accuracy_ab``/``accuracy_ba`` of each single order;
``both_correct``; ``position_consistency``; ``first_position_rate``; ``longer_preference`` of
the judge and ``human_longer_preference`` on the same pairs; ``self_preference_shift`` where a
side's model is the judge's. Rubric figures: ``accuracy``, ``kappa`` and ``within_one``.
Unmeasured judgements are skipped; ``coverage`` says how many were measured.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from evalstage.evalcore.calibration import CalibrationMetric, CalibrationRecord
from evalstage.generation_eval.judge._data import (
    GradeLabel,
    PairLabel,
    labels_sha256,
    load_grade_labels,
    load_pair_labels,
)
from evalstage.generation_eval.judge._judge import Judge
from evalstage.generation_eval.judge._metrics import (
    kappa_figure,
    longer_values,
    mean_figure,
    pairwise_bias_figures,
)
from evalstage.generation_eval.judge._models import (
    POSITION_INCONSISTENT,
    GradeJudgement,
    JudgeIdentity,
    PairJudgement,
    Verdict,
)

SELF_SCORE: dict[Verdict, float] = {"A": 1.0, "B": 0.0, "tie": 0.5}


def _self_shift(
    labels: Sequence[PairLabel], judged: Sequence[PairJudgement], model: str
) -> CalibrationMetric | None:
    """Judge's minus humans' win rate of the judge's own model, on pairs where it is one side."""
    shifts = []
    for label, j in zip(labels, judged, strict=True):
        if j.verdict is None or (label.model_a == model) == (label.model_b == model):
            continue  # unmeasured, or the judge's model is on neither (or both) sides
        mine = "A" if label.model_a == model else "B"
        judge_score = SELF_SCORE[j.verdict] if mine == "A" else 1.0 - SELF_SCORE[j.verdict]
        human_score = SELF_SCORE[label.label] if mine == "A" else 1.0 - SELF_SCORE[label.label]
        shifts.append(judge_score - human_score)
    return mean_figure("self_preference_shift", shifts) if shifts else None


def pairwise_counts(labels: Sequence[PairLabel], judged: Sequence[PairJudgement]) -> dict[str, int]:
    """Reference counts: per-order correctness, both correct, same winner in both orders."""
    counts = dict.fromkeys(
        ("correct_ab", "correct_ba", "both_correct", "same_winner", "both_read"), 0
    )
    for label, j in zip(labels, judged, strict=True):
        by_order = {c.order: c.verdict for c in j.calls}
        ab, ba = by_order.get("AB"), by_order.get("BA")
        counts["correct_ab"] += ab == label.label
        counts["correct_ba"] += ba == label.label
        if ab is not None and ba is not None:
            counts["both_read"] += 1
            counts["both_correct"] += ab == label.label and ba == label.label
            counts["same_winner"] += ab == ba
    counts["n_items"] = len(labels)
    counts["measured"] = sum(j.status == "measured" for j in judged)
    counts["unmeasured"] = len(judged) - counts["measured"]
    counts["position_inconsistent"] = sum(POSITION_INCONSISTENT in j.flags for j in judged)
    return counts


def pairwise_figures(
    labels: Sequence[PairLabel], judged: Sequence[PairJudgement], judge_model: str
) -> list[CalibrationMetric]:
    """Every pairwise calibration figure (see the module docstring)."""
    pairs = [(lb, j) for lb, j in zip(labels, judged, strict=True) if j.verdict is not None]
    found: list[CalibrationMetric | None] = [
        mean_figure("accuracy", [float(j.verdict == lb.label) for lb, j in pairs]),
        kappa_figure("kappa", [str(j.verdict) for _, j in pairs], [lb.label for lb, _ in pairs]),
    ]
    for order in ("AB", "BA"):
        values = [
            float(c.verdict == lb.label)
            for lb, j in zip(labels, judged, strict=True)
            for c in j.calls
            if c.order == order and c.verdict is not None
        ]
        found.append(mean_figure(f"accuracy_{order.lower()}", values))
    found.append(
        mean_figure(
            "both_correct",
            [
                float(all(c.verdict == lb.label for c in j.calls))
                for lb, j in zip(labels, judged, strict=True)
                if len(j.calls) == 2 and all(c.verdict is not None for c in j.calls)
            ],
        )
    )
    found += pairwise_bias_figures(judged)
    measured = [j for j in judged if j.status == "measured"]
    human = [lb.label for lb, j in zip(labels, judged, strict=True) if j.status == "measured"]
    found.append(mean_figure("human_longer_preference", longer_values(measured, human)))
    found.append(_self_shift(labels, judged, judge_model))
    return [f for f in found if f is not None]


def rubric_figures(
    labels: Sequence[GradeLabel], judged: Sequence[GradeJudgement], judge: Judge
) -> list[CalibrationMetric]:
    """Accuracy, Cohen's kappa and within-one-level agreement against human levels."""
    rubric = judge.rubric
    if rubric is None:
        return []
    names = [lv.name for lv in rubric.levels]
    pairs = [(lb, j) for lb, j in zip(labels, judged, strict=True) if j.level is not None]
    human = [rubric.level(lb.label).name for lb, _ in pairs]
    mine = [str(j.level) for _, j in pairs]
    found = [
        mean_figure("accuracy", [float(a == b) for a, b in zip(mine, human, strict=True)]),
        kappa_figure("kappa", mine, human),
        mean_figure(
            "within_one",
            [
                float(abs(names.index(a) - names.index(b)) <= 1)
                for a, b in zip(mine, human, strict=True)
            ],
        ),
    ]
    return [f for f in found if f is not None]


def _warnings(identity: JudgeIdentity, figures: Sequence[CalibrationMetric]) -> list[str]:
    out = []
    names = {f.name: f for f in figures}
    judge, human = names.get("longer_preference"), names.get("human_longer_preference")
    if judge is not None and human is not None and judge.ci_low > human.value:
        out.append(
            f"verbosity: the judge prefers the longer answer ({judge.value:.2f}) more than "
            f"humans do ({human.value:.2f})"
        )
    shift = names.get("self_preference_shift")
    if shift is not None and shift.value > 0:
        out.append(
            f"self-preference: the judge ({identity.model}) favours its own model's answers by "
            f"{shift.value:+.2f} over humans (n={shift.n})"
        )
    return out


def calibrate(
    judge: Judge, labels_path: Path, *, labels_name: str | None = None
) -> tuple[CalibrationRecord, list[PairJudgement] | list[GradeJudgement]]:
    """Judge every labelled item and measure the judge against the labels.

    Returns the calibration record (store it with ``ResultStore.save_calibration``) and the
    per-item judgements.
    """
    identity = judge.identity
    judged: list[PairJudgement] | list[GradeJudgement]
    if identity.mode == "pairwise":
        pair_labels = load_pair_labels(labels_path)
        judged = judge.judge_pairs(lb.item() for lb in pair_labels)
        figures = pairwise_figures(pair_labels, judged, identity.model)
        counts = pairwise_counts(pair_labels, judged)
    else:
        grade_labels = load_grade_labels(labels_path)
        judged = [judge.grade(lb.item()) for lb in grade_labels]
        figures = rubric_figures(grade_labels, judged, judge)
        measured = sum(j.status == "measured" for j in judged)
        counts = {
            "n_items": len(judged),
            "measured": measured,
            "unmeasured": len(judged) - measured,
        }
    n_measured = counts["measured"]
    if counts["n_items"]:
        coverage = n_measured / counts["n_items"]
        cov = CalibrationMetric(
            name="coverage", value=coverage, ci_low=coverage, ci_high=coverage, n=counts["n_items"]
        )
        figures = [*figures, cov]
    record = CalibrationRecord(
        calibration_id=uuid.uuid4().hex[:16],
        created_at=datetime.now(UTC),
        judge_key=identity.key,
        mode=identity.mode,
        prompt_name=identity.prompt_name,
        prompt_sha256=identity.prompt_sha256,
        model=identity.model,
        params=identity.params,
        backend=identity.backend,
        labels_name=labels_name or labels_path.name,
        labels_sha256=labels_sha256(labels_path),
        n_items=counts["n_items"],
        n_measured=n_measured,
        metrics=figures,
        counts=counts,
        warnings=_warnings(identity, figures),
    )
    return record, judged
