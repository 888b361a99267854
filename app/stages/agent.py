"""Agent views: error codes, pass rate by category, per-case table and call diff; one case."""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from evalstage.app import data, fmt, ui
from evalstage.evalcore.records import CaseResult, RunRecord, StageSummary

CALL_COLUMNS = [
    "turn",
    "expected_index",
    "actual_index",
    "name",
    "passed",
    "codes",
    "detail",
    "schema_paths",
]


def call_diff(result: CaseResult) -> pd.DataFrame:
    """The verdict's expected-vs-actual call pairs of one case (one row per pair)."""
    verdict = result.details.get("verdict") or {}
    rows = [
        {
            **{c: call.get(c) for c in CALL_COLUMNS},
            "codes": ", ".join(call.get("codes") or []),
            "schema_paths": ", ".join(call.get("schema_paths") or []),
        }
        for call in verdict.get("calls") or []
    ]
    return pd.DataFrame(rows, columns=CALL_COLUMNS)


def conversation_text(messages: list[Any]) -> str:
    """A conversation as ``role: content`` lines (tool calls as ``name(arguments)``)."""
    lines = []
    for message in messages:
        if not isinstance(message, dict):
            lines.append(str(message))
            continue
        content = message.get("content")
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        calls = [
            f"{c.get('function', c).get('name')}({c.get('function', c).get('arguments', '')})"
            for c in message.get("tool_calls") or []
            if isinstance(c, dict)
        ]
        body = text if content is not None else ""
        if calls:
            body = (body + "  " if body else "") + "calls " + ", ".join(calls)
        lines.append(f"{message.get('role', '?')}: {body or fmt.DASH}")
    return "\n".join(lines)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _listed(values: Any) -> list[Any]:
    return list(values) if isinstance(values, list | tuple) else [values]


def expected_calls_table(calls: list[Any]) -> pd.DataFrame:
    """Expected calls, one row each: tool, acceptable values per argument, optional arguments."""
    rows = []
    for call in calls:
        arguments = call.get("arguments") or {}
        rows.append(
            {
                "tool": call.get("name"),
                "arguments (any of the values)": "; ".join(
                    f"{k} = {' | '.join(_json(v) for v in _listed(values))}"
                    for k, values in arguments.items()
                ),
                "optional": ", ".join(call.get("optional") or []),
            }
        )
    return pd.DataFrame(rows, columns=["tool", "arguments (any of the values)", "optional"])


def agent_run_view(url: str, run: RunRecord, summary: StageSummary) -> None:
    """The agent tab of the Run page."""
    config = summary.config
    ui.stage_header(summary, {"mode": config.get("mode")})
    ui.table(ui.metrics_table(summary))

    left, right = st.columns(2)
    with left:
        st.subheader("Error codes")
        if summary.error_codes:
            codes = pd.DataFrame(
                {"code": list(summary.error_codes), "cases": list(summary.error_codes.values())}
            )
            st.altair_chart(
                alt.Chart(codes)
                .mark_bar()
                .encode(
                    x=alt.X("cases:Q"),
                    y=alt.Y("code:N", sort="-x"),
                    tooltip=["code", "cases"],
                ),
                width="stretch",
            )
        else:
            st.text("No error codes.")
    with right:
        st.subheader("Pass rate by category")
        per_category = config.get("per_category")
        if isinstance(per_category, dict) and per_category:
            table = pd.DataFrame(per_category).T.rename_axis("category").reset_index()
            st.altair_chart(
                alt.Chart(table)
                .mark_bar()
                .encode(
                    x=alt.X("pass_rate:Q", scale=alt.Scale(domain=[0, 1])),
                    y=alt.Y("category:N", sort="-x"),
                    tooltip=["category", "pass_rate", "n"],
                ),
                width="stretch",
            )
            ui.table(table)
        else:
            st.text("No per-category breakdown stored.")

    st.subheader("Per case")
    frame = data.case_frame(url, run.run_id, summary.stage)
    if frame.empty:
        st.info("This stage stored no per-case results.")
        return
    a, b, c = st.columns(3)
    with a:
        outcomes = st.multiselect("Outcome", sorted(frame["outcome"].unique()), key="ag_outcome")
    with b:
        categories = st.multiselect(
            "Category", sorted(frame["category"].unique()), key="ag_category"
        )
    with c:
        code = st.selectbox("Error code", ["(any)", *sorted(summary.error_codes)], key="ag_code")
    view = frame
    if outcomes:
        view = view[view["outcome"].isin(outcomes)]
    if categories:
        view = view[view["category"].isin(categories)]
    if code and code != "(any)":
        codes = view["reason"].fillna("").str.split(r"[,;] ", regex=True)  # "; turn N failed"
        view = view[codes.apply(lambda cs: code in cs)]
    sort = ["call_f1", "case_id"] if "call_f1" in view.columns else ["case_id"]
    view = view.sort_values(sort, kind="stable", na_position="first")
    page = ui.paginate(view, key="ag_page")
    ui.table(page)

    st.subheader("Expected vs actual calls")
    ids = page["case_id"].tolist()
    if not ids:
        return
    chosen = st.selectbox("Case", ids, key="ag_case")
    result = data.case_result(url, run.run_id, summary.stage, str(chosen))
    if result is None:
        return
    st.text(f"{result.case_id}: {result.outcome.value}  {result.reason or fmt.DASH}")
    diff = call_diff(result)
    if diff.empty:
        st.text("No call pairs recorded (error or unmeasured case).")
    else:
        ui.table(diff)
    ui.link("case", f"Case {chosen}", run_id=run.run_id, case_id=str(chosen), stage=summary.stage)


def agent_case_view(
    url: str, run: RunRecord, result: CaseResult, case: dict[str, Any] | None
) -> None:
    """One agent case: the conversation, expected calls, and the checker's call-by-call diff."""
    if case is not None:
        st.text("Conversation:")
        st.code(conversation_text(case.get("messages") or []), language=None, wrap_lines=True)
        turns = case.get("turns")
        if turns is None:
            turns = [
                {
                    "expect": case.get("expect"),
                    "order": case.get("order"),
                    "calls": case.get("expected_calls") or [],
                }
            ]
        st.text("Expected:")
        for n, turn in enumerate(turns):
            prefix = f"turn {n}: " if len(turns) > 1 else ""
            st.text(
                f"{prefix}expect {fmt.text(turn.get('expect'))}, "
                f"order {fmt.text(turn.get('order'))}"
            )
            calls = expected_calls_table(turn.get("calls") or [])
            if not calls.empty:
                ui.table(calls)
    st.text("Expected vs actual calls (checker verdict):")
    diff = call_diff(result)
    if diff.empty:
        st.text("No call pairs recorded.")
    else:
        ui.table(diff)
        for row in diff.itertuples():
            status = "ok " if row.passed else "BAD"
            st.text(
                f"[{status}] turn {row.turn} expected #{row.expected_index} "
                f"actual #{row.actual_index} {row.name}: {row.detail}"
            )
    actual = result.details.get("actual_turns")
    if actual:
        with st.expander("What the agent did, turn by turn (raw calls and replies, JSON)"):
            st.code(json.dumps(actual, indent=2, ensure_ascii=False), language="json")
    usage = {k: v for k, v in result.details.items() if k not in ("verdict", "actual_turns")}
    if "latency_ms" in usage:
        usage["latency_ms"] = fmt.duration_ms(usage["latency_ms"])
    if usage:
        ui.facts({k.replace("_", " "): v for k, v in usage.items()})
