"""Per-stage views, registered by stage name.

A stage gets a tab on the Run page by registering one function with :func:`run_view`, and a
section on the Case page with :func:`case_view`. A run shows tabs only for the stages it holds;
a stage without a registered view falls back to :func:`generic_run_view`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from app import ui
from evalcore.records import CaseResult, RunRecord, StageSummary

RunView = Callable[[str, RunRecord, StageSummary], None]
"""``(store_url, run, stage_summary) -> None``: renders a stage's tab of the Run page."""
CaseView = Callable[[str, RunRecord, CaseResult, dict[str, Any] | None], None]
"""``(store_url, run, result, suite_case_or_None) -> None``: renders one case of that stage."""

RUN_VIEWS: dict[str, RunView] = {}
CASE_VIEWS: dict[str, CaseView] = {}


def run_view(stage: str) -> Callable[[RunView], RunView]:
    """Register the Run-page tab of ``stage``."""

    def register(func: RunView) -> RunView:
        RUN_VIEWS[stage] = func
        return func

    return register


def case_view(stage: str) -> Callable[[CaseView], CaseView]:
    """Register the Case-page section of ``stage``."""

    def register(func: CaseView) -> CaseView:
        CASE_VIEWS[stage] = func
        return func

    return register


def generic_run_view(url: str, run: RunRecord, summary: StageSummary) -> None:
    """Aggregates and outcomes of a stage that has no dedicated view."""
    st.dataframe(ui.metrics_table(summary), hide_index=True)
    ui.kv_text({"outcomes": summary.outcomes, "failure categories": summary.failure_categories})


def generic_case_view(
    url: str, run: RunRecord, result: CaseResult, case: dict[str, Any] | None
) -> None:
    """Scores and details of a case of a stage that has no dedicated view."""
    st.code(result.model_dump_json(indent=2), language="json")


from app.stages import agent, generation, retrieval  # noqa: E402, F401  (registers the views)
