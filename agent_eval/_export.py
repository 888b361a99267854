"""Every agent turn's exact inputs, as JSONL any system can answer offline; recorded replies back.

One line per turn a case asks, in run order, keyed as the ``recorded`` target reads outputs
back (``case_id`` and ``turn``)::

    {"case_id": "c1", "turn": 0, "messages": [...], "tools": [...]}

``messages`` are the conversation exactly as the live targets send it: the case's messages
for turn 0; for a later turn of a multi-step case, the conversation after the earlier turns
made their *expected* calls (the first acceptable value of each argument) and got the case's
``tool_results`` back (:func:`agent_eval._targets.tool_messages`). A case's export stops at
its first turn that expects no call (nothing is fed back after it). The expected calls are
not written.

:class:`RecordedAgent` replays the answers and, before anything runs, refuses a line for a
case the suite does not ask or for a turn the case does not have; with ``strict: true`` a case
without any line is refused too (by default it is that case's ``error``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import Field

from evalstage.agent_eval._cases import AgentCase, AgentTurn, ExpectedCall, ToolCall
from evalstage.agent_eval._outputs import load_outputs
from evalstage.evalcore.adapters import Recorded, RecordedArgs
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import write_text_atomic
from evalstage.evalcore.loaders import iter_jsonl
from evalstage.evalcore.targets import TargetContext, TargetKind

__all__ = ["RecordedAgent", "RecordedAgentArgs", "export_turns", "write_agent_inputs"]

_SHOWN = 5


def _gold_call(call: ExpectedCall) -> ToolCall:
    arguments = {}
    for name, values in call.arguments.items():
        usable = [v for v in values if v != ""]  # "" marks an argument that may be left out
        if usable:
            arguments[name] = usable[0]
    return ToolCall(name=call.name, arguments=arguments)


def export_turns(case: AgentCase) -> Iterator[dict[str, Any]]:
    """The exported lines of one case (see the module docstring)."""
    from evalstage.agent_eval._targets import tool_messages

    conversation = [dict(m) for m in case.messages]
    tools = [dict(t) for t in case.tools]
    expected = case.expected_turns()
    for index, turn in enumerate(expected):
        yield {
            "case_id": case.case_id,
            "turn": index,
            "messages": [dict(m) for m in conversation],
            "tools": tools,
        }
        if index == len(expected) - 1 or not turn.calls:
            return
        gold = AgentTurn(tool_calls=[_gold_call(c) for c in turn.calls])
        conversation.extend(tool_messages(gold, turn, index))


def write_agent_inputs(cases: Iterable[AgentCase], out: Path) -> int:
    """Write every active case's turns to ``out`` (atomically); the number of lines."""
    import json

    lines = [
        json.dumps(record, ensure_ascii=False)
        for case in cases
        if not case.retired
        for record in export_turns(case)
    ]
    write_text_atomic(out, "".join(line + "\n" for line in lines))
    return len(lines)


class RecordedAgentArgs(RecordedArgs):
    """Arguments of the agent ``recorded`` target."""

    strict: bool = Field(
        default=False,
        description="A case without any line stops the run before it starts (by default that "
        "case is recorded as an error).",
    )


def _shown(ids: list[str]) -> str:
    more = f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else ""
    return ", ".join(f"'{i}'" for i in ids[:_SHOWN]) + more


class RecordedAgent(Recorded[list[AgentTurn]]):
    """Recorded agent outputs that check themselves against the suite's cases."""

    def __init__(self, path: Path, args: dict[str, Any]) -> None:
        super().__init__(load_outputs(path), str(path), args)
        self.path = path
        self.strict = bool(args.get("strict"))

    def _line(self, case_id: str, turn: int | None = None) -> int | None:
        for line, record in iter_jsonl(self.path):
            if record.get("case_id") == case_id and (turn is None or record.get("turn", 0) == turn):
                return line
        return None

    def preflight(self, inputs: Any) -> None:
        """Before any stage runs: every line names an active case and one of its turns."""
        cases = {c.case_id: c for c in inputs.active_cases}
        for case_id, turns in self.outputs.items():
            case = cases.get(case_id)
            if case is None:
                raise SuiteError(
                    f"an output for case '{case_id}', which this suite does not have (or has "
                    "retired)",
                    path=self.path,
                    line=self._line(case_id),
                    field="case_id",
                    hint="answer the file `evalstage export-inputs --stage agent` writes for "
                    "this suite as it is now",
                )
            asked = len(list(export_turns(case)))
            if len(turns) > asked:
                raise SuiteError(
                    f"case '{case_id}' has {len(turns)} recorded turns; the run asks "
                    f"{asked} (turns 0..{asked - 1})",
                    path=self.path,
                    line=self._line(case_id, asked),
                    field="turn",
                    hint="write one line per line of `evalstage export-inputs --stage agent`",
                )
        missing = [c for c in cases if c not in self.outputs]
        if missing and self.strict:
            raise SuiteError(
                f"no output for {len(missing)} of the {len(cases)} cases the run asks: "
                f"{_shown(missing)}",
                path=self.path,
                field="case_id",
                hint="write one line per line of `evalstage export-inputs --stage agent`, or "
                "set strict: false to record the missing ones as errors",
            )


def recorded_agent_kind(summary: str) -> TargetKind[Any]:
    """The agent stage's ``recorded`` kind (args: :class:`RecordedAgentArgs`)."""

    def build(args: RecordedAgentArgs, context: TargetContext) -> RecordedAgent:
        return RecordedAgent(context.path(args.path), args.model_dump())

    return TargetKind(
        name="recorded",
        args=RecordedAgentArgs,
        factory=build,
        deterministic=True,
        summary=summary,
    )
