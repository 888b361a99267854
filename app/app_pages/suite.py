"""Suite: the cases of a suite folder with notes, categories, canaries and retired cases."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from evalstage.app import data, ui
from evalstage.evalcore.errors import SuiteError

st.title("Suite")
folder = st.text_input(
    "Suite folder", value=ui.param("folder") or data.default_suite_folder(), key="suite_folder"
)
if not folder or not Path(folder, "suite.yaml").is_file():
    st.info("Enter a suite folder holding suite.yaml (e.g. suites/demo).")
    st.stop()
try:
    name, version, cases = data.suite_cases(folder)
except SuiteError as exc:
    st.error("The suite could not be loaded:")
    st.text(exc.render())
    st.stop()

st.text(f"suite {name} {version}: " + ", ".join(f"{s} {len(c)} cases" for s, c in cases.items()))
show_retired = st.checkbox("Show retired cases", value=True, key="suite_retired")
only_canaries = st.checkbox("Only canaries", value=False, key="suite_canaries")
for stage, stage_cases in cases.items():
    st.header(stage)
    frame = pd.DataFrame(
        [
            {
                "case_id": c["case_id"],
                "category": c.get("category"),
                "canary": bool(c.get("canary")),
                "retired_in": c.get("retired_in"),
                "tags": ", ".join(c.get("tags") or []),
                "note": c.get("note", ""),
                "input": c.get("query")
                or next(
                    (
                        str(m.get("content", ""))
                        for m in c.get("messages", [])
                        if isinstance(m, dict) and m.get("role") == "user"
                    ),
                    "",
                ),
            }
            for c in stage_cases
        ]
    )
    categories = st.multiselect(
        f"{stage} categories", sorted(frame["category"].unique()), key=f"suite_cat_{stage}"
    )
    if categories:
        frame = frame[frame["category"].isin(categories)]
    if not show_retired:
        frame = frame[frame["retired_in"].isna()]
    if only_canaries:
        frame = frame[frame["canary"]]
    st.text(
        f"{len(frame)} cases, {int(frame['canary'].sum())} canaries, "
        f"{int(frame['retired_in'].notna().sum())} retired"
    )
    ui.table(ui.paginate(frame, key=f"suite_page_{stage}", page_size=100))
