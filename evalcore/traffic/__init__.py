"""From production traffic to draft cases: read traces and logs, scrub, select, build.

``read_otlp`` (OpenTelemetry OTLP JSON, GenAI and OpenInference attributes) and
``read_jsonl_log`` (JSONL request/response logs through a :class:`FieldMap`) give
:class:`Exchange` records; :class:`Scrubber` replaces personal data and secrets by stable
placeholders; :func:`select_exchanges` folds near-duplicates and samples diverse, failure-heavy
exchanges; :func:`build_draft_suite` writes them as draft cases. No Prefect, no Streamlit.
"""

from evalstage.evalcore.traffic._build import DraftSuite, build_draft_suite
from evalstage.evalcore.traffic._jsonl import FieldMap, read_jsonl_log
from evalstage.evalcore.traffic._otlp import read_otlp
from evalstage.evalcore.traffic._record import Call, Context, Exchange
from evalstage.evalcore.traffic._scrub import DEFAULT_PHONE_REGIONS, KINDS, Scrubber
from evalstage.evalcore.traffic._select import (
    FeedbackScale,
    Picked,
    Selection,
    bundled_embedder,
    failure_signals,
    feedback_scale,
    negative_feedback,
    select_exchanges,
)

__all__ = [
    "DEFAULT_PHONE_REGIONS",
    "KINDS",
    "Call",
    "Context",
    "DraftSuite",
    "Exchange",
    "FeedbackScale",
    "FieldMap",
    "Picked",
    "Scrubber",
    "Selection",
    "build_draft_suite",
    "bundled_embedder",
    "failure_signals",
    "feedback_scale",
    "negative_feedback",
    "read_jsonl_log",
    "read_otlp",
    "select_exchanges",
]
