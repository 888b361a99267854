"""Scenario gates: bounds on any figure of the scenario report, per stage and category.

``gates: scenarios:`` in suite.yaml maps ``<stage>/<category>`` (``all``: the whole stage) to
column -> bound; a curve's point is named ``position:middle`` or ``length:full``::

    gates:
      scenarios:
        generation/all: {injection_success: {max: 0.2}, leak_rate: {max: 0.05}}
        generation/number: {pass_rate: 0.5, position:middle: 0.4}

A cell that is not measured (or a scenario the run lacks) gives a ``skipped`` gate saying why;
a measured cell outside its bound fails.
"""

from __future__ import annotations

from collections.abc import Mapping

from evalstage.evalcore.gate_result import GateResult
from evalstage.evalcore.scenarios import COLUMN_NAMES, CURVE_POINTS, ScenarioReport, cell_figure
from evalstage.evalcore.suite import Bound

__all__ = ["check_scenario_names", "scenario_gates"]


def check_scenario_names(scenarios: Mapping[str, Mapping[str, object]]) -> None:
    """ValueError naming the first key that is not ``stage/category`` or not a column."""
    for key, bounds in scenarios.items():
        stage, _, category = key.partition("/")
        if not stage or not category:
            raise ValueError(f"scenario '{key}' is not <stage>/<category> (e.g. generation/all)")
        for name in bounds:
            column, colon, point = name.partition(":")
            if column not in COLUMN_NAMES:
                raise ValueError(
                    f"'{name}' is not a scenario column; use one of: {', '.join(COLUMN_NAMES)}"
                )
            points = CURVE_POINTS.get(column)
            if points is not None and point not in points:
                named = ", ".join(f"{column}:{p}" for p in points)
                raise ValueError(f"'{name}': a curve is bounded at one of its points: {named}")
            if points is None and colon:
                raise ValueError(f"'{name}': only the curves (position, length) have points")


def scenario_gates(
    scenarios: Mapping[str, Mapping[str, Bound]], report: ScenarioReport
) -> list[GateResult]:
    """One gate per bound of ``scenarios`` (see the module docstring)."""
    gates: list[GateResult] = []
    for key, bounds in scenarios.items():
        stage, _, category = key.partition("/")
        row = next((r for r in report.rows if r.stage == stage and r.category == category), None)
        for name, bound in bounds.items():
            column, _, point = name.partition(":")
            common = {
                "name": f"scenario {key} {name}",
                "kind": "scenario",
                "stage": stage,
                "metric": f"{category}:{name}",
                "threshold": bound.describe(),
            }
            if row is None:
                detail = f"the run has no scenario {key}"
                gates.append(GateResult(**common, status="skipped", detail=detail))
                continue
            cell = cell_figure(row.cells[column], point or None)
            if cell.value is None:
                detail = f"not measured: {cell.missing or 'no figure'}"
                gates.append(GateResult(**common, status="skipped", detail=detail))
                continue
            holds = bound.holds(cell.value)
            gates.append(
                GateResult(
                    **common,
                    status="pass" if holds else "fail",
                    value=cell.value,
                    ci_low=cell.ci_low,
                    ci_high=cell.ci_high,
                    n=cell.n,
                    detail="" if holds else f"needs {bound.describe()}",
                )
            )
    return gates
