"""Pairwise comparison of two targets by a judge: win rate, position and length bias."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from evalstage.evalcore.calibration import CalibrationMetric
from evalstage.generation_eval.judge._judge import Judge
from evalstage.generation_eval.judge._length import LengthBucket, length_controlled
from evalstage.generation_eval.judge._metrics import mean_figure, pairwise_bias_figures
from evalstage.generation_eval.judge._models import (
    POSITION_INCONSISTENT,
    SELF_JUDGED,
    JudgeIdentity,
    PairItem,
    PairJudgement,
    Verdict,
)

WIN_SCORE_B: dict[Verdict, float] = {"A": 0.0, "tie": 0.5, "B": 1.0}


class Comparison(BaseModel):
    """The judge's verdicts on target B against target A, with its bias figures."""

    judge: JudgeIdentity
    n_pairs: int
    counts: dict[str, int]
    figures: list[CalibrationMetric]
    length_slope: float | None = Field(
        default=None, description="Fitted log-odds of B winning per doubling of B's length."
    )
    length_buckets: list[LengthBucket]
    self_judged: list[str] = Field(
        default_factory=list, description="Sides 'A'/'B' judged by their own model."
    )
    warnings: list[str] = Field(default_factory=list)
    unpaired: list[str] = Field(default_factory=list)
    judgements: list[PairJudgement]

    def figure(self, name: str) -> CalibrationMetric | None:
        """The figure called ``name``, if it could be computed."""
        return next((f for f in self.figures if f.name == name), None)


def _self_sides(pairs: Sequence[PairItem], model: str) -> list[str]:
    sides = []
    if any(p.model_a == model for p in pairs):
        sides.append("A")
    if any(p.model_b == model for p in pairs):
        sides.append("B")
    return sides


def compare_pairs(
    judge: Judge, pairs: Sequence[PairItem], unpaired: Sequence[str] = ()
) -> Comparison:
    """Judge every pair (both orders) and summarise the verdicts.

    Figures: win rate of B, length-controlled win rate, position consistency, first-position
    and longer-answer preference; self-judged sides are flagged with a warning.
    """
    judged = judge.judge_pairs(pairs)
    measured = [j for j in judged if j.verdict is not None]
    scores = [WIN_SCORE_B[j.verdict] for j in measured if j.verdict is not None]
    lc, slope, buckets = length_controlled([(j.len_a, j.len_b) for j in measured], scores)
    found = [mean_figure("win_rate_b", scores), lc, *pairwise_bias_figures(judged)]
    figures = [f for f in found if f is not None]
    counts = {
        "pairs": len(judged),
        "measured": len(measured),
        "unmeasured": len(judged) - len(measured),
        "wins_a": sum(j.verdict == "A" for j in judged),
        "wins_b": sum(j.verdict == "B" for j in judged),
        "ties": sum(j.verdict == "tie" for j in judged),
        "position_inconsistent": sum(POSITION_INCONSISTENT in j.flags for j in judged),
        "self_judged": sum(SELF_JUDGED in j.flags for j in judged),
    }
    sides = _self_sides(pairs, judge.identity.model)
    warnings = []
    if sides:
        warnings.append(
            f"self-preference risk: the judge model {judge.identity.model} also produced side(s) "
            f"{', '.join(sides)}; its verdicts on those pairs may favour its own answers "
            "(calibrate with labelled pairs naming model_a/model_b to measure the shift)"
        )
    if not judge.both_orders:
        warnings.append("each pair was judged in one order only: position bias is uncontrolled")
    if counts["unmeasured"]:
        warnings.append(f"{counts['unmeasured']} pair(s) unmeasured (unreadable or failed replies)")
    return Comparison(
        judge=judge.identity,
        n_pairs=len(judged),
        counts=counts,
        figures=figures,
        length_slope=slope,
        length_buckets=buckets,
        self_judged=sides,
        warnings=warnings,
        unpaired=list(unpaired),
        judgements=judged,
    )
