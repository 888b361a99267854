"""Run: one tab per stage the run holds, each drawn by the stage's registered view."""

from __future__ import annotations

import streamlit as st

from evalstage.app import fmt, stages, ui

st.title("Run")
url = ui.store_or_stop()
run = ui.select_run(url, "Run", key="run_pick", default_id=ui.param("run_id"))
if run is None:
    st.stop()
if ui.param("run_id") != run.run_id:
    st.query_params["run_id"] = run.run_id

finished = run.finished_at
took = (
    f" (took {fmt.duration_ms((finished - run.started_at).total_seconds() * 1000)})"
    if finished
    else ""
)
ui.facts(
    {
        "run": run.run_id,
        "suite": f"{run.suite_name} {run.suite_version} (content {run.suite_hash[:12]})",
        "status": run.status,
        "started": f"{run.started_at:%Y-%m-%d %H:%M:%S %Z}",
        "finished": f"{finished:%Y-%m-%d %H:%M:%S %Z}{took}" if finished else None,
        "package": run.package_version,
        "git commit": run.git_commit,
    },
    why={
        "finished": "The run did not finish (or its end was not recorded).",
        "git commit": "The run was not made from a git checkout.",
        "package": "No package version was recorded.",
    },
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
