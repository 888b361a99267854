"""Scenarios: the run's HELM-style report, one row per suite category and stage.

Columns grouped as quality, robustness, calibration, safety and efficiency; each cell is a mean
with its confidence interval and n, or "not measured" (the reason is listed below the table).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from evalstage.app import data, ui
from evalstage.evalcore.scenario_render import format_cell, to_html, to_markdown
from evalstage.evalcore.scenarios import GROUPS

st.title("Scenarios")
url = ui.store_or_stop()
run = ui.select_run(url, "Run", key="scenario_pick", default_id=ui.param("run_id"))
if run is None:
    st.stop()
if ui.param("run_id") != run.run_id:
    st.query_params["run_id"] = run.run_id
report = data.scenario_report(url, run.run_id)
if report is None:
    st.info("This run cannot be read.")
    st.stop()

st.caption(
    f"Suite {report.suite} {report.suite_version}; every cell: mean "
    f"[{report.confidence:.0%} bootstrap CI] and n. One row per category of each stage, then "
    "the whole stage (all). The same report: evalstage report RUN --format md|html|json."
)
ui.link("run", "This run's stage tabs", run_id=run.run_id)
for group in GROUPS:
    columns = [c for c in report.columns if c.group == group]
    st.subheader(group)
    frame = pd.DataFrame(
        [
            {
                "stage": row.stage,
                "scenario": row.category,
                "cases": row.cases,
                **{c.name: format_cell(row.cells[c.name], c.unit, reasons=False) for c in columns},
            }
            for row in report.rows
        ]
    )
    config = {c.name: st.column_config.TextColumn(c.name, help=c.definition) for c in columns}
    ui.table(frame, column_config=config)

missing = sorted(
    {
        (c.name, cell.missing)
        for row in report.rows
        for c in report.columns
        for cell in [row.cells[c.name], *row.cells[c.name].points.values()]
        if cell.missing
    }
)
if missing:
    st.subheader("Why cells are not measured")
    ui.table(pd.DataFrame(missing, columns=["column", "why"]))
st.subheader("Columns")
ui.table(
    pd.DataFrame(
        [{"column": c.name, "group": c.group, "definition": c.definition} for c in report.columns]
    )
)
left, right = st.columns(2)
with left:
    st.download_button("Download markdown", to_markdown(report), f"scenarios-{run.run_id}.md")
with right:
    st.download_button("Download HTML", to_html(report), f"scenarios-{run.run_id}.html")
