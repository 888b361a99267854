"""Small UI helpers shared by the pages: links, empty-store guard, formatting, pagination.

Text that comes from the system under test or from suites is shown with ``st.text``/``st.code``/
``st.dataframe`` (never as HTML); labels that go through Markdown are escaped first.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from evalstage.app import data, fmt
from evalstage.evalcore.records import RunRecord, StageSummary

PAGES: dict[str, tuple[str, str]] = {
    "runs": ("app_pages/runs.py", "Runs"),
    "run": ("app_pages/run.py", "Run"),
    "compare": ("app_pages/compare.py", "Compare"),
    "scenarios": ("app_pages/scenarios.py", "Scenarios"),
    "case": ("app_pages/case.py", "Case"),
    "suite": ("app_pages/suite.py", "Suite"),
    "health": ("app_pages/health.py", "Suite health"),
    "judge": ("app_pages/judge.py", "Judge"),
}
"""Every page of the app, by name (its URL path): its file, relative to ``app/main.py``, and its
title. The first is the default page."""

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def md_escape(text: str) -> str:
    """Escape ``text`` so that Markdown shows it literally (no HTML, links, emphasis, icons)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def link(page: str, label: str, **params: str) -> None:
    """A link to another page of the app with query parameters (label shown literally)."""
    st.page_link(PAGES[page][0], label=md_escape(label), query_params=params or None)


def case_link(run_id: str, stage: str, case_id: str, variant: str = "original") -> None:
    """A link to one case (one variant of it) on the Case page, labelled by its result key."""
    params = {"run_id": run_id, "case_id": case_id, "stage": stage}
    if variant and variant != "original":
        params["variant"] = variant
    label = case_id if not variant or variant == "original" else f"{case_id}#{variant}"
    link("case", label, **params)


def store_or_stop() -> str:
    """The store URL; shows how to make a first run and stops the page when the store is empty."""
    url = data.store_url()
    if not data.list_runs(url):
        st.info("No runs in the store yet.")
        st.text("Make a first run, then reload this page:")
        st.code(f"evalstage run suites/demo --store {url}", language="bash")
        st.caption("The app reads the store named by --store or $EVALSTAGE_STORE.")
        st.stop()
    return url


def param(name: str) -> str:
    """A query parameter, or an empty string."""
    value = st.query_params.get(name, "")
    return value if isinstance(value, str) else ""


def short(run_id: str) -> str:
    """The first 12 characters of a run id."""
    return run_id[:12]


def run_label(run: RunRecord) -> str:
    """``<id> · <suite> · <start>`` for selectors."""
    started = f"{run.started_at:%Y-%m-%d %H:%M}"
    return f"{short(run.run_id)} · {run.suite_name} {run.suite_version} · {started}"


def target_label(summary: StageSummary) -> str:
    """``stage:target`` of a stage summary."""
    return f"{summary.stage}:{summary.target.get('name', '?')}"


def outcome_badges(counts: dict[str, int], label: str = "outcomes") -> None:
    """A stage's outcomes as coloured counts (``pass 161`` green, ``fail 255`` red, ...)."""
    if not counts:
        st.text(f"{label}: {fmt.DASH}", help="No case outcome was stored.")
        return
    parts = [
        f":{fmt.OUTCOME_COLOURS.get(name, 'gray')}-badge[{md_escape(name)} {count:,}]"
        for name, count in fmt.ordered(counts)
    ]
    st.markdown(f"{md_escape(label)}: " + " ".join(parts))


def facts(pairs: dict[str, Any], why: dict[str, str] | None = None) -> None:
    """A small ``key: value`` block, every value formatted (:func:`fmt.text`).

    An absent value shows as an em dash; ``why`` says, per key, why it is absent (shown in the
    block's tooltip; a generic reason otherwise).
    """
    why = why or {}
    lines, reasons = [], []
    for key, value in pairs.items():
        shown = value if isinstance(value, str) and value else fmt.text(value)
        lines.append(f"{key}: {shown}")
        if shown == fmt.DASH:
            reasons.append(f"{key}: {why.get(key, 'not recorded for this run')}")
    st.text("\n".join(lines), help="\n\n".join(reasons) or None)


def config_block(title: str, config: dict[str, Any], why: dict[str, str] | None = None) -> None:
    """A nested config (a target, options) as a key/value block under a caption."""
    st.caption(title)
    pairs = dict(fmt.flatten(config))
    if not pairs:
        st.text(fmt.DASH, help="Nothing configured: the defaults apply.")
        return
    facts(pairs, why)


