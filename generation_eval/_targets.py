"""Generators: the system under test, built from a ``{name, args}`` spec, and the case driver.

A generator answers ``generate(question, passages) -> Generation`` (answer text, citations as
``[n]`` markers or structurally, latency, tokens). Targets:

* ``extractive`` (the embedded default; see :mod:`generation_eval._extractive`);
* ``callable`` (``args.function``: ``module:function``) calls ``fn(question, passages)`` with
  passages as ``[{"n", "doc_id", "title", "text"}]``; it returns a string, a dict with
  ``answer`` (and optionally ``citations``, ``latency_ms``, tokens) or a :class:`Generation`;
* ``openai`` (``args``: :class:`~evalcore.llm_client.ChatConfig` fields) sends the versioned
  prompt :data:`PROMPT_TEMPLATE` to an OpenAI-compatible chat endpoint;
* ``recorded`` (``args.path``: JSONL of ``{"case_id", "variant", "answer", ...}``) replays
  answers produced elsewhere.

A failure of the system under test on one variant (any exception, an exhausted-retries
:class:`~evalcore.llm_client.TargetError` included) becomes that variant's ``error``; the run
goes on. A bad spec raises :class:`~evalcore.errors.SuiteError` before anything runs.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import ConfigDict, Field, ValidationError

from evalstage.evalcore.adapters import (
    CallableTarget,
    OpenAITarget,
    Recorded,
    callable_kind,
    live_target,
    open_target,
    openai_kind,
    recorded_kind,
)
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.loaders import iter_jsonl, validation_error
from evalstage.evalcore.progress import track
from evalstage.evalcore.suite import TargetSpec
from evalstage.evalcore.targets import (
    TargetKind,
    TargetRegistry,
    closing_target,
    describe_target,
    error_text,
)
from evalstage.generation_eval._cases import Generation, Passage, variant_key
from evalstage.generation_eval._extractive import ExtractiveConfig, ExtractiveGenerator
from evalstage.generation_eval._variants import CaseVariant

PROMPT_VERSION = "rag-answer-v1"
PROMPT_TEMPLATE = """\
Answer the question using only the numbered passages below.
- Cite the passages that support each sentence with their numbers in square brackets, e.g. [1] \
or [1][3], at the end of the sentence.
- If the passages do not contain the answer, say that you cannot answer from the passages; do \
not guess.
- If the passages contradict each other on the answer, say so and cite both sides.
- Be brief: one to three sentences.

Passages:
{passages}

Question: {question}
Answer:"""
"""The prompt of the ``openai`` target; its version and hash are recorded with every run."""

PROMPT_HASH = hashlib.sha256(PROMPT_TEMPLATE.encode()).hexdigest()[:12]


def number_passages(passages: Sequence[Passage]) -> str:
    """Passages as the prompt shows them: ``[n] title: text`` from 1."""
    return "\n".join(
        f"[{n}] {p.title + ': ' if p.title else ''}{p.text}" for n, p in enumerate(passages, 1)
    )


def render_prompt(question: str, passages: Sequence[Passage]) -> str:
    """The full user prompt for one question."""
    return PROMPT_TEMPLATE.format(passages=number_passages(passages), question=question)


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
        plain = [{"n": n, **p.model_dump()} for n, p in enumerate(passages, 1)]
        return coerce_generation(self.function(question, plain))


class OpenAIGenerator(OpenAITarget):
    """A generator behind an OpenAI-compatible chat-completions endpoint."""

    def describe(self) -> dict[str, Any]:
        """A description for run records (no key, no header values) with the prompt version."""
        return {**self.client.describe(), "prompt": PROMPT_VERSION, "prompt_hash": PROMPT_HASH}

    def generate(self, question: str, passages: Sequence[Passage]) -> Generation:
        """One chat-completions request with the versioned prompt."""
        result = self.client.chat([{"role": "user", "content": render_prompt(question, passages)}])
        return Generation(
            answer=result.content or "",
            latency_ms=result.latency_ms,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            truncated=result.truncated,
            notes=[result.usage_warning] if result.usage_warning else [],
        )


class RecordedGeneration(Generation):
    """One line of a recorded-outputs file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str = Field(min_length=1)
    variant: str = "original"
    answer: str | None = Field(  # type: ignore[assignment]
        default=None, description="Required: a missing answer is an error, not a refusal."
    )


def load_recorded(path: Path) -> dict[str, Generation]:
    """Read recorded answers, keyed like :attr:`CaseVariant.key`; errors name file and line.

    A line without ``answer`` (it would score as an over-refusal) and a file without any
    answer are errors.
    """
    out: dict[str, Generation] = {}
    for line, obj in iter_jsonl(path):
        try:
            record = RecordedGeneration.model_validate(obj)
        except ValidationError as exc:
            raise validation_error(exc, RecordedGeneration, path, line) from exc
        if record.answer is None:
            raise SuiteError(
                "the line has no 'answer' (a missing answer would score as a refusal)",
                path=path,
                line=line,
                field="answer",
                hint='record what the generator answered: "answer": "..." ("" if it said nothing)',
            )
        key = variant_key(record.case_id, record.variant)
        if key in out:
            raise SuiteError(
                f"a second answer for case '{record.case_id}', variant '{record.variant}'",
                path=path,
                line=line,
                field="case_id",
                hint="keep one line per case and variant",
            )
        out[key] = Generation.model_validate(record.model_dump(exclude={"case_id", "variant"}))
    if not out:
        raise SuiteError(
            "no recorded answers: the file is empty (or holds only blank lines)",
            path=path,
            hint='write one {"case_id": "...", "variant": "original", "answer": "..."} per line',
        )
    return out


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
        callable_kind(CallableGenerator, "fn(question, passages) -> answer"),
        openai_kind(OpenAIGenerator, "an OpenAI-compatible chat endpoint, versioned prompt"),
        recorded_kind(load_recorded, "answers produced elsewhere (JSONL by case and variant)"),
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
        outputs, errors = target.replay([i.key for i in variants], "answer for '{key}'")
        return GenerationRun(
            outputs=outputs,
            errors=errors,
            target=target.describe(),
            seconds=time.perf_counter() - started,
        )
    run = GenerationRun(target=describe_target(target, spec.name))
    with closing_target(target):
        prepare = getattr(target, "prepare", None)
        if callable(prepare):  # a built-in generator may batch its own work up front
            unique = {(p.doc_id, p.text): p for item in variants for p in item.passages}
            prepare(list(dict.fromkeys(i.question for i in variants)), list(unique.values()))
        for item in track("generation: answers", variants):
            began = time.perf_counter()
            try:
                output = target.generate(item.question, list(item.passages))
                if not isinstance(output, Generation):
                    output = coerce_generation(output)
            except Exception as exc:  # the system under test failed: record, go on
                run.errors[item.key] = error_text(exc)
                continue
            if output.latency_ms is None:
                elapsed = (time.perf_counter() - began) * 1000.0
                output = output.model_copy(update={"latency_ms": elapsed})
            run.outputs[item.key] = output
    run.seconds = time.perf_counter() - started
    return run
