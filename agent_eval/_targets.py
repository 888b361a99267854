"""Agent targets: the system under test, built from a ``{name, args}`` spec, and the case driver.

Targets:

* ``recorded`` (``args.path``: a JSONL file of outputs, relative to the suite folder) replays what
  an agent produced elsewhere;
* ``callable`` (``args.function``: ``module:function``) calls ``fn(messages, tools)``, which
  returns an :class:`AgentTurn`, an OpenAI-style assistant message dict, a list of
  ``{"name", "arguments"}`` calls, a string (a plain reply) or None (nothing);
* ``openai`` (``args``: the :class:`~evalcore.llm_client.ChatConfig` fields, ``tool_choice``,
  ``text_tool_calls``; see :mod:`agent_eval._openai_agent`) calls an OpenAI-compatible
  chat-completions endpoint with the case's tools;
* ``http`` (:mod:`agent_eval._http`) calls your own JSON agent service, one request per turn,
  reading the tool calls from a JSON path of its reply;
* ``system`` (:mod:`agent_eval._system`) calls the suite's end-to-end ``system:``, one call per
  turn, with the conversation and the tools;
* ``baseline`` (``args``: ``threshold``, ``max_calls``) is the built-in embedding-similarity agent.

A failure of the system under test on one case (any exception, including an exhausted-retries
:class:`~evalcore.llm_client.TargetError`) is recorded as that case's error and the run goes on;
a failure on a later turn keeps the turns before it, with the failure as the last turn's
``error`` (the case is scored on what was produced);
a bad target spec raises :class:`~evalcore.errors.SuiteError` before any case runs.

The live targets (``callable``, ``openai``, ``http``) take ``concurrency`` and
``requests_per_minute`` (:mod:`evalcore.concurrency`): cases run on a bounded thread pool (a
case's turns stay in order), and results are kept in case order.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from evalstage.agent_eval._baseline import BaselineAgent, BaselineConfig
from evalstage.agent_eval._cases import AgentCase, AgentTurn, ExpectedCall, ExpectedTurn, ToolCall
from evalstage.agent_eval._export import recorded_agent_kind
from evalstage.agent_eval._http import http_kind
from evalstage.agent_eval._openai_agent import OpenAIAgent, openai_agent_kind
from evalstage.agent_eval._system import system_kind
from evalstage.evalcore.adapters import (
    CallableArgs,
    CallableTarget,
    LiveCallableArgs,
    Recorded,
    RecordedArgs,
    callable_kind,
    live_target,
    open_target,
)
from evalstage.evalcore.concurrency import Pool, map_repeated
from evalstage.evalcore.llm_client import parse_tool_calls
from evalstage.evalcore.progress import counting
from evalstage.evalcore.suite import TargetSpec
from evalstage.evalcore.targets import (
    TargetKind,
    TargetRegistry,
    closing_target,
    describe_target,
    error_text,
    load_callable,
)

__all__ = [
    "AGENT_TARGETS",
    "TARGET_NAMES",
    "Agent",
    "AgentRun",
    "CallableAgent",
    "CallableArgs",
    "OpenAIAgent",
    "RecordedArgs",
    "build_agent",
    "coerce_turn",
    "drive_case",
    "load_callable",
    "run_agent",
    "run_agent_repeats",
    "tool_messages",
]

Messages = list[dict[str, Any]]
Tools = list[dict[str, Any]]


@runtime_checkable
class Agent(Protocol):
    """A tool-using agent: given the conversation so far and the tools, produce one turn."""

    def respond(
        self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]]
    ) -> AgentTurn:
        """Return the agent's next assistant turn (tool calls and/or a plain reply)."""
        ...


