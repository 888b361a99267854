"""The scenario report: quality, robustness, calibration, safety and efficiency side by side.

One row per scenario — a suite category in one stage, plus an ``all`` row per stage — and one
cell per column of :data:`COLUMNS`, built from a stored run's case results alone (pure: no
store, no stage package). Every cell carries its value, its bootstrap confidence interval and
``n`` (the items it is the mean of), or says why it is not measured; a cell is never blank and
never a made-up zero.

What each column reads from the results (``details`` and ``scores`` as the stages write them):

* quality — over the ``original`` variant only: ``pass_rate`` (outcome), ``answer_match`` and
  ``faithfulness`` (scores);
* robustness — ``consistency`` (per case, the share of its prompt perturbations, variants whose
  ``details.provenance.family`` is ``prompt``, with the same outcome as its original; mean over
  cases), ``worst_case`` (share of cases passing the original and every perturbation),
  ``position`` and ``length`` (pass rate per position / length variant: the curves);
* calibration — over every variant that records ``scores.abstained`` and ``details.expect``:
  ``abstention_precision``, ``abstention_recall``, ``over_refusal``;
* safety — ``injection_success`` (``scores.attack_success``), ``leak_rate`` (``scores.leaked``);
* efficiency — ``latency_p50`` / ``latency_p95`` (``details.latency_ms``, percentile bootstrap),
  ``tokens`` (prompt + completion per result), ``cost_usd`` (``details.cost_usd`` per result,
  when the suite has a price table).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from evalstage.evalcore.metrics import Direction
from evalstage.evalcore.outcomes import Outcome
from evalstage.evalcore.records import CaseResult, RunRecord
from evalstage.evalcore.stats import bootstrap_ci

SCENARIO_SCHEMA = 1
MEASURED = (Outcome.PASS, Outcome.FAIL)
ALL = "all"
"""The category name of a stage's row over every category."""

Group = Literal["quality", "robustness", "calibration", "safety", "efficiency"]
GROUPS: tuple[Group, ...] = ("quality", "robustness", "calibration", "safety", "efficiency")


class Cell(BaseModel):
    """One figure of one scenario: a mean with its CI and ``n``, or why it is not measured.

    A curve (``position``, ``length``) has no value of its own: its ``points`` are cells.
    """

    model_config = ConfigDict(frozen=True)

    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int = 0
    missing: str | None = Field(default=None, description="Why the cell is not measured.")
    points: dict[str, Cell] = Field(default_factory=dict)

    @property
    def measured(self) -> bool:
        """Whether the cell (or any point of its curve) holds a figure."""
        return self.value is not None or any(p.measured for p in self.points.values())

    @classmethod
    def none(cls, why: str) -> Cell:
        """A cell that cannot be measured, and why."""
        return cls(missing=why)


class ColumnDef(BaseModel):
    """A column of the report: its group, unit, direction and definition."""

    model_config = ConfigDict(frozen=True)

    name: str
    group: Group
    unit: Literal["rate", "ms", "tokens", "usd"] = "rate"
    direction: Direction = "higher"
    definition: str


class ScenarioRow(BaseModel):
    """One scenario: a category of one stage (``all``: the whole stage)."""

    stage: str
    category: str
    cases: int
    cells: dict[str, Cell]


class ScenarioReport(BaseModel):
    """Every scenario of one run, with the column definitions."""

    schema_version: int = SCENARIO_SCHEMA
    run_id: str
    suite: str
    suite_version: str
    confidence: float
    columns: list[ColumnDef]
    rows: list[ScenarioRow]

    def row(self, stage: str, category: str = ALL) -> ScenarioRow:
        """The row of ``stage`` and ``category``."""
        for r in self.rows:
            if r.stage == stage and r.category == category:
                return r
        raise KeyError(f"{stage}/{category}")


def _mean_cell(values: Sequence[float], confidence: float, why: str) -> Cell:
    ci = bootstrap_ci(values, confidence=confidence)
    if ci is None:
        return Cell.none(why)
    return Cell(value=ci.mean, ci_low=ci.low, ci_high=ci.high, n=ci.n)


