"""The agent stage's ``http`` target: your own JSON agent service, one request per turn.

``args`` (:class:`HttpAgentArgs`) are the request
(:class:`~evalcore.http_service.HttpServiceConfig`) and the paths of the reply: ``tool_calls``
(e.g. ``output.calls``: a list of ``{"name", "arguments"}`` or OpenAI-style ``{"function":
{"name", "arguments"}}`` items; null is no call, a reply without the path is malformed),
optionally ``content`` (a plain reply) and token counts. The body's
placeholders are :data:`PLACEHOLDERS`; the default body is ``{"messages": "$messages", "tools":
"$tools"}``. A reply that does not fit the paths is that turn's error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import Field, field_validator

from evalstage.agent_eval._cases import AgentTurn, ToolCall
from evalstage.evalcore.http_service import (
    HttpServiceConfig,
    HttpTarget,
    check_paths,
    token_count,
)
from evalstage.evalcore.json_path import PathError, parse_path, render_template, select
from evalstage.evalcore.llm_client import parse_tool_calls
from evalstage.evalcore.llm_config import TargetError
from evalstage.evalcore.targets import TargetKind

__all__ = ["DEFAULT_BODY", "PLACEHOLDERS", "HttpAgent", "HttpAgentArgs", "http_kind"]

PLACEHOLDERS = {
    "messages": "the conversation so far: OpenAI-style messages (a list)",
    "tools": "the case's tools: OpenAI function tools (a list)",
    "last_message": "the text of the last message (a string)",
}
"""The placeholders an agent ``http`` body may use."""

DEFAULT_BODY = {"messages": "$messages", "tools": "$tools"}


class HttpAgentArgs(HttpServiceConfig):
    """The agent ``http`` target's args: the request and the reply's paths."""

    tool_calls: str = Field(
        default="tool_calls", description="Path of the tool calls, e.g. output.calls."
    )
    content: str | None = Field(default=None, description="Path of a plain reply text.")
    prompt_tokens: str | None = Field(default=None, description="Path of the prompt tokens.")
    completion_tokens: str | None = Field(default=None, description="Path of completion tokens.")

    PLACEHOLDERS: ClassVar[dict[str, str]] = PLACEHOLDERS
    DEFAULT_BODY: ClassVar[Any] = DEFAULT_BODY

    @field_validator("tool_calls", "content", "prompt_tokens", "completion_tokens")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        check_paths(value)
        return value


def _optional(data: Any, path: str | None) -> Any:
    if path is None:
        return None
    try:
        return select(data, parse_path(path))
    except PathError:
        if isinstance(data, Mapping):  # a path whose last key is absent: nothing there
            return None
        raise


def _count(data: Any, path: str | None) -> int | None:
    return token_count(_optional(data, path), path)


def read_turn(data: Any, args: HttpAgentArgs) -> AgentTurn:
    """The :class:`AgentTurn` in a reply's JSON; :class:`PathError` says what does not fit."""
    if not isinstance(data, Mapping):
        raise PathError(f"the reply is not a JSON object but {type(data).__name__}")
    calls = select(data, parse_path(args.tool_calls))  # null: no call; absent: malformed
    if calls is not None and not isinstance(calls, list):
        raise PathError(f"{args.tool_calls} is not a list of tool calls")
    if any(not isinstance(item, Mapping) for item in calls or []):
        raise PathError(f"{args.tool_calls} holds something that is not a call object")
    parsed = parse_tool_calls({"tool_calls": calls or []})
    if any(not c["name"] for c in parsed):
        raise PathError(f"{args.tool_calls} holds a call without a name")
    content = _optional(data, args.content)
    if content is not None and not isinstance(content, str):
        raise PathError(f"{args.content} is not a string but {type(content).__name__}")
    return AgentTurn(
        tool_calls=[ToolCall(name=c["name"], arguments=c["arguments"]) for c in parsed],
        content=content,
        prompt_tokens=_count(data, args.prompt_tokens),
        completion_tokens=_count(data, args.completion_tokens),
    )


class HttpAgent(HttpTarget):
    """An agent behind a JSON HTTP service, one request per turn."""

    args: HttpAgentArgs

    def paths(self) -> dict[str, Any]:
        """The reply paths read."""
        names = ("tool_calls", "content", "prompt_tokens", "completion_tokens")
        return {k: getattr(self.args, k) for k in names if getattr(self.args, k)}

    def respond(
        self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]]
    ) -> AgentTurn:
        """One request; the turn read from the reply's paths."""
        last = messages[-1].get("content") if messages else ""
        values = {
            "messages": [dict(m) for m in messages],
            "tools": [dict(t) for t in tools],
            "last_message": last if isinstance(last, str) else "",
        }
        reply = self.client.call(render_template(self.args.template, values))
        try:
            turn = read_turn(reply.data, self.args)
        except PathError as exc:
            raise TargetError(f"malformed reply: {exc}", attempts=reply.attempts) from None
        return turn.model_copy(update={"latency_ms": reply.latency_ms})


def http_kind() -> TargetKind[Any]:
    """The ``http`` kind of the agent stage."""
    return TargetKind(
        name="http",
        args=HttpAgentArgs,
        factory=HttpAgent.build,
        summary="your own JSON-over-HTTP agent service (body template, tool-call path)",
    )