def display(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell readable.

    Lists joined, mappings as pairs, absent values as an em dash; numeric columns stay numeric
    (:func:`table` formats them).
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
            continue
        if pd.api.types.is_datetime64_any_dtype(series):
            continue
        out[column] = series.map(lambda v: v if isinstance(v, str) else fmt.text(v))
    return out


def _number_format(series: pd.Series, spec: str | None) -> Any:
    if spec is not None:
        return lambda v: fmt.DASH if fmt.absent(v) else spec.format(v)
    values = series.dropna()
    whole = pd.api.types.is_integer_dtype(series) or (
        len(values) > 0 and all(float(v).is_integer() for v in values) and values.abs().max() > 1
    )
    return lambda v: fmt.number(int(v) if whole and not fmt.absent(v) else v)


def table(frame: pd.DataFrame, formats: dict[str, str] | None = None, **kwargs: Any) -> None:
    """``frame`` as a table (index hidden), every cell readable.

    Text cells through :func:`display`, numbers to 3 decimals (or ``formats[column]``, a
    ``str.format`` spec), absent values as an em dash. Numeric columns stay numeric (they
    sort as numbers); only their display is formatted.
    """
    shown = display(frame)
    formats = formats or {}
    numeric = {
        c: _number_format(shown[c], formats.get(str(c)))
        for c in shown.columns
        if pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c])
    }
    styled = shown.style.format(numeric, na_rep=fmt.DASH) if numeric else shown
    config: dict[Any, Any] = {
        c: st.column_config.Column(help=ABSENT_CELL)
        for c in shown.columns
        if shown[c].isna().any() or shown[c].astype(str).eq(fmt.DASH).any()
    }
    config.update(kwargs.pop("column_config", None) or {})
    st.dataframe(styled, hide_index=True, column_config=config or None, **kwargs)


ABSENT_CELL = (
    "— : no value was recorded for this row (a case that was not scored, a breakdown the run "
    "did not store, a field the suite leaves empty)."
)
"""The header tooltip of a table column that holds absent values."""


def headline(summary: StageSummary) -> list[str]:
    """The headline metric names of a stage summary (its first three when it declares none).

    Per headline its stage declares, the first unsuffixed aggregate of it the summary holds.
    """
    names = [m.name for m in summary.metrics]
    wanted: list[str] = []
    for spec in summary.declared.headlines:
        match = next((n for n in names if ":" not in n and summary.declared.get(n) == spec), None)
        if match is not None:
            wanted.append(match)
    return wanted or names[:3]


def select_run(
    url: str, label: str, key: str, default_id: str = "", suite: str | None = None
) -> RunRecord | None:
    """A run selector seeded from ``default_id`` (a query parameter), newest run otherwise."""
    runs = data.list_runs(url, suite)
    if not runs:
        return None
    ids = [r.run_id for r in runs]
    index = 0
    if default_id:
        match = [i for i, rid in enumerate(ids) if rid.startswith(default_id)]
        if match:
            index = match[0]
    by_id = {r.run_id: r for r in runs}
    chosen = st.selectbox(
        label, ids, index=index, format_func=lambda rid: run_label(by_id[rid]), key=key
    )
    return by_id.get(chosen) if chosen else None


def paginate(frame: pd.DataFrame, key: str, page_size: int = 50) -> pd.DataFrame:
    """One page of ``frame`` with a page selector below it (tables stay fast on large runs)."""
    pages = max(1, -(-len(frame) // page_size))
    left, right = st.columns([1, 3])
    with left:
        page = int(
            st.number_input(
                f"Page (of {pages})", min_value=1, max_value=pages, value=1, step=1, key=key
            )
        )
    with right:
        start = (page - 1) * page_size
        first, last = min(len(frame), start + 1), min(len(frame), start + page_size)
        st.caption(f"Rows {first}-{last} of {len(frame)}")
    return frame.iloc[start : start + page_size]


def metrics_table(summary: StageSummary) -> pd.DataFrame:
    """A stage's aggregates with CIs, n and coverage."""
    return pd.DataFrame(
        [
            {
                "metric": m.name,
                "value": m.value,
                "ci_low": m.ci_low,
                "ci_high": m.ci_high,
                "n": m.n,
                "coverage": m.coverage,
            }
            for m in summary.metrics
        ]
    )


def kv_text(pairs: dict[str, Any]) -> None:
    """``key: value`` lines, shown as plain text, every value formatted (:func:`fmt.text`)."""
    lines = (f"{k}: {v if isinstance(v, str) and v else fmt.text(v)}" for k, v in pairs.items())
    st.text("\n".join(lines))


BREAKDOWNS = ("per_category", "per_variant", "matrix", "latency_ms", "tokens", "cost", "skipped")
"""Stage config keys shown as charts or tables of their own, not in the options block."""


def stage_header(summary: StageSummary, extra: dict[str, Any] | None = None) -> None:
    """A stage's target, case count, outcomes, latency, tokens and options, formatted."""
    config = summary.config
    left, right = st.columns([3, 2])
    with left:
        facts(
            {
                "target": fmt.target_name(summary.target),
                "cases": summary.n_cases,
                "latency": fmt.latency(config.get("latency_ms")),
                "tokens": fmt.tokens(config.get("tokens")),
                "cost": fmt.cost(config.get("cost")),
                **(extra or {}),
            },
            why={
                "latency": "No case of this stage recorded a latency.",
                "tokens": "The target reported no token counts.",
                "cost": "No price per token is recorded (prices: in suite.yaml), or the target "
                "reported no token counts, so no cost is computed.",
            },
        )
        outcome_badges(summary.outcomes)
    with right:
        options = {k: v for k, v in config.items() if k not in BREAKDOWNS}
        with st.expander("Configuration (target and options)"):
            config_block("target", dict(summary.target))
            config_block("options", options)
