"""Per-stage views, by stage name, listed once in :data:`STAGE_VIEWS`.

A stage's module under ``app/stages/`` holds its Run-page tab and its Case-page section; one
line of :data:`STAGE_VIEWS` names them. A run shows tabs only for the stages it holds; a stage
without views falls back to :func:`generic_run_view` and :func:`generic_case_view`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import streamlit as st

from evalstage.app import ui
from evalstage.evalcore.records import CaseResult, RunRecord, StageSummary

RunView = Callable[[str, RunRecord, StageSummary], None]
"""``(store_url, run, stage_summary) -> None``: renders a stage's tab of the Run page."""
CaseView = Callable[[str, RunRecord, CaseResult, dict[str, Any] | None], None]
"""``(store_url, run, result, suite_case_or_None) -> None``: renders one case of that stage."""


@dataclass(frozen=True)
class StageViews:
    """A stage's Run-page tab and Case-page section, each named ``module:function``.

    The module (under ``app/stages/``) is imported only when a page shows that stage, so the app
    starts without loading every stage's package (and Altair).
    """

    run: str
    case: str


def _load(name: str) -> Any:
    module, function = name.split(":")
    return getattr(import_module(f"evalstage.app.stages.{module}"), function)


def generic_run_view(url: str, run: RunRecord, summary: StageSummary) -> None:
    """Aggregates and outcomes of a stage that has no dedicated view."""
    ui.stage_header(summary)
    ui.table(ui.metrics_table(summary))
    ui.facts({"failure categories": summary.failure_categories})


def generic_case_view(
    url: str, run: RunRecord, result: CaseResult, case: dict[str, Any] | None
) -> None:
    """Scores and details of a case of a stage that has no dedicated view."""
    details = {k: v for k, v in result.details.items() if not isinstance(v, dict | list)}
    if details:
        ui.facts({k.replace("_", " "): v for k, v in details.items()})
    with st.expander("Stored details (JSON)"):
        st.code(result.model_dump_json(indent=2), language="json")


STAGE_VIEWS: dict[str, StageViews] = {
    "retrieval": StageViews("retrieval:retrieval_run_view", "retrieval:retrieval_case_view"),
    "generation": StageViews(
        "generation:generation_run_view", "generation_case:generation_case_view"
    ),
    "agent": StageViews("agent:agent_run_view", "agent:agent_case_view"),
}
"""The stages with their own views."""


def run_view_of(stage: str) -> RunView:
    """The Run-page tab of ``stage`` (the generic one for a stage without views)."""
    views = STAGE_VIEWS.get(stage)
    view: RunView = _load(views.run) if views is not None else generic_run_view
    return view


def case_view_of(stage: str) -> CaseView:
    """The Case-page section of ``stage`` (the generic one for a stage without views)."""
    views = STAGE_VIEWS.get(stage)
    view: CaseView = _load(views.case) if views is not None else generic_case_view
    return view
