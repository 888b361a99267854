"""Retrieval views: aggregates, metric@k curves, per-category table, per-query table; one case."""

from __future__ import annotations

import re
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from evalstage.app import data, fmt, ui
from evalstage.evalcore.records import CaseResult, RunRecord, StageSummary

_CUTOFF = re.compile(r"^(?P<family>[A-Za-z_]+)@(?P<k>\d+)$")


def cutoff_families(names: list[str]) -> dict[str, list[tuple[int, str]]]:
    """Metric families with several cutoffs (``recall@10``, ``recall@100``), sorted by k."""
    families: dict[str, list[tuple[int, str]]] = {}
    for name in names:
        match = _CUTOFF.match(name)
        if match:
            families.setdefault(match["family"], []).append((int(match["k"]), name))
    return {f: sorted(ks) for f, ks in families.items() if len(ks) > 1}


def retrieval_run_view(url: str, run: RunRecord, summary: StageSummary) -> None:
    """The retrieval tab of the Run page."""
    config = summary.config
    ui.stage_header(
        summary,
        {"pass when": f"{config.get('pass_measure', '?')} ≥ {config.get('pass_threshold', '?')}"},
    )
    ui.table(ui.metrics_table(summary))

    families = cutoff_families([m.name for m in summary.metrics])
    if families:
        st.subheader("Metric@k")
        rows = [
            {
                "family": family,
                "k": k,
                "value": summary.metric(name).value,
                "ci_low": summary.metric(name).ci_low,
                "ci_high": summary.metric(name).ci_high,
            }
            for family, ks in families.items()
            for k, name in ks
        ]
        curve = pd.DataFrame(rows)
        base = alt.Chart(curve).encode(
            x=alt.X("k:Q", scale=alt.Scale(type="log"), title="cutoff k"),
            color="family:N",
        )
        chart = base.mark_area(opacity=0.15).encode(y="ci_low:Q", y2="ci_high:Q") + base.mark_line(
            point=True
        ).encode(y=alt.Y("value:Q", title="value"), tooltip=["family", "k", "value"])
        st.altair_chart(chart, width="stretch")

    per_category = config.get("per_category")
    if isinstance(per_category, dict) and per_category:
        st.subheader("By category")
        ui.table(pd.DataFrame(per_category).T.rename_axis("category").reset_index())

    st.subheader("Per query")
    frame = data.case_frame(url, run.run_id, summary.stage)
    if frame.empty:
        st.info("This stage stored no per-case results.")
        return
    score_columns = [c for c in frame.columns if c not in data.CASE_COLUMNS]
    left, middle, right = st.columns(3)
    with left:
        default = (
            config.get("pass_measure") if config.get("pass_measure") in score_columns else None
        )
        sort_by = st.selectbox(
            "Sort by (worst first)",
            score_columns or ["case_id"],
            index=(score_columns.index(default) if default else 0),
            key="ret_sort",
        )
    with middle:
        outcomes = st.multiselect("Outcome", sorted(frame["outcome"].unique()), key="ret_outcome")
    with right:
        categories = st.multiselect(
            "Category", sorted(frame["category"].unique()), key="ret_category"
        )
    view = frame
    if outcomes:
        view = view[view["outcome"].isin(outcomes)]
    if categories:
        view = view[view["category"].isin(categories)]
    view = view.sort_values(
        [sort_by, "case_id"], ascending=True, na_position="first", kind="stable"
    )
    page = ui.paginate(view, key="ret_page")
    ui.table(page)
    _case_links(run, summary.stage, page["case_id"].tolist(), key="ret_case")


def _case_links(run: RunRecord, stage: str, case_ids: list[str], key: str) -> None:
    if not case_ids:
        return
    chosen = st.selectbox("Open a case from this page", case_ids, key=key)
    if chosen:
        ui.link("case", f"Case {chosen}", run_id=run.run_id, case_id=str(chosen), stage=stage)


def retrieval_case_view(
    url: str, run: RunRecord, result: CaseResult, case: dict[str, Any] | None
) -> None:
    """One retrieval case: the query, the top 10 with relevant documents marked, the scores."""
    if case is not None:
        st.text("Query:")
        st.code(str(case.get("query", "")), language=None)
    relevant: dict[str, int] = dict(
        result.details.get("relevant") or (case or {}).get("relevant") or {}
    )
    top10 = list(result.details.get("top10") or [])
    if top10:
        st.text("Top 10 (relevant documents marked):")
        ui.table(
            pd.DataFrame(
                [
                    {
                        "rank": i + 1,
                        "doc_id": doc,
                        "relevant": "✓" if relevant.get(doc, 0) > 0 else "",
                        "grade": relevant.get(doc),
                    }
                    for i, doc in enumerate(top10)
                ]
            ).astype({"grade": "Int64"})
        )
        missed = sorted(d for d, g in relevant.items() if g > 0 and d not in top10)
        if missed:
            st.text(f"Relevant documents not in the top 10: {', '.join(missed)}")
    elif relevant:
        st.text("Relevant documents: " + ", ".join(f"{d} (grade {g})" for d, g in relevant.items()))
    if "latency_ms" in result.details:
        st.text(f"latency: {fmt.duration_ms(result.details['latency_ms'])}")
