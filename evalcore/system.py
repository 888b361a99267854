"""The end-to-end system: one call per case returns the answer and what the system retrieved.

A suite declares the team's whole system once, in a top-level ``system:`` block of
``suite.yaml`` (``{name, args}``, one of :data:`SYSTEM_TARGETS`: ``callable``, ``http``,
``recorded``); a stage selects it with ``target: {name: system}``. One call
(:class:`SystemRequest` without passages) returns a :class:`SystemReply`: the answer and the
passages (doc ids, texts, scores) the system retrieved. The retrieval stage scores that ranking,
the generation stage scores that answer over those passages (its ``retrieved`` variant); the
oracle variants ask the system again *with* given passages; an agent stage asks it once per
turn with the conversation and the tools (:attr:`SystemRequest.messages`) and reads its
``tool_calls``.

Within a run each question is asked once (per repeat), however many stages read it: the run
asks every question up front (:func:`ask_questions`) and hands the stages the replies file
(``target.args.replies``, :class:`SystemTargetArgs`); a stage replays a question found there
(:class:`StageSystem`) and asks the system only for what the file lacks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evalstage.evalcore.adapters import CallableTarget, LiveCallableArgs, RecordedArgs, pool_of
from evalstage.evalcore.concurrency import Pool, map_in_order
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import is_file
from evalstage.evalcore.llm_config import TargetError
from evalstage.evalcore.loaders import iter_jsonl, load_yaml_model, validation_error
from evalstage.evalcore.suite import TargetSpec
from evalstage.evalcore.system_http import HttpSystem, HttpSystemArgs
from evalstage.evalcore.system_reply import (
    SystemPassage,
    SystemReply,
    SystemRequest,
    coerce_reply,
)
from evalstage.evalcore.targets import (
    TargetContext,
    TargetKind,
    TargetRegistry,
    error_text,
    load_callable,
)

__all__ = [
    "SYSTEM_TARGETS",
    "StageSystem",
    "SystemPassage",
    "SystemReply",
    "SystemRequest",
    "SystemTargetArgs",
    "ask_questions",
    "coerce_reply",
    "open_stage_system",
    "suite_system_spec",
]


class System(Protocol):
    """The team's system: answer a request (with its own retrieval when given no passages)."""

    pool: Pool

    def ask(self, request: SystemRequest) -> SystemReply:
        """One call."""
        ...


class CallableSystem(CallableTarget):
    """``fn(question, passages)``: passages is None for the end-to-end call.

    An agent turn is ``fn(question, None, messages=..., tools=...)`` (``question``: the last
    user message's text).
    """

    def ask(self, request: SystemRequest) -> SystemReply:
        """Call the function and read its reply."""
        began = time.perf_counter()
        if request.messages is not None:
            self.pool.wait()
            value = self.function(
                request.question, None, messages=request.messages, tools=request.tools or []
            )
        else:
            value = self.call(request.question, request.passages)
        reply = coerce_reply(value)
        if reply.latency_ms is None:
            elapsed = (time.perf_counter() - began) * 1000.0
            reply = reply.model_copy(update={"latency_ms": elapsed})
        return reply


class RecordedSystem:
    """Replies produced elsewhere: a JSONL line per call, keyed by ``case_id`` (and ``variant``).

    A line without ``variant`` is the end-to-end call's reply (answer and passages); a line
    with one answers that generation variant's given passages.
    """

    def __init__(self, path: Path, args: dict[str, Any]) -> None:
        self.path = path
        self.args = args
        self.pool = Pool()
        self.replies: dict[str, SystemReply] = {}
        for line, obj in iter_jsonl(path):
            case_id, variant = obj.pop("case_id", None), obj.pop("variant", None)
            if not isinstance(case_id, str) or not case_id:
                raise SuiteError(
                    "the line has no 'case_id'",
                    path=path,
                    line=line,
                    field="case_id",
                    hint='write {"case_id": "...", "answer": "...", "passages": [...]} per line',
                )
            try:
                reply = SystemReply.model_validate(obj)
            except ValidationError as exc:
                raise validation_error(exc, SystemReply, path, line) from exc
            key = case_id if variant is None else f"{case_id}#{variant}"
            if key in self.replies:
                raise SuiteError(
                    f"a second reply for '{key}'", path=path, line=line, field="case_id"
                )
            self.replies[key] = reply

    def describe(self) -> dict[str, Any]:
        """For run records."""
        return {"kind": "recorded", **self.args}

    def ask(self, request: SystemRequest) -> SystemReply:
        """The recorded reply of the request's key; none recorded is that case's error."""
        if request.messages is not None:
            raise TargetError(
                "a recorded system holds no agent turns: give the agent stage its own recorded "
                "target (evalstage export-inputs --stage agent)"
            )
        found = self.replies.get(request.key)
        if found is None:
            raise TargetError(f"no recorded reply for '{request.key}' in {self.path.name}")
        return found


def _recorded(args: RecordedArgs, context: TargetContext) -> RecordedSystem:
    path = context.path(args.path)
    if not is_file(path):
        raise SuiteError(
            f"recorded replies not found: {path}",
            path=context.where,
            field="system.args.path",
            hint="give the JSONL file's path relative to the suite folder",
        )
    return RecordedSystem(path, args.model_dump())


def _callable(args: LiveCallableArgs, context: TargetContext) -> CallableSystem:
    return CallableSystem(load_callable(args.function, context.where), args.function, pool_of(args))


