"""Generators: the system under test, built from a ``{name, args}`` spec, and the case driver.

A generator answers ``generate(question, passages) -> Generation`` (answer text, citations as
``[n]`` markers or structurally, latency, tokens). Targets:

* ``extractive`` (the embedded default; see :mod:`generation_eval._extractive`);
* ``callable`` (``args.function``: ``module:function``) calls ``fn(question, passages)`` with
  passages as ``[{"n", "doc_id", "title", "text"}]``; it returns a string, a dict with
  ``answer`` (and optionally ``citations``, ``latency_ms``, tokens) or a :class:`Generation`;
* ``openai`` (``args``: :class:`~evalcore.llm_client.ChatConfig` fields, ``prompt_file`` and
  ``system_prompt_file``) sends the versioned prompt :data:`PROMPT_TEMPLATE`, or the team's own
  (:mod:`generation_eval._prompt`), to an OpenAI-compatible chat endpoint;
* ``http`` (:mod:`generation_eval._http`) calls your own JSON-over-HTTP service: a request body
  template and the paths of the answer (and citations) in its reply;
* ``recorded`` (``args.path``: JSONL of ``{"case_id", "variant", "answer", ...}``) replays
  answers produced elsewhere (:mod:`generation_eval._recorded`);
* ``system`` (the suite's ``system:`` block, :mod:`generation_eval._system`): the end-to-end
  system answers the ``retrieved`` variant over its own retrieval, the others over given passages.

The live targets (``callable``, ``openai``, ``http``) take ``concurrency`` and
``requests_per_minute`` (:mod:`evalcore.concurrency`): variants run on a bounded thread pool,
results are kept in variant order, so a run scores the same whatever the concurrency.

A failure of the system under test on one variant (any exception, an exhausted-retries
:class:`~evalcore.llm_client.TargetError` included) becomes that variant's ``error``; the run
goes on. A bad spec raises :class:`~evalcore.errors.SuiteError` before anything runs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import Field

from evalstage.evalcore.adapters import (
    CallableTarget,
    LiveCallableArgs,
    LiveChatConfig,
    OpenAITarget,
    Recorded,
    callable_kind,
    live_target,
    open_client,
    open_target,
    pool_of,
)
from evalstage.evalcore.chat_reply import ChatResult
from evalstage.evalcore.concurrency import Pool, map_repeated
from evalstage.evalcore.llm_client import ChatClient
from evalstage.evalcore.progress import counting, step
from evalstage.evalcore.suite import TargetSpec
from evalstage.evalcore.targets import (
    TargetContext,
    TargetKind,
    TargetRegistry,
    closing_target,
    describe_target,
    error_text,
)
from evalstage.generation_eval._cases import Generation, Passage
from evalstage.generation_eval._extractive import ExtractiveConfig, ExtractiveGenerator
from evalstage.generation_eval._http import HttpGenerator, http_kind
from evalstage.generation_eval._prompt import (
    BUNDLED_PROMPT,
    PROMPT_HASH,
    PROMPT_TEMPLATE,
    PROMPT_VERSION,
    Prompt,
    load_prompt,
    number_passages,
    numbered,
    render_prompt,
)
from evalstage.generation_eval._recorded import (
    RecordedAnswers,
    RecordedGeneration,
    load_recorded,
    recorded_answers_kind,
)
from evalstage.generation_eval._system import system_kind
from evalstage.generation_eval._variants import CaseVariant

__all__ = [
    "GENERATION_TARGETS",
    "PROMPT_HASH",
    "PROMPT_TEMPLATE",
    "PROMPT_VERSION",
    "TARGET_NAMES",
    "CallableGenerator",
    "GenerationChatConfig",
    "GenerationRun",
    "Generator",
    "HttpGenerator",
    "OpenAIGenerator",
    "RecordedGeneration",
    "build_generator",
    "coerce_generation",
    "load_recorded",
    "number_passages",
    "render_prompt",
    "run_generator",
    "run_generator_repeats",
    "target_prompts",
]


@runtime_checkable
class Generator(Protocol):
    """A RAG generator: answer a question from numbered passages, citing them."""

    def generate(self, question: str, passages: Sequence[Passage]) -> Generation:
        """Return the answer (citations as ``[n]`` markers, 1-based) for one question."""
        ...


@dataclass
class GenerationRun:
    """What a target produced: per variant key its generation, or the error that stopped it."""

    outputs: dict[str, Generation] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def coerce_generation(value: Any) -> Generation:
    """Read what a callable generator returned as a :class:`Generation`."""
    if isinstance(value, Generation):
        return value
    if isinstance(value, str):
        return Generation(answer=value)
    if isinstance(value, Mapping):
        return Generation.model_validate(dict(value))
    raise TypeError(
        f"the generator returned {type(value).__name__}; return a string, a dict with 'answer' "
        "(and optionally 'citations') or a Generation"
    )


class CallableGenerator(CallableTarget):
    """Wraps ``fn(question, passages)``."""

    def generate(self, question: str, passages: Sequence[Passage]) -> Generation:
        """Call the function with plain-dict passages and coerce its result."""
        return coerce_generation(self.call(question, numbered(passages)))


class GenerationChatConfig(LiveChatConfig):
    """The ``openai`` generation target's args: the chat config, concurrency and the prompt."""

    prompt_file: str | None = Field(
        default=None,
        min_length=1,
        description="Your prompt template (relative to the suite folder) with $question and "
        "$passages; null: the bundled rag-answer-v1.",
    )
    system_prompt_file: str | None = Field(
        default=None, min_length=1, description="A system message template (same placeholders)."
    )


