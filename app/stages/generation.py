"""Generation views: variants, adversarial matrix, rates, claims; one case variant.

The run view shows per-variant rates, the adversarial matrix, behaviour rates with CIs, the
faithfulness distribution, citation recall/precision, failure categories and a per-case table;
the case view one case variant with its contexts, claims and provenance.

Everything the generator wrote (answers, claims) and every passage is shown as plain text, code
or table cells, never as Markdown or HTML.
"""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from app import data, ui
from app.judge import calibration_panel
from app.stages import case_view, run_view
from evalcore.records import CaseResult, RunRecord, StageSummary
from generation_eval import ADVERSARIAL_VARIANTS, ANSWER_METRICS, BEHAVIOUR_METRICS

BEHAVIOUR = BEHAVIOUR_METRICS
"""Behaviour rates of the generation stage, shown with their CIs."""

LABELS = ADVERSARIAL_VARIANTS.labels
"""What each variant tests, beside its figures."""

LABEL_COLOURS = {
    "supported": "#d7f2dd",
    "unsupported": "#fff1c2",
    "contradicted": "#f9d0d0",
}
"""Row background of a claim by its verifier label."""


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
                **{
                    k: entry.get(k)
                    for k in ANSWER_METRICS
                    if k in ("faithfulness", "citation_recall", "citation_precision", "answer_f1")
                },
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
    return bars + points


@run_view("generation")
def generation_run_view(url: str, run: RunRecord, summary: StageSummary) -> None:
    """The generation tab of the Run page."""
    config = summary.config
    verifier = config.get("verifier") or {}
    st.text(
        f"target: {summary.target}   results: {summary.n_cases}   outcomes: {summary.outcomes}\n"
        f"verifier: {verifier.get('identity', '?')}   contexts: {config.get('contexts', '?')}   "
        f"faithfulness threshold: {config.get('faithfulness_threshold', '?')}   "
        f"latency_ms: {config.get('latency_ms')}   tokens: {config.get('tokens')}"
    )
    headline = [m for m in ui.metrics_table(summary)["metric"] if ":" not in m]
    st.subheader("Headline and behaviour rates")
    st.caption(
        "pass_rate pools every scored variant; the answer metrics (faithfulness, citations, "
        "answer F1/match) are those of the original variant; 95% bootstrap CIs."
    )
    st.dataframe(metric_rows(summary, headline), hide_index=True)
    with st.expander("All metrics (per variant, failure-category rates)"):
        st.dataframe(ui.metrics_table(summary), hide_index=True)

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
        st.dataframe(variants, hide_index=True)

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
        st.dataframe(matrix, hide_index=True)
    skipped = config.get("skipped") or {}
    if skipped:
        st.text(f"Variants that could not be made ({len(skipped)}):")
        st.dataframe(
            pd.DataFrame({"key": list(skipped), "reason": list(skipped.values())}),
            hide_index=True,
        )

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
    st.dataframe(page[["key", *page.columns.drop("key")]], hide_index=True)
    keys = page["key"].tolist()
    if keys:
        chosen = str(st.selectbox("Open a case variant from this page", keys, key="gen_case"))
        case_id, variant = data.split_key(chosen)
        ui.case_link(run.run_id, summary.stage, case_id, variant)