@dataclass
class AgentRun:
    """What a target produced: per case its turns, or the error that stopped it.

    A case id is in exactly one of ``turns`` and ``errors``. ``target`` describes the target for
    run records (no secrets).
    """

    turns: dict[str, list[AgentTurn]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


# ---------------------------------------------------------------------------- building
def coerce_turn(value: Any) -> AgentTurn:
    """Read what a callable agent returned as an :class:`AgentTurn`.

    Accepts an AgentTurn; an assistant message dict (``tool_calls`` in OpenAI form or as
    ``{"name", "arguments"}``, ``content``, legacy ``function_call``); a single call dict
    ``{"name", "arguments"}``; a list of calls (dicts or :class:`ToolCall`); a string (a plain
    reply); or None (no call, no reply). Anything else raises TypeError.
    """
    if isinstance(value, AgentTurn):
        return value
    if value is None:
        return AgentTurn()
    if isinstance(value, str):
        return AgentTurn(content=value)
    if isinstance(value, ToolCall):
        return AgentTurn(tool_calls=[value])
    if isinstance(value, Mapping):
        if "name" in value and "tool_calls" not in value and "content" not in value:
            calls = parse_tool_calls({"tool_calls": [value]})
        else:
            calls = parse_tool_calls(value)
        content = value.get("content")
        return AgentTurn(
            tool_calls=[ToolCall(name=c["name"], arguments=c["arguments"]) for c in calls],
            content=content if isinstance(content, str) else None,
        )
    if isinstance(value, list | tuple):
        items = [item.model_dump() if isinstance(item, ToolCall) else item for item in value]
        bad = [item for item in items if not isinstance(item, Mapping)]
        if bad:
            raise TypeError(
                f"a list returned by the agent must hold tool calls, got {type(bad[0]).__name__}"
            )
        calls = parse_tool_calls({"tool_calls": items})
        return AgentTurn(
            tool_calls=[ToolCall(name=c["name"], arguments=c["arguments"]) for c in calls]
        )
    raise TypeError(
        f"the agent returned {type(value).__name__}; return an AgentTurn, an assistant message "
        "dict, a list of {name, arguments} calls, a string or None"
    )


class CallableAgent(CallableTarget):
    """Wraps ``fn(messages, tools)`` (see :func:`coerce_turn` for what it may return)."""

    def respond(
        self, messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]]
    ) -> AgentTurn:
        """Call the function and coerce its result."""
        return coerce_turn(self.call(list(messages), list(tools)))


AGENT_TARGETS: TargetRegistry[Agent | Recorded[list[AgentTurn]]] = TargetRegistry(
    "agent",
    [
        recorded_agent_kind("outputs produced elsewhere (JSONL by case id and turn)"),
        callable_kind(CallableAgent, "fn(messages, tools) -> a turn", args=LiveCallableArgs),
        openai_agent_kind("an OpenAI-compatible chat endpoint, with the case's tools"),
        http_kind(),
        system_kind(),
        TargetKind(
            name="baseline",
            args=BaselineConfig,
            factory=lambda args, _context: BaselineAgent(args),
            deterministic=True,
            summary="the built-in embedding-similarity agent",
        ),
    ],
)
"""The agent stage's targets."""

TARGET_NAMES = AGENT_TARGETS.names


def build_agent(spec: TargetSpec, where: Path | None = None) -> Agent:
    """Build a live agent (``callable``, ``openai``, ``baseline``) from its spec."""
    agent: Agent = live_target(AGENT_TARGETS, spec, where)
    return agent


# ---------------------------------------------------------------------------- driving
def _arguments_text(arguments: Any) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)


def _result_text(result: Any) -> str:
    return result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)


def _argument_agreement(raw: Any) -> Callable[[ExpectedCall], int]:
    """How many of a call's arguments take one of an expected call's acceptable values."""
    try:
        args = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        args = None
    if not isinstance(args, dict):
        return lambda expected: 0

    def agreement(expected: ExpectedCall) -> int:
        return sum(
            1
            for name, value in args.items()
            if any(value == ok for ok in expected.arguments.get(name, []))
        )

    return agreement


def tool_messages(turn: AgentTurn, expected: ExpectedTurn, turn_index: int) -> Messages:
    """The messages that follow a turn with tool calls: the assistant message, then the results.

    The assistant message carries the turn's calls (with generated ids ``call_<turn>_<n>``);
    then one ``tool`` message per call. Results come from the expected turn's ``tool_results``:
    a call gets the result of the first unused expected call of the same name (when the turn
    names its calls), else the next unused result in order; a call with no result available
    gets an ``{"error": ...}`` result.
    """
    ids = [f"call_{turn_index}_{n}" for n in range(len(turn.tool_calls))]
    messages: Messages = [
        {
            "role": "assistant",
            "content": turn.content or "",  # some servers reject null content
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": _arguments_text(call.arguments)},
                }
                for call_id, call in zip(ids, turn.tool_calls, strict=True)
            ],
        }
    ]
    results = list(expected.tool_results)
    names = [c.name for c in expected.calls]
    used: set[int] = set()
    for call_id, call in zip(ids, turn.tool_calls, strict=True):
        if names:
            # the unused expected call of this name whose acceptable values the call's arguments
            # match best, so two calls to one tool in any order each get their own result
            same = [
                i
                for i in range(len(results))
                if i < len(names) and names[i] == call.name and i not in used
            ]
            agreement = _argument_agreement(call.arguments)
            index = max(same, key=lambda i: (agreement(expected.calls[i]), -i), default=None)
        else:
            index = next((i for i in range(len(results)) if i not in used), None)
        if index is None:
            content = json.dumps(
                {"error": f"no result is available for a call to '{call.name}' in this case"}
            )
        else:
            used.add(index)
            content = _result_text(results[index])
        messages.append({"role": "tool", "tool_call_id": call_id, "content": content})
    return messages


