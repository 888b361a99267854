"""One logged request/response (an *exchange*), whatever it was read from."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Context(BaseModel):
    """A passage the system retrieved for the request."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    text: str = ""
    score: float | None = None


class Call(BaseModel):
    """A tool call the system made: the tool's name and its arguments (parsed when JSON)."""

    model_config = ConfigDict(frozen=True)

    name: str
    arguments: Any = Field(default_factory=dict)


class Exchange(BaseModel):
    """What one request asked and what the system did: retrieved, answered, called.

    ``origin`` says where it was read (``file:line`` or ``trace <id>``); ``feedback``,
    ``error`` and ``latency_ms`` are the failure signals selection favours.
    """

    record_id: str
    origin: str
    question: str
    messages: list[dict[str, Any]] = Field(default_factory=list)
    contexts: list[Context] = Field(default_factory=list)
    answer: str | None = None
    tool_calls: list[Call] = Field(default_factory=list)
    tools: list[dict[str, Any]] = Field(default_factory=list)
    feedback: Any = None
    error: str | None = None
    latency_ms: float | None = None
