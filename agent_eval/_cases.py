"""Agent cases and agent outputs: what was asked, which calls were expected, what was called."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from evalstage.evalcore.cases import CaseBase

CallOrder = Literal["ordered", "any"]


class ExpectedCall(BaseModel):
    """One expected tool call: the tool name and, per argument, the acceptable values.

    ``arguments`` maps each argument to a list of acceptable values (any one matches). An argument
    listed in ``optional`` may also be omitted. Arguments not mentioned must not be passed.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    arguments: dict[str, list[Any]] = Field(default_factory=dict)
    optional: list[str] = Field(default_factory=list)


class ExpectedTurn(BaseModel):
    """One expected assistant turn of a multi-step case.

    ``tool_results`` are fed back to the agent (as ``tool`` messages, one per expected call, in
    order) before the next turn is requested.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    expect: Literal["call", "no_call"] = "call"
    calls: list[ExpectedCall] = Field(default_factory=list)
    order: CallOrder = "any"
    tool_results: list[Any] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _empty_turn_is_no_call(cls, data: Any) -> Any:
        """A turn written with no calls and no ``expect`` (e.g. ``{}``) expects no call."""
        if isinstance(data, dict) and "expect" not in data and not data.get("calls"):
            return {**data, "expect": "no_call"}
        return data


class AgentCase(CaseBase):
    """A conversation, the tools offered (OpenAI function-tool format) and what should happen.

    Single-step cases use ``expect``/``expected_calls``/``order``; multi-step cases give ``turns``
    instead (one :class:`ExpectedTurn` per assistant turn).
    """

    case_id: str = Field(min_length=1)
    messages: list[dict[str, Any]] = Field(min_length=1)
    tools: list[dict[str, Any]] = Field(default_factory=list)
    expect: Literal["call", "no_call"] = "call"
    expected_calls: list[ExpectedCall] = Field(default_factory=list)
    order: CallOrder = "any"
    turns: list[ExpectedTurn] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> AgentCase:
        if self.draft:  # an imported case: the expected calls are written at review
            return self
        if self.turns is not None:
            if self.expected_calls:
                raise ValueError("give either 'turns' (multi-step) or 'expected_calls', not both")
            if not self.turns:
                raise ValueError("'turns' must hold at least one expected turn")
        elif self.expect == "call" and not self.expected_calls:
            raise ValueError("expect is 'call' but 'expected_calls' is empty")
        elif self.expect == "no_call" and self.expected_calls:
            raise ValueError("expect is 'no_call' but 'expected_calls' is not empty")
        return self

    def expected_turns(self) -> list[ExpectedTurn]:
        """The expected turns; a single-step case is one turn."""
        if self.turns is not None:
            return list(self.turns)
        return [ExpectedTurn(expect=self.expect, calls=self.expected_calls, order=self.order)]


class ToolCall(BaseModel):
    """A tool call as the agent made it; ``arguments`` is raw (a JSON string or an object)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str
    arguments: str | dict[str, Any] | Any = "{}"


class AgentTurn(BaseModel):
    """What the agent produced in one turn: tool calls, or a plain reply in ``content``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    tool_calls: list[ToolCall] = Field(default_factory=list)
    content: str | None = None
    latency_ms: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    prompt_tokens: int | None = Field(default=None, ge=0)
    completion_tokens: int | None = Field(default=None, ge=0)
    error: str | None = Field(
        default=None,
        description="Why the agent produced nothing for this turn (its request failed); the "
        "turns before it are scored as produced.",
    )
    notes: list[str] = Field(
        default_factory=list,
        description="What the harness noticed: calls read from text, a reply cut at max_tokens, "
        "implausible token counts.",
    )


class AgentOutput(BaseModel):
    """A recorded output line: ``{"case_id", "turn"?, "tool_calls": [...]}`` or ``content``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    case_id: str = Field(min_length=1)
    turn: int = Field(default=0, ge=0)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    content: str | None = None

    def as_turn(self) -> AgentTurn:
        """The output as an :class:`AgentTurn`."""
        return AgentTurn(tool_calls=self.tool_calls, content=self.content)
