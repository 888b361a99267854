"""What the checker returns: :class:`CaseVerdict`, :class:`TurnVerdict`, :class:`CallDetail`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from evalstage.agent_eval._checker._codes import ErrorCode

CheckMode = Literal["strict", "bfcl"]


class CallDetail(BaseModel):
    """One expected call and the actual call paired with it (either may be absent)."""

    model_config = ConfigDict(frozen=True)

    turn: int = Field(description="Index of the turn (0 for single-step cases).")
    expected_index: int | None = Field(description="Index of the expected call in its turn.")
    actual_index: int | None = Field(description="Index of the actual call in its turn.")
    name: str = Field(description="The tool called (or, for a missing call, the one expected).")
    passed: bool
    codes: list[ErrorCode] = Field(default_factory=list)
    detail: str = ""
    schema_paths: list[str] = Field(
        default_factory=list, description="JSON paths of schema errors ('$.unit'), strict mode."
    )


class TurnVerdict(BaseModel):
    """The verdict on one assistant turn."""

    model_config = ConfigDict(frozen=True)

    turn: int
    expect: Literal["call", "no_call"] | None = Field(
        description="What the turn should do; None for a turn beyond the expected ones."
    )
    passed: bool
    codes: list[ErrorCode] = Field(default_factory=list)
    n_expected: int = 0
    n_actual: int = 0
    n_matched: int = 0
    calls: list[CallDetail] = Field(default_factory=list)


class CaseVerdict(BaseModel):
    """The verdict on one case: pass/fail, error codes, per-call details and call-level P/R/F1.

    ``n_matched`` counts calls that pass fully (name, arguments, values). Precision is
    ``n_matched / n_actual`` and recall ``n_matched / n_expected``; when both counts are 0 (a
    no-call case with no call made) precision = recall = f1 = 1; when only one of them is 0 all
    three are 0 (no vacuous credit).
    """

    model_config = ConfigDict(frozen=True)

    case_id: str
    mode: CheckMode
    passed: bool
    codes: list[ErrorCode] = Field(
        default_factory=list, description="Sorted unique codes of the case."
    )
    calls: list[CallDetail] = Field(default_factory=list)
    turns: list[TurnVerdict] = Field(default_factory=list)
    n_expected: int = 0
    n_actual: int = 0
    n_matched: int = 0
    precision: float = 1.0
    recall: float = 1.0
    f1: float = 1.0