class OpenAIGenerator(OpenAITarget):
    """A generator behind an OpenAI-compatible chat-completions endpoint."""

    def __init__(
        self,
        client: ChatClient,
        pool: Pool | None = None,
        prompt: Prompt = BUNDLED_PROMPT,
        system: Prompt | None = None,
    ) -> None:
        super().__init__(client, pool)
        self.prompt = prompt
        self.system = system

    def describe(self) -> dict[str, Any]:
        """A description for run records (no key, no header values) with the prompt's hash."""
        found = {**super().describe(), "prompt": self.prompt.name, "prompt_hash": self.prompt.sha}
        if self.system is not None:
            found.update(system_prompt=self.system.name, system_prompt_hash=self.system.sha)
        return found

    def messages(self, question: str, passages: Sequence[Passage]) -> list[dict[str, str]]:
        """The chat messages sent for one question: the system prompt if any, then the user's."""
        user = {"role": "user", "content": self.prompt.render(question, passages)}
        if self.system is None:
            return [user]
        return [{"role": "system", "content": self.system.render(question, passages)}, user]

    def generate(self, question: str, passages: Sequence[Passage]) -> Generation:
        """One chat-completions request with the prompt."""
        result: ChatResult = self.client.chat(self.messages(question, passages))
        return Generation(
            answer=result.content or "",
            latency_ms=result.latency_ms,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            truncated=result.truncated,
            notes=[result.usage_warning] if result.usage_warning else [],
        )


def target_prompts(
    args: GenerationChatConfig, context: TargetContext
) -> tuple[Prompt, Prompt | None]:
    """The user prompt and the system prompt (if any) of the ``openai`` target's ``args``."""
    prompt, system = BUNDLED_PROMPT, None
    if args.prompt_file is not None:
        prompt = load_prompt(
            context.path(args.prompt_file),
            "target.args.prompt_file",
            where=context.where,
            label=args.prompt_file,
        )
    if args.system_prompt_file is not None:
        system = load_prompt(
            context.path(args.system_prompt_file),
            "target.args.system_prompt_file",
            user=False,
            where=context.where,
            label=args.system_prompt_file,
        )
    return prompt, system


def _openai_generator(args: GenerationChatConfig, context: TargetContext) -> OpenAIGenerator:
    prompt, system = target_prompts(args, context)
    pool = pool_of(args)
    return OpenAIGenerator(open_client(args, context.where, pool), pool, prompt, system)


GENERATION_TARGETS: TargetRegistry[Generator | Recorded[Generation]] = TargetRegistry(
    "generation",
    [
        TargetKind(
            name="extractive",
            args=ExtractiveConfig,
            factory=lambda args, _context: ExtractiveGenerator(args),
            deterministic=True,
            summary="the built-in extractive generator (bundled MiniLM)",
        ),
        callable_kind(CallableGenerator, "fn(question, passages) -> answer", args=LiveCallableArgs),
        TargetKind(
            name="openai",
            args=GenerationChatConfig,
            factory=_openai_generator,
            summary="an OpenAI-compatible chat endpoint, the bundled prompt or your own",
        ),
        http_kind(),
        recorded_answers_kind("answers produced elsewhere (JSONL by case and variant)"),
        system_kind(),
    ],
)
"""The generation stage's targets."""