def provenance_lines(variant: str, provenance: dict[str, Any]) -> list[str]:
    """How a variant's contexts were made, in words (one line per fact; unknown keys verbatim)."""
    rest = dict(provenance)
    lines: list[str] = []

    def docs(items: list[Any]) -> str:
        return ", ".join(
            f"{i.get('doc_id')} (rank {i.get('rank')})" if isinstance(i, dict) else str(i)
            for i in items
        )

    if "doc_id" in rest and "span" in rest:
        lines.append(
            f"planted in passage of {rest.pop('doc_id')} by {rest.pop('method', '?')}: "
            f"span '{rest.pop('span')}' at offset {rest.pop('offset', '?')} replaced by "
            f"'{rest.pop('substitute', '?')}' (original value '{rest.pop('original_value', '?')}')"
        )
    if "contexts" in rest:
        lines.append(f"contexts: {rest.pop('contexts')}")
    if "doc_ids" in rest:
        lines.append(f"retrieved documents: {', '.join(map(str, rest.pop('doc_ids')))}")
    if "gold_retrieved" in rest:
        gold = rest.pop("gold_retrieved")
        lines.append(f"gold documents retrieved: {', '.join(map(str, gold)) or 'none'}")
    if "removed" in rest:
        lines.append(f"removed gold documents: {', '.join(map(str, rest.pop('removed')))}")
    if "kept" in rest:
        lines.append(f"kept: {', '.join(map(str, rest.pop('kept'))) or 'none'}")
    if "substitutes" in rest:
        lines.append(f"substitute passages: {docs(rest.pop('substitutes'))}")
    if "distractors" in rest:
        lines.append(f"distractor passages: {docs(rest.pop('distractors'))}")
    if "ranker" in rest:
        lines.append(f"chosen by: {rest.pop('ranker')}")
    lines.extend(f"{k}: {v}" for k, v in rest.items())
    if not lines:
        lines.append(f"{variant}: no provenance recorded")
    return lines


def passage_role(passage: dict[str, Any], provenance: dict[str, Any]) -> str:
    """What a passage is in its variant, read from the variant's provenance.

    ``planted`` (the counterfactual copy: the substitute sits at the recorded offset), ``source
    of planted``, ``substitute``, ``distractor`` or ``gold (retrieved)``; empty otherwise.
    """
    doc_id = str(passage.get("doc_id"))
    if provenance.get("span") and str(provenance.get("doc_id")) == doc_id:
        offset = provenance.get("offset")
        substitute = str(provenance.get("substitute", ""))
        text = str(passage.get("text", ""))
        if isinstance(offset, int) and text[offset : offset + len(substitute)] == substitute:
            return "planted"
        return "source of planted"
    for name, role in (("substitutes", "substitute"), ("distractors", "distractor")):
        for item in provenance.get(name) or []:
            if isinstance(item, dict) and str(item.get("doc_id")) == doc_id:
                return role
    if doc_id in map(str, provenance.get("gold_retrieved") or []):
        return "gold (retrieved)"
    return ""


def passages_table(details: dict[str, Any]) -> pd.DataFrame:
    """The contexts, numbered from 1, with the claims citing them and the evidence they gave."""
    claims = details.get("claims") or []
    provenance = details.get("provenance") or {}
    rows = []
    for n, passage in enumerate(details.get("passages") or [], 1):
        citing = [i for i, c in enumerate(claims, 1) if n in (c.get("citations") or [])]
        deciding = [i for i, c in enumerate(claims, 1) if c.get("context") == n]
        rows.append(
            {
                "n": n,
                "cited": "✓" if citing else "",
                "cited by claims": ", ".join(map(str, citing)),
                "evidence for claims": ", ".join(map(str, deciding)),
                "role": passage_role(passage, provenance),
                "doc_id": passage.get("doc_id"),
                "title": passage.get("title", ""),
                "text": passage.get("text", ""),
            }
        )
    return pd.DataFrame(rows)


def claims_table(details: dict[str, Any]) -> pd.DataFrame:
    """One row per claim: label, support, contradiction, citations and the deciding evidence."""
    rows = [
        {
            "claim": i,
            "label": c.get("label"),
            "text": c.get("text", ""),
            "citations": ", ".join(map(str, c.get("citations") or [])),
            "citations support it": c.get("citations_support"),
            "irrelevant citations": ", ".join(map(str, c.get("irrelevant_citations") or [])),
            "support": c.get("support"),
            "contradiction": c.get("contradiction"),
            "evidence passage": c.get("context"),
            "evidence": c.get("evidence", ""),
        }
        for i, c in enumerate(details.get("claims") or [], 1)
    ]
    return pd.DataFrame(rows)


