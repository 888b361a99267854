"""What the judge takes in and what it records."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evalstage.evalcore.hashing import content_hash
from evalstage.generation_eval.judge._parse import Shown

Verdict = Literal["A", "B", "tie"]
Order = Literal["AB", "BA", "single"]
"""``AB``: A shown first; ``BA``: B shown first; ``single``: a rubric judgement."""
Status = Literal["measured", "unmeasured"]

POSITION_INCONSISTENT = "position_inconsistent"
"""Flag of a pair whose two presentation orders gave different verdicts (counted as a tie)."""
SELF_JUDGED = "self_judged"
"""Flag of a judgement where the judge model is the model under test."""

MIRROR: dict[Verdict, Verdict] = {"A": "B", "B": "A", "tie": "tie"}


class PairItem(BaseModel):
    """Two answers to the same question, to be compared."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1)
    question: str
    answer_a: str
    answer_b: str
    model_a: str | None = None
    model_b: str | None = None

    def swapped(self) -> PairItem:
        """The same pair with A and B exchanged."""
        return self.model_copy(
            update={
                "answer_a": self.answer_b,
                "answer_b": self.answer_a,
                "model_a": self.model_b,
                "model_b": self.model_a,
            }
        )

    def shown(self, order: Order) -> tuple[str, str]:
        """The answers in presentation order."""
        return (self.answer_b, self.answer_a) if order == "BA" else (self.answer_a, self.answer_b)


class GradeItem(BaseModel):
    """One answer to grade against a rubric."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1)
    question: str
    answer: str
    model: str | None = None


def input_hash(question: str, *answers: str) -> str:
    """Hash of what the judge was shown (question and answers in presentation order)."""
    return content_hash({"question": question, "answers": list(answers)})


class JudgeCall(BaseModel):
    """One request to the judge and what came back (raw text kept, parsed or not)."""

    model_config = ConfigDict(frozen=True)

    order: Order
    input_sha256: str
    raw: str | None = None
    shown: Shown | None = Field(default=None, description="Pairwise verdict as presented.")
    level: str | None = Field(default=None, description="Rubric level, when mode is rubric.")
    error: str | None = Field(default=None, description="Transport error after retries.")
    latency_ms: float = 0.0
    attempts: int = 1

    @property
    def verdict(self) -> Verdict | None:
        """The pairwise verdict mapped back to A/B (``None`` when unreadable)."""
        if self.shown is None:
            return None
        if self.shown == "tie":
            return "tie"
        first = self.shown == "first"
        return "A" if first == (self.order != "BA") else "B"


class JudgeIdentity(BaseModel):
    """Everything that makes a judge this judge: prompt hash, rubric, model and parameters."""

    model_config = ConfigDict(frozen=True)

    mode: Literal["pairwise", "rubric"]
    prompt_name: str
    prompt_version: int
    prompt_sha256: str
    rubric_sha256: str | None = None
    model: str
    params: dict[str, Any] = Field(default_factory=dict)
    backend: str

    @property
    def key(self) -> str:
        """Stable key of the judge (the backend that served it does not change it)."""
        return content_hash(
            {
                "prompt": self.prompt_sha256,
                "rubric": self.rubric_sha256,
                "model": self.model,
                "params": self.params,
            }
        )[:16]

    @property
    def label(self) -> str:
        """``name-vN@hash12 model``."""
        return f"{self.prompt_name}-v{self.prompt_version}@{self.prompt_sha256[:12]} {self.model}"


class PairJudgement(BaseModel):
    """The judge's verdict on one pair, with every call behind it.

    ``verdict`` is ``None`` exactly when ``status`` is ``unmeasured`` (``reason`` says why).
    With both orders, a verdict counts only when both agree; otherwise it is a tie flagged
    :data:`POSITION_INCONSISTENT`.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    status: Status
    verdict: Verdict | None = None
    flags: list[str] = Field(default_factory=list)
    reason: str = ""
    calls: list[JudgeCall] = Field(default_factory=list)
    len_a: int = 0
    len_b: int = 0

    @property
    def consistent(self) -> bool | None:
        """Whether both orders agreed (``None`` without two readable calls)."""
        verdicts = [c.verdict for c in self.calls]
        if len(verdicts) != 2 or None in verdicts:
            return None
        return verdicts[0] == verdicts[1]


class GradeJudgement(BaseModel):
    """The judge's rubric level for one answer (``None`` and ``unmeasured`` when unreadable)."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: Status
    level: str | None = None
    score: float | None = Field(default=None, description="The level normalised to [0, 1].")
    flags: list[str] = Field(default_factory=list)
    reason: str = ""
    calls: list[JudgeCall] = Field(default_factory=list)
