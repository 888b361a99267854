"""The built-in ``baseline`` agent: an honest, weak, deterministic tool caller.

It picks tools by embedding similarity (the bundled all-MiniLM-L6-v2, loaded once, offline)
between the last user message and each tool's name and description, makes no call when nothing is
similar enough, and fills arguments by type-directed extraction from the request text. It exists
so that every agent suite has a floor to compare real agents against, not to be good.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from evalstage.agent_eval._cases import AgentTurn, ToolCall
from evalstage.agent_eval._extract import extract_arguments

__all__ = [
    "BaselineAgent",
    "BaselineConfig",
    "Encoder",
    "extract_arguments",
    "last_user_text",
    "split_request",
    "tool_text",
]

Vectors = npt.NDArray[np.float32]
Encoder = Callable[[Sequence[str]], Vectors]
"""Texts in, one L2-normalised embedding per row out."""

NO_TOOL_REPLY = "None of the available tools fits this request."


class BaselineConfig(BaseModel):
    """Options of the baseline agent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float = Field(
        default=0.25,
        ge=-1.0,
        le=1.0,
        description="Minimum cosine similarity between the request and a tool for a call.",
    )
    max_calls: int = Field(
        default=3, ge=1, description="Most calls made in one turn (1 disables splitting)."
    )


# ---------------------------------------------------------------------------- request text
def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return " ".join(
            str(part.get("text", "")) for part in content if isinstance(part, Mapping)
        ).strip()
    return ""


def last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The text of the last ``user`` message ("" when there is none)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return _content_text(message.get("content"))
    return ""


def _tool_results_since_user(messages: Sequence[Mapping[str, Any]]) -> list[str] | None:
    """Tool results after the last user message, or None when no tool was called since."""
    results: list[str] = []
    called = False
    for message in reversed(messages):
        role = message.get("role")
        if role == "user":
            break
        if role == "tool":
            results.append(_content_text(message.get("content")))
        if role == "assistant" and message.get("tool_calls"):
            called = True
    return list(reversed(results)) if called else None


_SPLIT = re.compile(r"\s*(?:;|\band also\b|\balso\b|\band\b)\s*", re.IGNORECASE)


def split_request(text: str) -> list[str]:
    """Split a request on ``;``, "also" and "and"; parts of fewer than 2 words are dropped."""
    parts = [part.strip(" ,.?!") for part in _SPLIT.split(text)]
    return [part for part in parts if len(part.split()) >= 2]


def tool_text(tool: Mapping[str, Any]) -> str:
    """A tool's name (words split) and description, the text its embedding is computed from."""
    function = _function(tool)
    name = str(function.get("name", ""))
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    words = re.sub(r"[_\-.]+", " ", words).strip()
    description = str(function.get("description") or "").strip()
    return f"{words}: {description}" if description else words


def _function(tool: Mapping[str, Any]) -> Mapping[str, Any]:
    function = tool.get("function")
    return function if isinstance(function, Mapping) else tool


# ---------------------------------------------------------------------------- arguments
# ---------------------------------------------------------------------------- the agent
def _default_encoder(texts: Sequence[str]) -> Vectors:
    from evalstage.evalcore.sentence_models import load_sentence_model

    vectors = load_sentence_model().encode(
        list(texts), convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)


class BaselineAgent:
    """The built-in baseline: implements the ``Agent`` protocol (``respond(messages, tools)``).

    After its tools have been called (tool results follow the last user message) it answers
    with the results as plain text and makes no further call.
    """

    def __init__(self, config: BaselineConfig | None = None, *, encoder: Encoder | None = None):
        self.config = config if config is not None else BaselineConfig()
        self._encode = encoder if encoder is not None else _default_encoder
        self._tool_vectors: dict[str, Vectors] = {}

    def describe(self) -> dict[str, Any]:
        """A description for run records."""
        return {"kind": "baseline", "model": "all-MiniLM-L6-v2", **self.config.model_dump()}

    def _vectors_for(self, texts: Sequence[str]) -> Vectors:
        missing = [t for t in dict.fromkeys(texts) if t not in self._tool_vectors]
        if missing:
            for text, vector in zip(missing, self._encode(missing), strict=True):
                self._tool_vectors[text] = vector
        return np.stack([self._tool_vectors[t] for t in texts])

    def _similarities(self, queries: Sequence[str], tools: Sequence[Mapping[str, Any]]) -> Vectors:
        tool_vectors = self._vectors_for([tool_text(t) for t in tools])
        query_vectors = np.asarray(self._encode(list(queries)), dtype=np.float32)
        return np.asarray(query_vectors @ tool_vectors.T, dtype=np.float32)

    def _call(self, text: str, tool: Mapping[str, Any]) -> tuple[ToolCall, bool]:
        """The call for ``tool`` with arguments from ``text``; whether every required one is set."""
        function = _function(tool)
        parameters = function.get("parameters")
        parameters = parameters if isinstance(parameters, Mapping) else {}
        args = extract_arguments(text, parameters)
        complete = all(name in args for name in parameters.get("required") or [])
        return ToolCall(name=str(function.get("name", "")), arguments=args), complete

    def respond(
        self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]]
    ) -> AgentTurn:
        """Choose zero or more tool calls for the conversation so far."""
        results = _tool_results_since_user(messages)
        if results is not None:
            return AgentTurn(content="\n".join(r for r in results if r) or "Done.")
        text = last_user_text(messages)
        if not tools or not text.strip():
            return AgentTurn(content=NO_TOOL_REPLY)
        threshold = self.config.threshold
        parts = split_request(text) if self.config.max_calls > 1 else []
        queries = [text, *parts] if len(parts) >= 2 else [text]
        scores = self._similarities(queries, tools)
        best = int(np.argmax(scores[0]))
        if float(scores[0, best]) < threshold:
            return AgentTurn(content=NO_TOOL_REPLY)
        if len(queries) > 1:
            calls: list[ToolCall] = []
            for part, row in zip(parts, scores[1:], strict=True):
                choice = int(np.argmax(row))
                if float(row[choice]) < threshold:
                    continue
                call, complete = self._call(part, tools[choice])
                if complete and not any(_same(call, c) for c in calls):
                    calls.append(call)
            if len(calls) >= 2:
                return AgentTurn(tool_calls=calls[: self.config.max_calls])
        call, _ = self._call(text, tools[best])
        return AgentTurn(tool_calls=[call])


def _same(a: ToolCall, b: ToolCall) -> bool:
    return a.name == b.name and json.dumps(a.arguments, sort_keys=True) == json.dumps(
        b.arguments, sort_keys=True
    )