SYSTEM_TARGETS: TargetRegistry[System] = TargetRegistry(
    "system",
    [
        TargetKind(
            name="callable",
            args=LiveCallableArgs,
            factory=_callable,
            summary="fn(question, passages=None) -> {answer, passages}",
        ),
        TargetKind(
            name="http",
            args=HttpSystemArgs,
            factory=HttpSystem.build,
            summary="your own JSON-over-HTTP RAG service (body template, reply paths)",
        ),
        TargetKind(
            name="recorded",
            args=RecordedArgs,
            factory=_recorded,
            deterministic=True,
            summary="replies produced elsewhere (JSONL by case id and variant)",
        ),
    ],
)
"""What a suite's ``system:`` block may name."""


class SystemTargetArgs(BaseModel):
    """The ``args`` of a stage's ``system`` target (the system itself is the ``system:`` block)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    replies: str | None = Field(
        default=None,
        description="Set by the run: the replies of the end-to-end calls already made (JSONL), "
        "so that each question is asked once, whatever the stages that read it.",
    )


class _Manifest(BaseModel):
    model_config = ConfigDict(extra="allow")

    system: TargetSpec | None = None


def suite_system_spec(context: TargetContext) -> TargetSpec:
    """The suite's ``system:`` block; a suite without one raises :class:`SuiteError`."""
    where = context.where
    spec = load_yaml_model(where, _Manifest).system if where is not None else None
    if spec is None:
        raise SuiteError(
            "a stage's target is 'system', but suite.yaml has no 'system:' block",
            path=where,
            field="system",
            hint="add a top-level 'system: {name: callable|http|recorded, args: {...}}' "
            "describing your end-to-end system",
        )
    return spec


def _renamed(exc: SuiteError) -> SuiteError:
    field = exc.field or ""
    if field.startswith("target."):
        field = "system." + field.removeprefix("target.")
    return SuiteError(exc.message, path=exc.path, line=exc.line, field=field, hint=exc.hint)


def open_system(context: TargetContext) -> System:
    """Build the suite's ``system:``; errors name the ``system.*`` field."""
    spec = suite_system_spec(context)
    try:
        return SYSTEM_TARGETS.build(spec, context)
    except SuiteError as exc:
        raise _renamed(exc) from exc


def system_is_deterministic(context: TargetContext) -> bool:
    """Whether the suite's system replays recorded replies (its repeats would be identical)."""
    return SYSTEM_TARGETS.deterministic(suite_system_spec(context).name)


Replies = dict[str, SystemReply | str]
"""Question -> the end-to-end reply, or the error (text) of that call."""


def read_replies(path: Path) -> Replies:
    """A replies file written by :func:`ask_questions`."""
    out: Replies = {}
    for _, obj in iter_jsonl(path):
        question = str(obj["question"])
        error = obj.get("error")
        reply = SystemReply.model_validate(obj["reply"]) if error is None else None
        out[question] = reply if reply is not None else str(error)
    return out


def ask_questions(
    system: System,
    questions: Sequence[tuple[str, str]],
    paths: Sequence[Path],
    on_done: Callable[[], None] | None = None,
) -> list[Replies]:
    """Ask every ``(case_id, question)`` once per repeat; repeat ``i``'s replies to ``paths[i]``.

    A question asked under several ids is asked once. The calls of every repeat share one pool:
    ``system.pool.concurrency`` in flight at once, whichever repeat they belong to. A failing
    call is recorded as its error.
    """
    unique: dict[str, str] = {}
    for case_id, question in questions:
        unique.setdefault(question, case_id)
    requests = [SystemRequest(case_id=cid, question=q) for q, cid in unique.items()]
    calls = [(repeat, request) for repeat in range(len(paths)) for request in requests]
    done = map_in_order(lambda item: system.ask(item[1]), calls, system.pool.concurrency, on_done)
    out: list[Replies] = [{} for _ in paths]
    lines: list[list[str]] = [[] for _ in paths]
    for (repeat, request), result in zip(calls, done, strict=True):
        line: dict[str, Any] = {"question": request.question}
        if result.error is not None:
            out[repeat][request.question] = line["error"] = error_text(result.error)
        elif result.value is not None:
            out[repeat][request.question] = result.value
            line["reply"] = result.value.model_dump(mode="json")
        lines[repeat].append(json.dumps(line, ensure_ascii=False) + "\n")
    for path, text in zip(paths, lines, strict=True):
        path.write_text("".join(text), encoding="utf-8")
    return out


class StageSystem:
    """A stage's view of the system: replays the run's replies, asks for anything else."""

    def __init__(self, system: System, replies: Replies | None = None) -> None:
        self.system = system
        self.replies = replies or {}
        self.pool = system.pool

    def ask(self, request: SystemRequest) -> SystemReply:
        """The reply to ``request``: the run's end-to-end reply if it has one, else a call."""
        alone = request.passages is None and request.messages is None
        if alone and request.question in self.replies:
            found = self.replies[request.question]
            if isinstance(found, str):
                raise TargetError(found)
            return found
        return self.system.ask(request)

    def describe(self) -> dict[str, Any]:
        """For run records (the system's own description, no secrets)."""
        describe = getattr(self.system, "describe", None)
        inner = describe() if callable(describe) else {}
        return {"kind": "system", "system": inner}

    def close(self) -> None:
        """Close the system's connections."""
        close = getattr(self.system, "close", None)
        if callable(close):
            close()


class SystemAdapter:
    """What each stage's adapter of the system shares: its pool, its description, closing it."""

    def __init__(self, system: StageSystem) -> None:
        self.system = system
        self.pool = system.pool

    def describe(self) -> dict[str, Any]:
        """For run records."""
        return self.system.describe()

    def close(self) -> None:
        """Close the system's connections."""
        self.system.close()


def open_stage_system(args: SystemTargetArgs, context: TargetContext) -> StageSystem:
    """A stage's ``system`` target: the suite's system and the run's replies (if any)."""
    replies = read_replies(Path(args.replies)) if args.replies is not None else None
    return StageSystem(open_system(context), replies)
