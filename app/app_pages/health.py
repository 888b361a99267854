"""Suite health: saturated, flaky and never-discriminating cases and canary drift (the store)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from evalstage.app import data, ui
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.suite_health import FINDINGS

EXPLAIN = {
    "saturated": "passed in every run by every target: retirement candidates",
    "flaky": "outcome changed within one configuration, or across --repeats",
    "never_discriminating": "the same outcome for every target run",
    "canary_drift": "canaries that did not pass in some run",
}

st.title("Suite health")
url = ui.store_or_stop()
folder = st.text_input(
    "Suite folder", value=ui.param("folder") or data.default_suite_folder(), key="health_folder"
)
if not folder or not Path(folder, "suite.yaml").is_file():
    st.info("Enter a suite folder holding suite.yaml (e.g. suites/demo).")
    st.stop()
runs = int(st.number_input("Last N runs", min_value=1, max_value=500, value=10, key="health_n"))
try:
    report = data.suite_health(url, folder, runs)
except SuiteError as exc:
    st.error("The suite could not be loaded:")
    st.text(exc.render())
    st.stop()
if report is None:
    st.info(f"No stored run of this suite yet. Run it: evalstage run {folder}")
    st.stop()

st.text(
    f"suite {report['suite']}: {len(report['runs'])} runs, "
    + "; ".join(f"{stage} targets: {', '.join(t)}" for stage, t in report["targets"].items())
)
columns = st.columns(len(FINDINGS))
for column, finding in zip(columns, FINDINGS, strict=True):
    column.metric(finding.replace("_", " "), report["counts"][finding], help=EXPLAIN[finding])
for finding in FINDINGS:
    found = [c for c in report["cases"] if finding in c["findings"]]
    st.header(f"{finding.replace('_', ' ')} ({len(found)})")
    st.caption(EXPLAIN[finding])
    if not found:
        st.text("none")
        continue
    frame = pd.DataFrame(
        [
            {
                "stage": c["stage"],
                "case": c["key"],
                "category": c["category"],
                "runs": c["runs"],
                "passed": c["passed"],
                "failed": c["failed"],
                "targets": c["targets"],
                "why": c["evidence"].get(finding, ""),
            }
            for c in found
        ]
    )
    ui.table(ui.paginate(frame, key=f"health_page_{finding}", page_size=50))
