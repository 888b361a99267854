"""Run: one tab per stage the run holds, each drawn by the stage's registered view."""

from __future__ import annotations

import streamlit as st

from evalstage.app import stages, ui

st.title("Run")
url = ui.store_or_stop()
run = ui.select_run(url, "Run", key="run_pick", default_id=ui.param("run_id"))
if run is None:
    st.stop()
if ui.param("run_id") != run.run_id:
    st.query_params["run_id"] = run.run_id

ui.kv_text(
    {
        "run": run.run_id,
        "suite": f"{run.suite_name} {run.suite_version} ({run.suite_hash[:12]})",
        "status": run.status,
        "started": run.started_at,
        "finished": run.finished_at,
        "package": run.package_version,
        "git commit": run.git_commit,
    }
)
ui.link("runs", f"All runs of suite {run.suite_name}", suite=run.suite_name)

present = list(run.stages)
if not present:
    st.info("This run holds no stage.")
    st.stop()
tabs = st.tabs([s.stage for s in present])
for tab, summary in zip(tabs, present, strict=True):
    with tab:
        view = stages.run_view_of(summary.stage)
        view(url, run, summary)
