"""Compare: two runs side by side, per shared stage, over the cases both runs share.

Results pair by case id and variant (``case_id#variant``), so a stage with variants (generation)
compares each variant of a case with the same variant in the other run.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from evalstage.app import charts, data, fmt, ui

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

if run_a.suite_name == run_b.suite_name and (
    run_a.suite_version != run_b.suite_version or run_a.suite_hash != run_b.suite_hash
):
    st.warning(
        f"The runs used different versions of suite {run_a.suite_name} "
        f"(A: {run_a.suite_version}, content {run_a.suite_hash[:12]}; "
        f"B: {run_b.suite_version}, content {run_b.suite_hash[:12]}): cases may have changed "
        "between them; only cases both hold are paired."
    )
stages_a, stages_b = [s.stage for s in run_a.stages], [s.stage for s in run_b.stages]
if set(stages_a) != set(stages_b):
    st.warning(
        f"The runs hold different stages (A: {', '.join(stages_a) or fmt.DASH}; "
        f"B: {', '.join(stages_b) or fmt.DASH}): only the stages both hold are compared."
    )

shared = [s for s in stages_b if s in set(stages_a)]
if not shared:
    st.info("The two runs share no stage.")
    st.stop()

st.caption(
    "delta = B − A over the measured cases both runs share; 95% paired bootstrap CI; "
    "two-sided paired permutation (sign-flip) test p-value."
)
for stage in shared:
    st.header(stage)
    summary_a, summary_b = run_a.stage(stage), run_b.stage(stage)
    ui.facts(
        {
            "A target": fmt.target_name(summary_a.target),
            "B target": fmt.target_name(summary_b.target),
        }
    )
    table = data.paired_comparison(url, run_a.run_id, run_b.run_id, stage)
    if table.empty:
        st.text("No shared measured cases.")
    else:
        directions = [summary_b.direction(m) for m in table["metric"]]
        verdicts = charts.delta_verdicts(table.assign(direction=directions))
        st.subheader("Metric deltas (B − A, 95% CI)")
        st.altair_chart(
            charts.forest(table.assign(direction=directions)),
            width="stretch",
            height=charts.row_height(len(table)),
        )
        counts = verdicts.value_counts()
        st.text(
            f"{counts.get('better', 0)} better, {counts.get('worse', 0)} worse, "
            f"{counts.get('no clear change', 0)} no clear change "
            f"(CI excludes 0 and p < {charts.SIGNIFICANCE})"
        )
        ui.table(
            table.assign(significance=verdicts),
            formats={
                "p_value": "{:.4f}",
                "delta": "{:+.4f}",
                "ci_low": "{:+.4f}",
                "ci_high": "{:+.4f}",
            },
        )

    categories = sorted(set(summary_a.failure_categories) | set(summary_b.failure_categories))
    per_a = summary_a.config.get("per_category") or {}
    per_b = summary_b.config.get("per_category") or {}
    case_categories = sorted(set(per_a) & set(per_b))
    if categories or case_categories:
        left, right = st.columns(2)
        with left:
            st.subheader("Failure categories")
            if categories:
                failures = pd.DataFrame(
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
                )
                if not failures["change"].any():
                    st.text("No failure category changed its count.")
                st.altair_chart(
                    charts.change_bars(failures, "category", "change", "failures B − A"),
                    width="stretch",
                    height=charts.row_height(len(failures)),
                )
                ui.table(failures)
            else:
                st.text("No failures in either run.")
        with right:
            st.subheader("Pass rate by case category")
            if case_categories:
                rates = pd.DataFrame(
                    [
                        {
                            "category": c,
                            "A": per_a[c].get("pass_rate"),
                            "B": per_b[c].get("pass_rate"),
                        }
                        for c in case_categories
                    ]
                )
                rates["change"] = rates["B"] - rates["A"]
                if not rates["change"].fillna(0).any():
                    st.text("No category's pass rate changed.")
                st.altair_chart(
                    charts.change_bars(
                        rates.assign(drop=-rates["change"]), "category", "drop", "pass-rate drop"
                    ),
                    width="stretch",
                    height=charts.row_height(len(rates)),
                )
                ui.table(rates)
            else:
                st.text("No category both runs broke down.")

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
            ui.table(part)
            st.caption("Open in run B:")
            for row in part.head(25).to_dict("records"):
                variant = str(row.get("variant", "original"))
                ui.case_link(run_b.run_id, stage, str(row["case_id"]), variant)
            if len(part) > 25:
                st.text(f"… and {len(part) - 25} more (see the table)")
