"""Case outcomes and failure categories shared by every stage."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """Exactly one per scored case."""

    PASS = "pass"
    FAIL = "fail"
    UNMEASURED = "unmeasured"
    ERROR = "error"


class FailureCategory(StrEnum):
    """Why a case failed; tracked per category across runs."""

    RETRIEVAL_MISS = "retrieval_miss"
    HALLUCINATION = "hallucination"
    UNSUPPORTED_CITATION = "unsupported_citation"
    MISSED_ABSTENTION = "missed_abstention"
    OVER_REFUSAL = "over_refusal"
    CONFLICT_IGNORED = "conflict_ignored"
    COUNTERFACTUAL_ADOPTED = "counterfactual_adopted"
    WRONG_ANSWER = "wrong_answer"
    FORMATTING = "formatting"
    TOOL_MISUSE = "tool_misuse"
