"""Small UI helpers shared by the pages: links, empty-store guard, formatting, pagination.

Text that comes from the system under test or from suites is shown with ``st.text``/``st.code``/
``st.dataframe`` (never as HTML); labels that go through Markdown are escaped first.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from evalstage.app import data
from evalstage.evalcore.records import RunRecord, StageSummary

PAGES: dict[str, tuple[str, str]] = {
    "runs": ("app_pages/runs.py", "Runs"),
    "run": ("app_pages/run.py", "Run"),
    "compare": ("app_pages/compare.py", "Compare"),
    "case": ("app_pages/case.py", "Case"),
    "suite": ("app_pages/suite.py", "Suite"),
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
    """``key: value`` lines, shown as plain text."""
    st.text("\n".join(f"{k}: {v}" for k, v in pairs.items()))