def drive_case(agent: Agent, case: AgentCase) -> list[AgentTurn]:
    """Run one case through all its expected turns and return the turns the agent produced.

    After each turn but the last, the assistant message with its calls and one ``tool`` message
    per call (see :func:`tool_messages`) are appended before the next turn is requested. The
    case stops early when the agent makes no call (there is nothing to feed back); what it
    produced is kept. Latency is measured per turn when the agent does not report it.
    An exception on the first turn propagates to the caller; on a later turn the case stops
    there with an empty turn carrying the failure in ``error``.
    """
    expected = case.expected_turns()
    conversation: Messages = [dict(m) for m in case.messages]
    tools: Tools = [dict(t) for t in case.tools]
    produced: list[AgentTurn] = []
    for index, turn_spec in enumerate(expected):
        began = time.perf_counter()
        try:
            turn = agent.respond(copy.deepcopy(conversation), copy.deepcopy(tools))
            if not isinstance(turn, AgentTurn):
                turn = coerce_turn(turn)
        except Exception as exc:
            if not produced:
                raise
            produced.append(AgentTurn(error=error_text(exc)))  # what came before still counts
            break
        elapsed = (time.perf_counter() - began) * 1000.0
        if turn.latency_ms is None:
            turn = turn.model_copy(update={"latency_ms": elapsed})
        produced.append(turn)
        if index == len(expected) - 1 or not turn.tool_calls:
            break
        conversation.extend(tool_messages(turn, turn_spec, index))
    return produced


def run_agent(
    spec: TargetSpec,
    cases: Sequence[AgentCase],
    *,
    suite_root: Path | None,
    recorded: Mapping[str, Sequence[AgentTurn]] | None = None,
    targets: TargetRegistry[Agent | Recorded[list[AgentTurn]]] = AGENT_TARGETS,
) -> AgentRun:
    """Run the target on every case.

    ``recorded`` (already-loaded outputs, case id to turns) serves the ``recorded`` target
    without reading ``args.path``. Any exception of the system under test on a case becomes that
    case's error; the run goes on. A bad spec raises :class:`SuiteError`.
    """
    started = time.perf_counter()
    lists = {k: list(v) for k, v in recorded.items()} if recorded is not None else None
    target = open_target(targets, spec, suite_root, lists)
    if isinstance(target, Recorded):
        turns, errors = target.replay([c.case_id for c in cases], "output for case '{key}'")
        return AgentRun(
            turns=turns,
            errors=errors,
            target=target.describe(),
            seconds=time.perf_counter() - started,
        )
    with closing_target(target):
        run = _live_runs(target, spec, cases, 1)[0]
    run.seconds = time.perf_counter() - started
    return run


def run_agent_repeats(
    spec: TargetSpec,
    cases: Sequence[AgentCase],
    *,
    suite_root: Path | None,
    repeats: int,
    targets: TargetRegistry[Agent | Recorded[list[AgentTurn]]] = AGENT_TARGETS,
) -> list[AgentRun]:
    """Drive every case through a live agent ``repeats`` times, all repeats in one pool.

    At most the target's ``concurrency`` cases are in flight, whichever repeat they belong to
    (a case's turns stay in order); one :class:`AgentRun` per repeat, in order.
    """
    started = time.perf_counter()
    target = live_target(targets, spec, suite_root / "suite.yaml" if suite_root else None)
    with closing_target(target):
        runs = _live_runs(target, spec, cases, repeats)
    for run in runs:
        run.seconds = time.perf_counter() - started
    return runs


def _live_runs(
    target: Any, spec: TargetSpec, cases: Sequence[AgentCase], repeats: int
) -> list[AgentRun]:
    described = describe_target(target, spec.name)
    runs = [AgentRun(target=described) for _ in range(repeats)]
    pool: Pool = getattr(target, "pool", None) or Pool()
    with counting("agent: cases", len(cases) * repeats) as advance:
        done = map_repeated(
            lambda case: drive_case(target, case), cases, repeats, pool.concurrency, advance
        )
        for run, results in zip(runs, done, strict=True):
            for case, result in zip(cases, results, strict=True):
                if result.error is not None:  # the system under test failed: record, go on
                    run.errors[case.case_id] = error_text(result.error)
                elif result.value is not None:
                    run.turns[case.case_id] = result.value
    return runs
