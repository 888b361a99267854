"""Runs: every run of a suite with status and headline metrics, and metric trends over time."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from evalstage.app import charts, data, ui

st.title("Runs")
url = ui.store_or_stop()
all_runs = data.list_runs(url)

suites = sorted({r.suite_name for r in all_runs})
targets = sorted({ui.target_label(s) for r in all_runs for s in r.stages})
days = [r.started_at.date() for r in all_runs]
first_day, last_day = min(days), max(days)

c1, c2, c3 = st.columns(3)
with c1:
    default_suite = ui.param("suite")
    suite = st.selectbox(
        "Suite",
        suites,
        index=suites.index(default_suite) if default_suite in suites else 0,
        key="runs_suite",
    )
with c2:
    chosen_targets = st.multiselect("Target (stage:target)", targets, key="runs_targets")
with c3:
    period = st.date_input(
        "Started between",
        value=(first_day, last_day),
        min_value=first_day - dt.timedelta(days=1),
        max_value=last_day + dt.timedelta(days=1),
        key="runs_dates",
    )

runs = [r for r in all_runs if r.suite_name == suite]
if chosen_targets:
    runs = [r for r in runs if any(ui.target_label(s) in chosen_targets for s in r.stages)]
if isinstance(period, tuple | list) and len(period) == 2:
    start, stop = period
    runs = [r for r in runs if start <= r.started_at.date() <= stop]

st.text(f"{len(runs)} of {len(all_runs)} runs")
if not runs:
    st.info("No run matches these filters.")
    st.stop()

rows = []
for run in runs:
    row: dict[str, object] = {
        "run_id": ui.short(run.run_id),
        "started": run.started_at,
        "version": run.suite_version,
        "status": run.status,
        "stages": ", ".join(s.stage for s in run.stages),
        "targets": ", ".join(ui.target_label(s) for s in run.stages),
    }
    for summary in run.stages:
        for name in ui.headline(summary):
            row[f"{summary.stage} {name}"] = summary.metric(name).value
    rows.append(row)
ui.table(
    pd.DataFrame(rows),
    column_config={"started": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
)

by_id = {r.run_id: r for r in runs}
left, right = st.columns(2)
with left:
    picked = st.selectbox(
        "Open a run", list(by_id), format_func=lambda rid: ui.run_label(by_id[rid]), key="runs_open"
    )
    if picked:
        ui.link("run", f"Run {ui.short(picked)}", run_id=picked)
with right:
    if len(runs) > 1:
        ui.link(
            "compare",
            f"Compare {ui.short(runs[1].run_id)} → {ui.short(runs[0].run_id)} (latest two)",
            a=runs[1].run_id,
            b=runs[0].run_id,
        )

st.header("Trends")
points = [
    {
        "started": run.started_at,
        "run_id": ui.short(run.run_id),
        "stage": summary.stage,
        "metric": metric.name,
        "value": metric.value,
        "ci_low": metric.ci_low,
        "ci_high": metric.ci_high,
    }
    for run in runs
    for summary in run.stages
    for metric in summary.metrics
]
trend = pd.DataFrame(points)
for stage in dict.fromkeys(trend["stage"]):
    stage_points = trend[trend["stage"] == stage]
    names = list(dict.fromkeys(stage_points["metric"]))
    first = next(r.stage(stage) for r in runs if stage in {s.stage for s in r.stages})
    picked_metrics = st.multiselect(
        f"{stage} metrics", names, default=ui.headline(first), key=f"trend_{stage}"
    )
    shown = stage_points[stage_points["metric"].isin(picked_metrics)]
    if shown.empty:
        continue
    st.altair_chart(charts.trend(shown, stage), width="stretch")
