"""The ``openai`` agent target: an OpenAI-compatible chat endpoint, with the case's tools.

Its ``args`` are the :class:`~evalcore.llm_client.ChatConfig` fields, ``concurrency`` and
``requests_per_minute`` (:mod:`evalcore.concurrency`), plus:

* ``tool_choice`` (default ``"auto"``): sent with every request that offers tools (``"auto"``,
  ``"required"``, ``"none"`` or ``{"type": "function", "function": {"name": ...}}``); ``null``
  sends none. Some servers (vLLM with ``--enable-auto-tool-choice``) only parse tool calls when
  it is sent.
* ``text_tool_calls`` (default true): when the reply has no ``tool_calls``, read the calls a
  model wrote as text in ``content`` (:func:`text_tool_calls`), as models whose chat template
  the server does not parse do (Qwen, Hermes: ``<tool_call>{"name": ..., "arguments": ...}
  </tool_call>``; others: a bare JSON object or list of them).

A reply cut at ``max_tokens`` (``finish_reason: "length"``) and implausible token counts are
kept in the turn's ``notes``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from evalstage.agent_eval._cases import AgentTurn, ToolCall
from evalstage.evalcore.adapters import LiveChatConfig, OpenAITarget, open_client, pool_of
from evalstage.evalcore.concurrency import Pool
from evalstage.evalcore.llm_client import ChatClient
from evalstage.evalcore.targets import TargetContext, TargetKind

__all__ = ["AgentChatConfig", "OpenAIAgent", "openai_agent_kind", "text_tool_calls"]


class AgentChatConfig(LiveChatConfig):
    """The ``openai`` agent target's args: chat config, concurrency, tool choice, text calls."""

    tool_choice: str | dict[str, Any] | None = Field(
        default="auto", description="Sent when tools are offered; null: not sent."
    )
    text_tool_calls: bool = Field(
        default=True, description="Read calls written as JSON text in content."
    )


_BLOCK = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def _as_call(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping) or not isinstance(value.get("name"), str):
        return None
    if "function" in value and isinstance(value["function"], Mapping):
        return _as_call(value["function"])
    arguments = value.get("arguments", value.get("parameters"))
    if arguments is None:
        return None
    return {"name": value["name"], "arguments": arguments}


def _calls_in(text: str) -> list[dict[str, Any]] | None:
    """The calls a JSON text holds (an object or a list of them), or None."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    items = value if isinstance(value, list) else [value]
    calls = [_as_call(item) for item in items]
    if not calls or any(c is None for c in calls):
        return None
    return [c for c in calls if c is not None]


def text_tool_calls(content: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Tool calls written as text in ``content``, and the text left around them.

    ``<tool_call>...</tool_call>`` blocks (the last one may be unclosed) each hold one JSON call
    ``{"name", "arguments"}``; otherwise the whole content (code fences allowed) must be a JSON
    call or a list of calls. ``arguments`` may be an object or a JSON string (``parameters`` is
    read as ``arguments``). Anything else gives no calls and the content unchanged.
    """
    if not content or not content.strip():
        return [], content
    if "<tool_call>" in content:
        calls: list[dict[str, Any]] = []
        for block in _BLOCK.findall(content):
            found = _calls_in(block)
            if found is None:
                return [], content  # a block we cannot read: leave the reply as it is
            calls.extend(found)
        rest = _BLOCK.sub("", content).strip()
        return calls, rest or None
    text = content.strip()
    fenced = _FENCE.match(text)
    found = _calls_in(fenced.group(1) if fenced else text)
    return (found, None) if found else ([], content)


class OpenAIAgent(OpenAITarget):
    """An agent behind an OpenAI-compatible chat-completions endpoint."""

    def __init__(
        self,
        client: ChatClient,
        *,
        tool_choice: str | Mapping[str, Any] | None = "auto",
        read_text_calls: bool = True,
        pool: Pool | None = None,
    ) -> None:
        super().__init__(client, pool)
        self.tool_choice = tool_choice
        self.read_text_calls = read_text_calls

    def describe(self) -> dict[str, Any]:
        """The client's description, with ``tool_choice`` and ``text_tool_calls``."""
        return {
            **super().describe(),
            "tool_choice": self.tool_choice,
            "text_tool_calls": self.read_text_calls,
        }

    def respond(
        self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]]
    ) -> AgentTurn:
        """One chat-completions request with the case's tools."""
        offered = list(tools) or None
        result = self.client.chat(
            messages, tools=offered, tool_choice=self.tool_choice if offered else None
        )
        calls, content, notes = result.tool_calls, result.content, []
        if not calls and self.read_text_calls:
            calls, content = text_tool_calls(result.content)
            if calls:
                notes.append(f"{len(calls)} tool call(s) read from the reply's text")
        if result.truncated:
            notes.append("reply cut at max_tokens (finish_reason: length)")
        if result.usage_warning:
            notes.append(result.usage_warning)
        return AgentTurn(
            tool_calls=[ToolCall(name=c["name"], arguments=c["arguments"]) for c in calls],
            content=content,
            latency_ms=result.latency_ms,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            notes=notes,
        )


def openai_agent_kind(summary: str) -> TargetKind[Any]:
    """The agent stage's ``openai`` kind (args: :class:`AgentChatConfig`)."""

    def build(args: AgentChatConfig, context: TargetContext) -> OpenAIAgent:
        pool = pool_of(args)
        return OpenAIAgent(
            open_client(args, context.where, pool),
            tool_choice=args.tool_choice,
            read_text_calls=args.text_tool_calls,
            pool=pool,
        )

    return TargetKind(name="openai", args=AgentChatConfig, factory=build, summary=summary)
