"""The agent stage's ``system`` target: the suite's end-to-end system, one call per turn.

Each turn asks the system (:mod:`evalcore.system`) with the conversation so far and the case's
tools (a callable gets ``fn(question, None, messages=..., tools=...)``, the ``http`` system the
``$messages`` and ``$tools`` placeholders) and reads the tool calls it made (``tool_calls``)
and its reply text (``answer``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalstage.agent_eval._cases import AgentTurn, ToolCall
from evalstage.evalcore.chat_reply import parse_tool_calls
from evalstage.evalcore.llm_config import TargetError
from evalstage.evalcore.system import (
    SystemAdapter,
    SystemRequest,
    SystemTargetArgs,
    open_stage_system,
)
from evalstage.evalcore.targets import TargetContext, TargetKind


def _last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            return str(message["content"])
    return ""


class SystemAgent(SystemAdapter):
    """The end-to-end system as the agent stage's target."""

    def respond(
        self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]]
    ) -> AgentTurn:
        """One call with the conversation and the tools; the turn it produced."""
        request = SystemRequest(
            case_id="",
            question=_last_user_text(messages),
            messages=[dict(m) for m in messages],
            tools=[dict(t) for t in tools],
        )
        reply = self.system.ask(request)
        calls = parse_tool_calls({"tool_calls": reply.tool_calls})
        if any(not c["name"] for c in calls):
            raise TargetError("malformed reply: a tool call without a name")
        return AgentTurn(
            tool_calls=[ToolCall(name=c["name"], arguments=c["arguments"]) for c in calls],
            content=reply.answer,
            latency_ms=reply.latency_ms,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
        )


def _build(args: SystemTargetArgs, context: TargetContext) -> SystemAgent:
    return SystemAgent(open_stage_system(args, context))


def system_kind() -> TargetKind[Any]:
    """The ``system`` kind of the agent stage."""
    return TargetKind(
        name="system",
        args=SystemTargetArgs,
        factory=_build,
        summary="the suite's end-to-end system (its system: block): its tool calls",
    )
