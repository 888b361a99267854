"""Altair charts shared by the pages (altair is imported on first use, not at app start)."""

from __future__ import annotations

from typing import Any

import pandas as pd

SIGNIFICANCE = 0.05
"""p-value below which a delta whose CI excludes 0 counts as a real change."""


def delta_verdicts(table: pd.DataFrame) -> pd.Series:
    """``better`` / ``worse`` / ``no clear change`` per row of a paired comparison table.

    Significant: the CI excludes 0 and ``p_value`` < :data:`SIGNIFICANCE`; ``direction`` (when the
    table has it) says whether lower is better.
    """
    lower = table["direction"].eq("lower") if "direction" in table else False
    significant = ((table["ci_low"] > 0) | (table["ci_high"] < 0)) & (
        table["p_value"] < SIGNIFICANCE
    )
    up = table["delta"] > 0
    better = significant & (up ^ lower)
    worse = significant & ~(up ^ lower)
    verdict = pd.Series("no clear change", index=table.index)
    verdict[better] = "better"
    verdict[worse] = "worse"
    return verdict


def forest(table: pd.DataFrame) -> Any:
    """A forest plot: per metric, the paired delta B − A with its 95% CI, coloured by verdict."""
    import altair as alt

    rows = table.assign(verdict=delta_verdicts(table))
    colours = alt.Scale(
        domain=["better", "worse", "no clear change"], range=["#2e7d32", "#c62828", "#9e9e9e"]
    )
    y = alt.Y("metric:N", sort=None, title=None, axis=alt.Axis(labelLimit=260))
    base = alt.Chart(rows).encode(y=y)
    tooltip = [
        alt.Tooltip("metric:N"),
        alt.Tooltip("delta:Q", format="+.4f"),
        alt.Tooltip("ci_low:Q", format="+.4f", title="CI low"),
        alt.Tooltip("ci_high:Q", format="+.4f", title="CI high"),
        alt.Tooltip("p_value:Q", format=".4f", title="p"),
        alt.Tooltip("pairs:Q", title="n pairs"),
        alt.Tooltip("verdict:N"),
    ]
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title="delta B − A (95% CI)"),
        x2="ci_high:Q",
        color=alt.Color("verdict:N", scale=colours, title=None),
    )
    points = base.mark_point(filled=True, size=70).encode(
        x="delta:Q", color=alt.Color("verdict:N", scale=colours, title=None), tooltip=tooltip
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return (zero + bars + points).properties(height=row_height(len(rows)))


def row_height(rows: int) -> int:
    """Pixels for a chart with one row per item (labels never overlap)."""
    return max(90, 32 * rows + 50)


def change_bars(frame: pd.DataFrame, label: str, value: str, title: str) -> Any:
    """Horizontal bars of a signed change per ``label`` (red up for failures, green down)."""
    import altair as alt

    colour = alt.condition(f"datum['{value}'] > 0", alt.value("#c62828"), alt.value("#2e7d32"))
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                f"{value}:Q",
                title=title,
                scale=alt.Scale(domainMid=0, nice=True),
                axis=alt.Axis(format="~g"),
            ),
            y=alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
            color=colour,
            tooltip=list(frame.columns),
        )
        .properties(height=row_height(len(frame)))
    )


def trend(points: pd.DataFrame, stage: str) -> Any:
    """Metric values over runs with their CI band; few runs are drawn one slot per run.

    A time axis over one or two runs has ticks at fractions of a second (".311"): with fewer
    than three distinct start times the x axis names the runs instead.
    """
    import altair as alt

    points = points.assign(
        when=points["started"].map(lambda t: f"{t:%Y-%m-%d %H:%M}"),
        run=points["run_id"] + " · " + points["started"].map(lambda t: f"{t:%m-%d %H:%M}"),
    )
    if points["started"].nunique() < 3:
        order = list(dict.fromkeys(points.sort_values("started")["run"]))
        x = alt.X("run:N", sort=order, title="run", axis=alt.Axis(labelAngle=0))
    else:
        x = alt.X("started:T", title="started", axis=alt.Axis(format="%b %d", labelAngle=0))
    base = alt.Chart(points).encode(x=x, color=alt.Color("metric:N", title="metric"))
    y_low = alt.Y("ci_low:Q", title=stage, axis=alt.Axis(format=".2f"))
    band = base.mark_area(opacity=0.15).encode(y=y_low, y2="ci_high:Q")
    if points["started"].nunique() < 3:
        band = base.mark_rule(strokeWidth=3, opacity=0.4).encode(y=y_low, y2="ci_high:Q")
    line = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title=stage, axis=alt.Axis(format=".2f")),
        tooltip=[
            alt.Tooltip("run_id:N", title="run"),
            alt.Tooltip("metric:N"),
            alt.Tooltip("value:Q", format=".3f"),
            alt.Tooltip("ci_low:Q", format=".3f", title="CI low"),
            alt.Tooltip("ci_high:Q", format=".3f", title="CI high"),
            alt.Tooltip("when:N", title="started"),
        ],
    )
    return band + line
