"""What one call of the end-to-end system gets and returns (see :mod:`evalcore.system`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SystemPassage", "SystemReply", "SystemRequest", "coerce_reply"]


class SystemPassage(BaseModel):
    """One passage the system retrieved (or was given): its doc id, text and score."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_id: str = Field(min_length=1)
    title: str = ""
    text: str = ""
    score: float | None = Field(default=None, allow_inf_nan=False)


class SystemReply(BaseModel):
    """What one call of the system returned."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answer: str | None = None
    passages: list[SystemPassage] = Field(
        default_factory=list, description="What the system retrieved, best first."
    )
    citations: list[list[int]] = Field(default_factory=list)
    tool_calls: list[dict[str, Any]] = Field(
        default_factory=list,
        description='An agent case\'s calls: {"name", "arguments"} (or OpenAI\'s {"function"}).',
    )
    latency_ms: float | None = Field(default=None, ge=0)
    prompt_tokens: int | None = Field(default=None, ge=0)
    completion_tokens: int | None = Field(default=None, ge=0)

    @property
    def doc_ids(self) -> list[str]:
        """The retrieved doc ids, best first."""
        return [p.doc_id for p in self.passages]

    def ranking(self) -> dict[str, float]:
        """Doc id -> score: the system's scores, or rank order when it gave none.

        A document returned more than once (several chunks of it) keeps its best score, or
        its first, best, position.
        """
        scored = bool(self.passages) and all(p.score is not None for p in self.passages)
        n = len(self.passages)
        out: dict[str, float] = {}
        for rank, p in enumerate(self.passages):
            score = float(p.score or 0.0) if scored else float(n - rank)
            out[p.doc_id] = max(score, out.get(p.doc_id, score))
        return out


class SystemRequest(BaseModel):
    """One call: a case's question, and the passages to answer from (None: its own retrieval)."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    question: str
    passages: list[dict[str, Any]] | None = None
    variant: str | None = None
    messages: list[dict[str, Any]] | None = Field(
        default=None, description="An agent turn: the conversation so far (OpenAI-style)."
    )
    tools: list[dict[str, Any]] | None = Field(default=None, description="An agent case's tools.")

    @property
    def key(self) -> str:
        """``case_id`` for the end-to-end call, ``case_id#variant`` for a given-passages one."""
        return self.case_id if self.variant is None else f"{self.case_id}#{self.variant}"


def _passage(item: Any) -> SystemPassage:
    if isinstance(item, str):
        return SystemPassage(doc_id=item)
    if isinstance(item, Mapping):
        return SystemPassage.model_validate(
            {k: item[k] for k in ("doc_id", "title", "text", "score") if k in item}
        )
    raise TypeError(f"a passage is a doc id or a dict with doc_id and text, not {item!r:.60}")


def coerce_reply(value: Any) -> SystemReply:
    """Read what a system returned: a string (the answer) or a dict (see ``docs/own-system.md``).

    A dict holds ``answer`` and optionally ``passages`` (``[{"doc_id", "text", "title",
    "score"}]`` or doc ids, best first) or ``doc_ids`` with ``scores``, and ``citations``,
    ``latency_ms``, ``prompt_tokens``, ``completion_tokens``.
    """
    if isinstance(value, SystemReply):
        return value
    if isinstance(value, str):
        return SystemReply(answer=value)
    if not isinstance(value, Mapping):
        raise TypeError(
            f"the system returned {type(value).__name__}; return a string or a dict with "
            "'answer' and 'passages'"
        )
    data = dict(value)
    passages = [_passage(p) for p in data.pop("passages", None) or []]
    ids, scores = data.pop("doc_ids", None), data.pop("scores", None)
    if ids is not None:
        if scores is not None and len(scores) != len(ids):
            raise TypeError("'scores' is not as long as 'doc_ids'")
        passages = passages or [
            SystemPassage(doc_id=str(d), score=None if scores is None else float(scores[i]))
            for i, d in enumerate(ids)
        ]
    return SystemReply.model_validate({**data, "passages": passages})
