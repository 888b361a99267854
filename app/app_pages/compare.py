"""Compare: two runs side by side, per shared stage, over the cases both runs share.

Results pair by case id and variant (``case_id#variant``), so a stage with variants (generation)
compares each variant of a case with the same variant in the other run.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from evalstage.app import data, ui

st.title("Compare runs")
url = ui.store_or_stop()
runs = data.list_runs(url)
if len(runs) < 2:
    st.info("Comparing needs two runs; this store holds one.")
    st.stop()

left, right = st.columns(2)
with left:
    run_a = ui.select_run(
        url, "A (baseline)", key="cmp_a", default_id=ui.param("a") or runs[1].run_id
    )
with right:
    run_b = ui.select_run(
        url, "B (candidate)", key="cmp_b", default_id=ui.param("b") or runs[0].run_id
    )
if run_a is None or run_b is None:
    st.stop()
st.query_params.update({"a": run_a.run_id, "b": run_b.run_id})
if run_a.run_id == run_b.run_id:
    st.warning("Pick two different runs.")
    st.stop()
if run_a.suite_name != run_b.suite_name:
    st.warning(
        f"The runs belong to different suites ({run_a.suite_name} vs {run_b.suite_name}): "
        "only case ids both hold are paired."
    )

shared = [s.stage for s in run_b.stages if s.stage in {t.stage for t in run_a.stages}]
if not shared:
    st.info("The two runs share no stage.")
    st.stop()

st.caption(
    "delta = B − A over the measured cases both runs share; 95% paired bootstrap CI; "
    "two-sided paired permutation (sign-flip) test p-value."
)
for stage in shared:
    st.header(stage)
    table = data.paired_comparison(url, run_a.run_id, run_b.run_id, stage)
    if table.empty:
        st.text("No shared measured cases.")
    else:
        st.dataframe(
            table,
            hide_index=True,
            column_config={
                "p_value": st.column_config.NumberColumn(format="%.4f"),
                "delta": st.column_config.NumberColumn(format="%+.4f"),
            },
        )

    summary_a, summary_b = run_a.stage(stage), run_b.stage(stage)
    categories = sorted(set(summary_a.failure_categories) | set(summary_b.failure_categories))
    if categories:
        st.subheader("Failure categories")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "category": c,
                        "A": summary_a.failure_categories.get(c, 0),
                        "B": summary_b.failure_categories.get(c, 0),
                        "change": summary_b.failure_categories.get(c, 0)
                        - summary_a.failure_categories.get(c, 0),
                    }
                    for c in categories
                ]
            ),
            hide_index=True,
        )

    changes = data.outcome_changes(url, run_a.run_id, run_b.run_id, stage)
    frame_b = data.case_frame(url, run_b.run_id, stage)
    has_variants = "variant" in frame_b and frame_b["variant"].ne("original").any()
    if not has_variants:
        changes = changes.drop(columns="variant")
    failing = changes[changes["change"] == "newly failing"]
    fixed = changes[changes["change"] == "newly fixed"]
    st.text(f"newly failing: {len(failing)}   newly fixed: {len(fixed)}")
    cols = st.columns(2)
    for col, title, part in ((cols[0], "Newly failing", failing), (cols[1], "Newly fixed", fixed)):
        with col:
            st.subheader(title)
            if part.empty:
                st.text("none")
                continue
            st.dataframe(part, hide_index=True)
            for row in part.head(25).to_dict("records"):
                variant = str(row.get("variant", "original"))
                ui.case_link(run_b.run_id, stage, str(row["case_id"]), variant)
            if len(part) > 25:
                st.text(f"… and {len(part) - 25} more (see the table)")
