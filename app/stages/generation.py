"""Generation views: variants, adversarial matrix, rates, claims; one case variant.

The run view shows per-variant rates, the adversarial matrix, behaviour rates with CIs, the
faithfulness distribution, citation recall/precision, failure categories and a per-case table;
the case view (:mod:`app.stages.generation_case`) one case variant with its contexts, claims and
provenance.

Everything the generator wrote (answers, claims) and every passage is shown as plain text, code
or table cells, never as Markdown or HTML.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from evalstage.app import data, ui
from evalstage.evalcore.records import RunRecord, StageSummary
from evalstage.generation_eval import ADVERSARIAL_VARIANTS, ANSWER_METRICS, BEHAVIOUR_METRICS

BEHAVIOUR = BEHAVIOUR_METRICS
"""Behaviour rates of the generation stage, shown with their CIs."""

LABELS = ADVERSARIAL_VARIANTS.labels
"""What each variant tests, beside its figures."""


def variant_metric(name: str, variant: str) -> str:
    """The stored metric name of ``name`` on ``variant`` (the original has no suffix)."""
    return name if variant == "original" else f"{name}:{variant}"


def metric_rows(summary: StageSummary, names: list[str]) -> pd.DataFrame:
    """``metric, value, ci_low, ci_high, n, coverage`` of the named metrics the summary holds."""
    table = ui.metrics_table(summary)
    if table.empty:
        return pd.DataFrame(columns=["metric", "value", "ci_low", "ci_high", "n", "coverage"])
    return table[table["metric"].isin(names)].reset_index(drop=True)


def per_variant_table(summary: StageSummary) -> pd.DataFrame:
    """One row per variant: results, pass rate with its CI, and the mean answer metrics."""
    per_variant = summary.config.get("per_variant") or {}
    metrics = {m.name: m for m in summary.metrics}
    rows = []
    for variant, entry in per_variant.items():
        # the unsuffixed pass_rate pools every variant: only the others have a per-variant CI
        rate = metrics.get(f"pass_rate:{variant}")
        rows.append(
            {
                "variant": variant,
                "tests": LABELS.get(variant, ""),
                "n": int(entry.get("n", 0)),
                "pass_rate": entry.get("pass_rate"),
                "ci_low": rate.ci_low if rate else None,
                "ci_high": rate.ci_high if rate else None,
                **{k: entry.get(k) for k in ANSWER_METRICS},
            }
        )
    return pd.DataFrame(rows)


def matrix_frame(summary: StageSummary) -> pd.DataFrame:
    """The adversarial matrix: a row per variant, a count column per outcome/failure category."""
    matrix = summary.config.get("matrix") or {}
    if not matrix:
        return pd.DataFrame()
    frame = pd.DataFrame(matrix).T.fillna(0).astype(int)
    first = [c for c in ("pass",) if c in frame.columns]
    last = [c for c in ("error", "unmeasured") if c in frame.columns]
    middle = sorted(c for c in frame.columns if c not in first + last)
    return frame[first + middle + last].rename_axis("variant").reset_index()


def _rate_chart(rows: pd.DataFrame, y_title: str) -> alt.LayerChart:
    base = alt.Chart(rows).encode(
        y=alt.Y("metric:N", sort=None, title=None, axis=alt.Axis(labelLimit=260))
    )
    bars = base.mark_errorbar(ticks=True).encode(
        x=alt.X("ci_low:Q", scale=alt.Scale(domain=[0, 1]), title=y_title), x2="ci_high:Q"
    )
    points = base.mark_point(filled=True, size=80).encode(
        x="value:Q", tooltip=["metric", "value", "ci_low", "ci_high", "n"]
    )
    chart: alt.LayerChart = bars + points
    return chart


def generation_run_view(url: str, run: RunRecord, summary: StageSummary) -> None:
    """The generation tab of the Run page."""
    config = summary.config
    verifier = config.get("verifier") or {}
    ui.stage_header(
        summary,
        {
            "verifier": verifier.get("identity"),
            "contexts": config.get("contexts"),
            "faithfulness threshold": config.get("faithfulness_threshold"),
        },
    )
    headline = [m for m in ui.metrics_table(summary)["metric"] if ":" not in m]
    st.subheader("Headline and behaviour rates")
    st.caption(
        "pass_rate pools every scored variant; the answer metrics (faithfulness, citations, "
        "answer F1/match) are those of the original variant; 95% bootstrap CIs."
    )
    ui.table(metric_rows(summary, headline))
    with st.expander("All metrics (per variant, failure-category rates)"):
        ui.table(ui.metrics_table(summary))

    left, right = st.columns(2)
    with left:
        st.subheader("Behaviour rates (95% CI)")
        rates = metric_rows(summary, list(BEHAVIOUR))
        if rates.empty:
            st.text("No behaviour rate was measured.")
        else:
            st.altair_chart(_rate_chart(rates, "rate"), width="stretch")
    with right:
        st.subheader("Failure categories")
        if summary.failure_categories:
            failures = pd.DataFrame(
                {
                    "category": list(summary.failure_categories),
                    "results": list(summary.failure_categories.values()),
                }
            )
            st.altair_chart(
                alt.Chart(failures)
                .mark_bar()
                .encode(
                    x=alt.X("results:Q"),
                    y=alt.Y("category:N", sort="-x", axis=alt.Axis(labelLimit=200)),
                    tooltip=["category", "results"],
                ),
                width="stretch",
            )
        else:
            st.text("No failures.")

    st.subheader("Per variant")
    variants = per_variant_table(summary)
    if not variants.empty:
        ui.table(variants)

    st.subheader("Adversarial matrix (variant × outcome / failure category)")
    matrix = matrix_frame(summary)
    if matrix.empty:
        st.text("No matrix stored.")
    else:
        long = matrix.melt(id_vars="variant", var_name="outcome", value_name="results")
        cells = alt.Chart(long).encode(
            x=alt.X("outcome:N", sort=list(matrix.columns[1:]), title=None),
            y=alt.Y(
                "variant:N",
                sort=list(matrix["variant"]),
                title=None,
                axis=alt.Axis(labelLimit=200),
            ),
        )
        heat = cells.mark_rect().encode(
            color=alt.Color("results:Q", scale=alt.Scale(scheme="orangered")),
            tooltip=["variant", "outcome", "results"],
        )
        counts = cells.mark_text().encode(text="results:Q")
        st.altair_chart(heat + counts, width="stretch")
        ui.table(matrix)
    skipped = config.get("skipped") or {}
    if skipped:
        st.text(f"Variants that could not be made ({len(skipped)}):")
        ui.table(pd.DataFrame({"key": list(skipped), "reason": list(skipped.values())}))

    frame = data.case_frame(url, run.run_id, summary.stage)
    if frame.empty:
        st.info("This stage stored no per-case results.")
        return
    frame = frame.assign(
        key=[
            c if v == "original" else f"{c}#{v}"
            for c, v in zip(frame["case_id"], frame["variant"], strict=True)
        ]
    )

    left, right = st.columns(2)
    with left:
        st.subheader("Faithfulness of answered variants")
        answered = frame.dropna(subset=["faithfulness"]) if "faithfulness" in frame else frame[:0]
        if answered.empty:
            st.text("No answer was checked for faithfulness.")
        else:
            st.altair_chart(
                alt.Chart(answered)
                .mark_bar()
                .encode(
                    x=alt.X(
                        "faithfulness:Q", bin=alt.Bin(extent=[0, 1], step=0.1), title="faithfulness"
                    ),
                    y=alt.Y("count():Q", title="answers"),
                    color=alt.Color("variant:N"),
                    tooltip=["variant", "count()"],
                ),
                width="stretch",
            )
    with right:
        st.subheader("Citation recall and precision (95% CI)")
        names = [
            variant_metric(n, v)
            for v in (config.get("per_variant") or {"original": {}})
            for n in ("citation_recall", "citation_precision")
        ]
        citations = metric_rows(summary, names)
        if citations.empty:
            st.text("No citation was checked.")
        else:
            st.altair_chart(_rate_chart(citations, "value"), width="stretch")

    st.subheader("Per case variant")
    score_columns = [c for c in frame.columns if c not in (*data.CASE_COLUMNS, "key")]
    a, b, c, d = st.columns(4)
    with a:
        default = "pass" if "pass" in score_columns else None
        sort_by = st.selectbox(
            "Sort by (worst first)",
            score_columns or ["case_id"],
            index=score_columns.index(default) if default else 0,
            key="gen_sort",
        )
    with b:
        chosen_variants = st.multiselect(
            "Variant", list(dict.fromkeys(frame["variant"])), key="gen_variant"
        )
    with c:
        outcomes = st.multiselect("Outcome", sorted(frame["outcome"].unique()), key="gen_outcome")
    with d:
        failures = st.multiselect(
            "Failure category",
            sorted(frame["failure_category"].dropna().unique()),
            key="gen_failure",
        )
    view = frame
    if chosen_variants:
        view = view[view["variant"].isin(chosen_variants)]
    if outcomes:
        view = view[view["outcome"].isin(outcomes)]
    if failures:
        view = view[view["failure_category"].isin(failures)]
    order = [sort_by] + [s for s in ("faithfulness",) if s in view.columns and s != sort_by]
    view = view.sort_values([*order, "key"], ascending=True, na_position="last", kind="stable")
    page = ui.paginate(view, key="gen_page")
    ui.table(page[["key", *page.columns.drop("key")]])
    keys = page["key"].tolist()
    if keys:
        chosen = str(st.selectbox("Open a case variant from this page", keys, key="gen_case"))
        case_id, variant = data.split_key(chosen)
        ui.case_link(run.run_id, summary.stage, case_id, variant)