TARGET_NAMES = GENERATION_TARGETS.names


def build_generator(spec: TargetSpec, where: Path | None = None) -> Generator:
    """Build a live generator (``extractive``, ``callable``, ``openai``) from its spec."""
    generator: Generator = live_target(GENERATION_TARGETS, spec, where)
    return generator


def run_generator(
    spec: TargetSpec,
    variants: Sequence[CaseVariant],
    *,
    suite_root: Path | None,
    recorded: Mapping[str, Generation] | None = None,
    targets: TargetRegistry[Generator | Recorded[Generation]] = GENERATION_TARGETS,
) -> GenerationRun:
    """Run the target on every case variant; a failing variant becomes that variant's error.

    ``recorded`` (already-loaded answers by variant key) serves the ``recorded`` target without
    reading ``args.path``.
    """
    started = time.perf_counter()
    target = open_target(targets, spec, suite_root, recorded)
    if isinstance(target, Recorded):
        keys = [i.key for i in variants]
        if isinstance(target, RecordedAnswers):
            target.check(keys)
        outputs, errors = target.replay(keys, "answer for '{key}'")
        return GenerationRun(
            outputs=outputs,
            errors=errors,
            target=target.describe(),
            seconds=time.perf_counter() - started,
        )
    with closing_target(target):
        run = _live_runs(target, spec, variants, 1)[0]
    run.seconds = time.perf_counter() - started
    return run


def run_generator_repeats(
    spec: TargetSpec,
    variants: Sequence[CaseVariant],
    *,
    suite_root: Path | None,
    repeats: int,
    targets: TargetRegistry[Generator | Recorded[Generation]] = GENERATION_TARGETS,
) -> list[GenerationRun]:
    """Ask a live target every variant ``repeats`` times, all repeats in one pool.

    At most the target's ``concurrency`` calls are in flight, whichever repeat they belong to;
    one :class:`GenerationRun` per repeat, in order.
    """
    started = time.perf_counter()
    target = live_target(targets, spec, suite_root / "suite.yaml" if suite_root else None)
    with closing_target(target):
        runs = _live_runs(target, spec, variants, repeats)
    for run in runs:
        run.seconds = time.perf_counter() - started
    return runs


def _live_runs(
    target: Any, spec: TargetSpec, variants: Sequence[CaseVariant], repeats: int
) -> list[GenerationRun]:
    """Every variant's answer from a live target, ``repeats`` times (one run per repeat)."""
    prepare = getattr(target, "prepare", None)
    if callable(prepare):  # a built-in generator may batch its own work up front
        unique = {(p.doc_id, p.text): p for item in variants for p in item.passages}
        with step(f"generation: preparing the generator ({len(unique)} passages)"):
            prepare(list(dict.fromkeys(i.question for i in variants)), list(unique.values()))
    pool: Pool = getattr(target, "pool", None) or Pool()
    by_variant = getattr(target, "answer_variant", None)  # the end-to-end system

    def answer(item: CaseVariant) -> Generation:
        began = time.perf_counter()
        if callable(by_variant):
            output = by_variant(item)
        else:
            output = target.generate(item.question, list(item.passages))
        if not isinstance(output, Generation):
            output = coerce_generation(output)
        if output.latency_ms is None:
            elapsed = (time.perf_counter() - began) * 1000.0
            output = output.model_copy(update={"latency_ms": elapsed})
        return output

    described = describe_target(target, spec.name)
    runs = [GenerationRun(target=described) for _ in range(repeats)]
    with counting("generation: answers", len(variants) * repeats) as advance:
        done = map_repeated(answer, variants, repeats, pool.concurrency, advance)
        for run, results in zip(runs, done, strict=True):
            for item, result in zip(variants, results, strict=True):
                if result.error is not None:  # the system under test failed: record, go on
                    run.errors[item.key] = error_text(result.error)
                elif result.value is not None:
                    run.outputs[item.key] = result.value
    return runs