def _colour_rows(row: pd.Series) -> list[str]:
    colour = LABEL_COLOURS.get(str(row.get("label")), "")
    return [f"background-color: {colour}" if colour else ""] * len(row)


@case_view("generation")
def generation_case_view(
    url: str, run: RunRecord, result: CaseResult, case: dict[str, Any] | None
) -> None:
    """One case variant: question, expectation, answer, contexts, claims, provenance, cues."""
    details = result.details
    st.text("Question:")
    st.code(str(details.get("question") or (case or {}).get("question", "")), language=None)
    facts: dict[str, Any] = {
        "expect": details.get("expect"),
        "acceptable answers": details.get("answers"),
    }
    if details.get("counterfactual"):
        facts["planted value"] = details["counterfactual"]
    if details.get("own_category"):
        facts["own failure category (before attribution to retrieval)"] = details["own_category"]
    ui.kv_text(facts)

    st.subheader("Provenance of the contexts")
    st.text("\n".join(provenance_lines(result.variant, details.get("provenance") or {})))

    st.subheader("Answer")
    if "answer" not in details:
        st.text(f"No answer was scored ({result.outcome.value}): {result.reason}")
    else:
        st.code(str(details["answer"]), language=None, wrap_lines=True)
        ui.kv_text(
            {
                "abstained": f"{details.get('abstained')} (cue: {details.get('abstention_cue')})",
                "conflict flagged": (
                    f"{details.get('conflict_flagged')} (cue: {details.get('conflict_cue')})"
                ),
                "citation format": f"{details.get('format_ok')} ({details.get('format_reason')})",
                "counterfactual adopted": details.get("counterfactual_adopted"),
                "faithfulness": details.get("faithfulness"),
                "citation recall": details.get("citation_recall"),
                "citation precision": details.get("citation_precision"),
                "answer match / token F1 / exact": (
                    f"{details.get('alias_match')} / {details.get('token_f1')} / "
                    f"{details.get('exact_match')}"
                ),
            }
        )

    claims = claims_table(details)
    if not claims.empty:
        st.subheader("Claims (coloured by support)")
        st.dataframe(claims.style.apply(_colour_rows, axis=1), hide_index=True)
        for claim in claims.to_dict("records"):
            label = str(claim["label"]) if claim["label"] in LABEL_COLOURS else "unlabelled"
            number = claim["evidence passage"]
            where = f"passage {int(number)}" if number else "no passage"
            # only fixed words and numbers go through Markdown here; the claim text below is text
            heading = f"Claim {claim['claim']}: {label} (evidence from {where})"
            if label == "contradicted":
                st.error(heading, icon="✖")
            elif label == "unsupported":
                st.warning(heading, icon="⚠")
            else:
                st.success(heading, icon="✔")
            st.text(f"claim: {claim['text']}\nevidence: {claim['evidence']}")

    passages = passages_table(details)
    if not passages.empty:
        st.subheader("Contexts (cited passages marked)")
        st.dataframe(passages, hide_index=True)
        for row in passages.itertuples():
            mark = "  ← cited" if row.cited else ""
            role = f"  ({row.role})" if row.role else ""
            st.text(f"[{row.n}] {row.doc_id} · {row.title}{role}{mark}")
            st.code(str(row.text), language=None, wrap_lines=True)

    usage = {
        k: details[k]
        for k in ("latency_ms", "prompt_tokens", "completion_tokens")
        if details.get(k) is not None
    }
    if usage:
        ui.kv_text(usage)
    if isinstance(details.get("judge"), dict):  # a judge score beside the deterministic checks
        st.subheader("Judge")
        st.text(f"decided by: {', '.join(details.get('decided_by') or []) or 'unknown'}")
        calibration_panel(url, details["judge"])
    with st.expander("Stored details (JSON)"):
        st.code(json.dumps(details, indent=2, ensure_ascii=False, default=str), language="json")
