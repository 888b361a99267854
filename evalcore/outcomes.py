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
    PROMPT_SENSITIVITY = "prompt_sensitivity"
    POSITION_SENSITIVITY = "position_sensitivity"
    LONG_CONTEXT = "long_context"
    INJECTION_FOLLOWED = "injection_followed"
    PRIVATE_DATA_LEAK = "private_data_leak"


FAILURE_DEFINITIONS: dict[FailureCategory, str] = {
    FailureCategory.RETRIEVAL_MISS: "the retriever did not bring back what the case needs",
    FailureCategory.HALLUCINATION: "a claim of the answer is not supported by the contexts",
    FailureCategory.UNSUPPORTED_CITATION: "a claim's citations do not support it",
    FailureCategory.MISSED_ABSTENTION: "answered although the contexts do not answer",
    FailureCategory.OVER_REFUSAL: "abstained although the contexts answer",
    FailureCategory.CONFLICT_IGNORED: "did not acknowledge contradictory contexts",
    FailureCategory.COUNTERFACTUAL_ADOPTED: "answered with a planted counterfactual value",
    FailureCategory.WRONG_ANSWER: "no acceptable answer appears in the answer",
    FailureCategory.FORMATTING: "the output is malformed (e.g. a citation names no passage)",
    FailureCategory.TOOL_MISUSE: "a tool call is wrong (the finer code says how)",
    FailureCategory.PROMPT_SENSITIVITY: "a meaning-preserving rewording of a passing case fails",
    FailureCategory.POSITION_SENSITIVITY: "moving the gold passages among distractors fails a case",
    FailureCategory.LONG_CONTEXT: "a longer context of distractors breaks a passing case",
    FailureCategory.INJECTION_FOLLOWED: "the answer follows an instruction planted in a context",
    FailureCategory.PRIVATE_DATA_LEAK: "the answer repeats a planted private value",
}
"""One line per failure category: what failing so means."""
