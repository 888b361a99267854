"""The generation stage's ``http`` target: your own JSON answer service.

``args`` (:class:`HttpGenerationArgs`) are the request
(:class:`~evalcore.http_service.HttpServiceConfig`: ``method``, ``url``, ``headers``, a
``body`` template, retries, ``concurrency``, ``requests_per_minute``) and the paths of the
reply: ``answer`` (e.g. ``data.answer``) and, optionally, ``citations`` (a list per answer
sentence of passage numbers), ``prompt_tokens`` and ``completion_tokens``. The body's
placeholders are :data:`PLACEHOLDERS`; the default body is
``{"question": "$question", "passages": "$passages_json"}``. A reply that lacks a path, or
holds the wrong type there, is that variant's ``error`` with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import Field, field_validator

from evalstage.evalcore.http_service import (
    HttpServiceConfig,
    HttpTarget,
    check_paths,
    token_count,
)
from evalstage.evalcore.json_path import (
    PathError,
    parse_path,
    render_template,
    select,
)
from evalstage.evalcore.llm_config import TargetError
from evalstage.evalcore.targets import TargetKind
from evalstage.generation_eval._cases import Generation, Passage
from evalstage.generation_eval._prompt import number_passages, numbered

__all__ = ["DEFAULT_BODY", "PLACEHOLDERS", "HttpGenerationArgs", "HttpGenerator", "http_kind"]

PLACEHOLDERS = {
    "question": "the case's question (a string)",
    "passages_json": 'the passages: a list of {"n", "doc_id", "title", "text"}',
    "passages": "the passages as text, one a line, [n] title: text",
    "doc_ids": "the passages' doc ids (a list of strings)",
    "n_passages": "how many passages there are (a number)",
}
"""The placeholders a generation ``http`` body may use."""

DEFAULT_BODY = {"question": "$question", "passages": "$passages_json"}


class HttpGenerationArgs(HttpServiceConfig):
    """The generation ``http`` target's args: the request and the reply's paths."""

    answer: str = Field(default="answer", description="Path of the answer text in the reply.")
    citations: str | None = Field(
        default=None, description="Path of the citations (list per sentence of [n] numbers)."
    )
    prompt_tokens: str | None = Field(default=None, description="Path of the prompt tokens.")
    completion_tokens: str | None = Field(default=None, description="Path of completion tokens.")

    PLACEHOLDERS: ClassVar[dict[str, str]] = PLACEHOLDERS
    DEFAULT_BODY: ClassVar[Any] = DEFAULT_BODY

    @field_validator("answer", "citations", "prompt_tokens", "completion_tokens")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        check_paths(value)  # a PathError (a ValueError) names the problem
        return value


def _values(question: str, passages: Sequence[Passage]) -> dict[str, Any]:
    plain = numbered(passages)
    return {
        "question": question,
        "passages_json": plain,
        "passages": number_passages(passages),
        "doc_ids": [p.doc_id for p in passages],
        "n_passages": len(passages),
    }


def _count(data: Any, path: str | None) -> int | None:
    return None if path is None else token_count(select(data, parse_path(path)), path)


def _citations(value: Any, path: str) -> list[list[int]]:
    def ok(n: Any) -> bool:
        return isinstance(n, int) and not isinstance(n, bool) and n >= 1

    if not isinstance(value, list) or not all(
        isinstance(row, list) and all(ok(n) for n in row) for row in value
    ):
        raise PathError(f"{path} is not a list per sentence of passage numbers, e.g. [[1], [2]]")
    return value


class HttpGenerator(HttpTarget):
    """A generator behind a JSON HTTP service."""

    args: HttpGenerationArgs

    def paths(self) -> dict[str, Any]:
        """The answer and citations paths."""
        return {k: getattr(self.args, k) for k in ("answer", "citations") if getattr(self.args, k)}

    def generate(self, question: str, passages: Sequence[Passage]) -> Generation:
        """One request; the answer (and citations, tokens) read from the reply's paths."""
        reply = self.client.call(render_template(self.args.template, _values(question, passages)))
        args = self.args
        try:
            answer = select(reply.data, parse_path(args.answer))
            if not isinstance(answer, str):
                raise PathError(f"{args.answer} is not a string but {type(answer).__name__}")
            citations = []
            if args.citations is not None:
                citations = _citations(
                    select(reply.data, parse_path(args.citations)), args.citations
                )
            prompt = _count(reply.data, args.prompt_tokens)
            completion = _count(reply.data, args.completion_tokens)
        except PathError as exc:
            raise TargetError(f"malformed reply: {exc}", attempts=reply.attempts) from None
        return Generation(
            answer=answer,
            citations=citations,
            latency_ms=reply.latency_ms,
            prompt_tokens=prompt,
            completion_tokens=completion,
        )


def http_kind() -> TargetKind[Any]:
    """The ``http`` kind of the generation stage."""
    return TargetKind(
        name="http",
        args=HttpGenerationArgs,
        factory=HttpGenerator.build,
        summary="your own JSON-over-HTTP answer service (body template, reply paths)",
    )