def quantile_cell(
    values: Sequence[float], q: float, confidence: float, why: str, resamples: int = 1000
) -> Cell:
    """The ``q``-quantile of ``values`` with a seeded percentile-bootstrap CI."""
    data = np.asarray(values, dtype=np.float64)
    if data.size == 0:
        return Cell.none(why)
    point = float(np.quantile(data, q))
    if data.size == 1:
        return Cell(value=point, ci_low=point, ci_high=point, n=1)
    rng = np.random.default_rng(0)
    idx = rng.integers(0, data.size, size=(resamples, data.size))
    stats = np.quantile(data[idx], q, axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(stats, [alpha, 1.0 - alpha])
    return Cell(value=point, ci_low=float(low), ci_high=float(high), n=int(data.size))


def _family(r: CaseResult) -> str | None:
    provenance = r.details.get("provenance")
    return provenance.get("family") if isinstance(provenance, dict) else None


def _measured(results: Sequence[CaseResult]) -> list[CaseResult]:
    return [r for r in results if r.outcome in MEASURED]


def _original(results: Sequence[CaseResult]) -> list[CaseResult]:
    return [r for r in _measured(results) if r.variant == "original"]


Maker = Callable[[Sequence[CaseResult], float], Cell]


def _pass_rate(results: Sequence[CaseResult], confidence: float) -> Cell:
    values = [float(r.outcome == Outcome.PASS) for r in _original(results)]
    return _mean_cell(values, confidence, "no measured case")


def _score(name: str, why: str, only_original: bool = True) -> Maker:
    def make(results: Sequence[CaseResult], confidence: float) -> Cell:
        rows = _original(results) if only_original else _measured(results)
        return _mean_cell([r.scores[name] for r in rows if name in r.scores], confidence, why)

    return make


def _perturbed(results: Sequence[CaseResult]) -> dict[str, tuple[CaseResult, list[CaseResult]]]:
    originals = {r.case_id: r for r in _original(results)}
    out: dict[str, tuple[CaseResult, list[CaseResult]]] = {}
    for r in _measured(results):
        if _family(r) == "prompt" and r.case_id in originals:
            out.setdefault(r.case_id, (originals[r.case_id], []))[1].append(r)
    return out


def _consistency(results: Sequence[CaseResult], confidence: float) -> Cell:
    values = [
        sum(p.outcome == o.outcome for p in ps) / len(ps) for o, ps in _perturbed(results).values()
    ]
    return _mean_cell(values, confidence, "no prompt perturbation (variants: prompt)")


def _worst_case(results: Sequence[CaseResult], confidence: float) -> Cell:
    values = [
        float(o.outcome == Outcome.PASS and all(p.outcome == Outcome.PASS for p in ps))
        for o, ps in _perturbed(results).values()
    ]
    return _mean_cell(values, confidence, "no prompt perturbation (variants: prompt)")


CURVE_POINTS = {"position": ("first", "middle", "last"), "length": ("quarter", "half", "full")}
"""The curve columns and their points, in order."""
CURVE_ORDER = {point: i for points in CURVE_POINTS.values() for i, point in enumerate(points)}
"""The order of a curve's points (position, then length)."""


def _curve(family: str) -> Maker:
    def make(results: Sequence[CaseResult], confidence: float) -> Cell:
        rows = [r for r in _measured(results) if _family(r) == family]
        if not rows:
            return Cell.none(f"no {family} variant (variants: {family})")
        points = {
            variant.removeprefix(f"{family}_"): _mean_cell(
                [float(r.outcome == Outcome.PASS) for r in rows if r.variant == variant],
                confidence,
                "no measured variant",
            )
            for variant in sorted(
                {r.variant for r in rows},
                key=lambda v: (CURVE_ORDER.get(v.removeprefix(f"{family}_"), 9), v),
            )
        }
        return Cell(n=len(rows), points=points)

    return make


def _calibrated(results: Sequence[CaseResult]) -> list[tuple[bool, str]]:
    return [
        (bool(r.scores["abstained"]), str(r.details["expect"]))
        for r in _measured(results)
        if "abstained" in r.scores and "expect" in r.details
    ]


def _abstention(kind: str) -> Maker:
    def make(results: Sequence[CaseResult], confidence: float) -> Cell:
        pairs = _calibrated(results)
        if not pairs:
            return Cell.none("the stage does not judge abstention")
        if kind == "precision":
            values = [float(e == "abstain") for a, e in pairs if a]
            why = "no answer abstained"
        elif kind == "recall":
            values = [float(a) for a, e in pairs if e == "abstain"]
            why = "no variant expects an abstention"
        else:
            values = [float(a) for a, e in pairs if e == "answer"]
            why = "no variant expects an answer"
        return _mean_cell(values, confidence, why)

    return make


def _detail_values(results: Sequence[CaseResult], key: str) -> list[float]:
    return [float(r.details[key]) for r in results if r.details.get(key) is not None]


def _latency(q: float) -> Maker:
    def make(results: Sequence[CaseResult], confidence: float) -> Cell:
        values = _detail_values(results, "latency_ms")
        return quantile_cell(values, q, confidence, "the target recorded no latency")

    return make


def _tokens(results: Sequence[CaseResult], confidence: float) -> Cell:
    values = [
        float(r.details.get("prompt_tokens") or 0) + float(r.details.get("completion_tokens") or 0)
        for r in results
        if "prompt_tokens" in r.details or "completion_tokens" in r.details
    ]
    return _mean_cell(values, confidence, "the target reported no token counts")


def _cost(results: Sequence[CaseResult], confidence: float) -> Cell:
    values = _detail_values(results, "cost_usd")
    return _mean_cell(values, confidence, "no cost recorded (no price table in suite.yaml)")


COLUMNS: tuple[tuple[ColumnDef, Maker], ...] = (
    (
        ColumnDef(
            name="pass_rate",
            group="quality",
            definition="share of measured original cases that pass",
        ),
        _pass_rate,
    ),
    (
        ColumnDef(
            name="answer_match",
            group="quality",
            definition="share of original answers holding an acceptable answer",
        ),
        _score("answer_match", "no original answer here is checked against acceptable answers"),
    ),
    (
        ColumnDef(
            name="faithfulness",
            group="quality",
            definition="mean share of an original answer's claims supported by its contexts",
        ),
        _score("faithfulness", "no original answer here had its claims verified"),
    ),
    (
        ColumnDef(
            name="consistency",
            group="robustness",
            definition="per case, share of prompt perturbations with the original's outcome",
        ),
        _consistency,
    ),
    (
        ColumnDef(
            name="worst_case",
            group="robustness",
            definition="share of cases passing the original and every prompt perturbation",
        ),
        _worst_case,
    ),
    (
        ColumnDef(
            name="position",
            group="robustness",
            definition="pass rate with the gold passages first / middle / last among distractors",
        ),
        _curve("position"),
    ),
    (
        ColumnDef(
            name="length",
            group="robustness",
            definition="pass rate at 25 / 50 / 100 % of the context word budget",
        ),
        _curve("length"),
    ),
    (
        ColumnDef(
            name="abstention_precision",
            group="calibration",
            definition="share of abstentions where the variant expected one",
        ),
        _abstention("precision"),
    ),
    (
        ColumnDef(
            name="abstention_recall",
            group="calibration",
            definition="share of variants expecting an abstention that got one",
        ),
        _abstention("recall"),
    ),
    (
        ColumnDef(
            name="over_refusal",
            group="calibration",
            direction="lower",
            definition="share of answerable variants on which the system abstained",
        ),
        _abstention("over_refusal"),
    ),
    (
        ColumnDef(
            name="injection_success",
            group="safety",
            direction="lower",
            definition="share of injection variants whose answer follows the planted instruction",
        ),
        _score("attack_success", "no injection variant (variants: injection)", False),
    ),
    (
        ColumnDef(
            name="leak_rate",
            group="safety",
            direction="lower",
            definition="share of private-data variants whose answer repeats the planted value",
        ),
        _score("leaked", "no private-data variant (variants: private_data)", False),
    ),
    (
        ColumnDef(
            name="latency_p50",
            group="efficiency",
            unit="ms",
            direction="lower",
            definition="median latency per call (ms)",
        ),
        _latency(0.5),
    ),
    (
        ColumnDef(
            name="latency_p95",
            group="efficiency",
            unit="ms",
            direction="lower",
            definition="95th-percentile latency per call (ms)",
        ),
        _latency(0.95),
    ),
    (
        ColumnDef(
            name="tokens",
            group="efficiency",
            unit="tokens",
            direction="lower",
            definition="mean prompt + completion tokens per call",
        ),
        _tokens,
    ),
    (
        ColumnDef(
            name="cost_usd",
            group="efficiency",
            unit="usd",
            direction="lower",
            definition="mean cost per call (USD, from the suite's price table)",
        ),
        _cost,
    ),
)
"""Every column in display order, with the function that makes its cell."""

COLUMN_DEFS = tuple(c for c, _ in COLUMNS)
COLUMN_NAMES = tuple(c.name for c in COLUMN_DEFS)


def scenario_row(
    stage: str, category: str, results: Sequence[CaseResult], confidence: float
) -> ScenarioRow:
    """One scenario's cells from its results."""
    return ScenarioRow(
        stage=stage,
        category=category,
        cases=len({r.case_id for r in results}),
        cells={c.name: make(results, confidence) for c, make in COLUMNS},
    )


def build_scenarios(
    run: RunRecord, results: Sequence[CaseResult], confidence: float = 0.95
) -> ScenarioReport:
    """The scenario report of ``run``: per stage (in run order) its categories, then ``all``."""
    rows: list[ScenarioRow] = []
    for summary in run.stages:
        staged = [r for r in results if r.stage == summary.stage]
        if not staged:
            continue
        for category in sorted({r.category for r in staged}):
            chosen = [r for r in staged if r.category == category]
            rows.append(scenario_row(summary.stage, category, chosen, confidence))
        rows.append(scenario_row(summary.stage, ALL, staged, confidence))
    return ScenarioReport(
        run_id=run.run_id,
        suite=run.suite_name,
        suite_version=run.suite_version,
        confidence=confidence,
        columns=list(COLUMN_DEFS),
        rows=rows,
    )


def cell_figure(cell: Cell, point: str | None = None) -> Cell:
    """The cell, or the named point of its curve (a cell that says so when there is none)."""
    if point is None:
        return cell
    return cell.points.get(point) or Cell.none(f"no point '{point}' on this curve")


def details_of(report: ScenarioReport) -> dict[str, Any]:
    """The JSON form of the report."""
    return report.model_dump(mode="json")
