"""The ``http`` end-to-end system: your RAG service's JSON API (question in, answer out).

``args`` (:class:`HttpSystemArgs`) are the request
(:class:`~evalcore.http_service.HttpServiceConfig`: ``url``, ``method``, ``headers``, a
``body`` template, retries, ``concurrency``, ``requests_per_minute``) and the paths of the
reply: ``answer``, and what the system retrieved: ``doc_ids`` (e.g. ``sources[*].id``),
optionally ``texts``, ``titles`` and ``scores`` (one per doc id), ``citations`` and token
counts. The body's placeholders are :data:`PLACEHOLDERS`; ``$passages_json`` is ``null`` on
the end-to-end call (the system retrieves) and the given passages on an oracle variant's call.
A reply that does not fit the paths is that call's error.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator

from evalstage.evalcore.http_service import (
    HttpServiceConfig,
    HttpTarget,
    check_paths,
    token_count,
)
from evalstage.evalcore.json_path import PathError, parse_path, render_template, select
from evalstage.evalcore.llm_config import TargetError
from evalstage.evalcore.system_reply import SystemPassage, SystemReply, SystemRequest

__all__ = ["DEFAULT_BODY", "PLACEHOLDERS", "HttpSystem", "HttpSystemArgs"]

PLACEHOLDERS = {
    "question": "the case's question (a string)",
    "case_id": "the case's id (a string)",
    "passages_json": 'the given passages, a list of {"n", "doc_id", "title", "text"}; null on '
    "the end-to-end call (the system retrieves)",
    "doc_ids": "the given passages' doc ids (a list; null on the end-to-end call)",
    "n_passages": "how many passages are given (0 on the end-to-end call)",
    "messages": "an agent turn's conversation so far (a list; null on a RAG call)",
    "tools": "an agent case's tools (a list; null on a RAG call)",
}
"""The placeholders the ``http`` system's body may use."""

DEFAULT_BODY = {"question": "$question", "passages": "$passages_json"}


class HttpSystemArgs(HttpServiceConfig):
    """The ``http`` system's args: the request and where its reply holds each part."""

    answer: str = Field(default="answer", description="Path of the answer text.")
    doc_ids: str | None = Field(
        default=None, description="Path of the retrieved doc ids, best first (sources[*].id)."
    )
    texts: str | None = Field(default=None, description="Path of their texts (one per doc id).")
    titles: str | None = Field(default=None, description="Path of their titles.")
    scores: str | None = Field(default=None, description="Path of their scores.")
    citations: str | None = Field(
        default=None, description="Path of the citations (a list per sentence of [n] numbers)."
    )
    tool_calls: str | None = Field(
        default=None, description="Path of an agent turn's tool calls (a list; null: no call)."
    )
    prompt_tokens: str | None = Field(default=None, description="Path of the prompt tokens.")
    completion_tokens: str | None = Field(default=None, description="Path of completion tokens.")

    PLACEHOLDERS: ClassVar[dict[str, str]] = PLACEHOLDERS
    DEFAULT_BODY: ClassVar[Any] = DEFAULT_BODY

    @field_validator(
        "answer",
        "doc_ids",
        "texts",
        "titles",
        "scores",
        "citations",
        "tool_calls",
        "prompt_tokens",
        "completion_tokens",
    )
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        check_paths(value)
        return value


_PATHS = ("answer", "doc_ids", "texts", "titles", "scores", "citations", "tool_calls")


def _pick(data: Any, path: str | None) -> Any:
    return None if path is None else select(data, parse_path(path))


def _column(data: Any, path: str | None, n: int, kind: type | tuple[type, ...]) -> list[Any]:
    values = _pick(data, path)
    if values is None:
        return [None] * n
    if not isinstance(values, list) or len(values) != n:
        raise PathError(f"{path} is not a list as long as the doc ids")
    if not all(v is None or (isinstance(v, kind) and not isinstance(v, bool)) for v in values):
        raise PathError(f"{path} holds a value of the wrong type")
    return values


def _count(data: Any, path: str | None) -> int | None:
    return token_count(_pick(data, path), path)


def _tool_calls(data: Any, path: str | None) -> list[dict[str, Any]]:
    calls = _pick(data, path)
    if calls is None:
        return []
    if not isinstance(calls, list) or not all(isinstance(c, dict) for c in calls):
        raise PathError(f"{path} is not a list of tool calls")
    return calls


def read_reply(data: Any, args: HttpSystemArgs, agent: bool = False) -> SystemReply:
    """The :class:`SystemReply` in a reply's JSON; :class:`PathError` says what does not fit.

    ``agent``: an agent turn's reply (its answer may be missing: a turn that only calls tools).
    """
    if agent:
        calls = _tool_calls(data, args.tool_calls)
        try:
            answer = _pick(data, args.answer)
        except PathError:  # a turn that only calls tools may send no text
            answer = None
        if answer is not None and not isinstance(answer, str):
            raise PathError(f"{args.answer} is not a string but {type(answer).__name__}")
        return SystemReply(
            answer=answer,
            tool_calls=calls,
            prompt_tokens=_count(data, args.prompt_tokens),
            completion_tokens=_count(data, args.completion_tokens),
        )
    answer = _pick(data, args.answer)
    if not isinstance(answer, str):
        raise PathError(f"{args.answer} is not a string but {type(answer).__name__}")
    ids = _pick(data, args.doc_ids) if args.doc_ids is not None else []
    if not isinstance(ids, list) or not all(isinstance(i, str | int) for i in ids):
        raise PathError(f"{args.doc_ids} is not a list of doc ids")
    n = len(ids)
    texts = _column(data, args.texts, n, str)
    titles = _column(data, args.titles, n, str)
    scores = _column(data, args.scores, n, (int, float))
    citations = _pick(data, args.citations) or []
    if not isinstance(citations, list) or not all(isinstance(row, list) for row in citations):
        raise PathError(f"{args.citations} is not a list per sentence of passage numbers")
    passages = [
        SystemPassage(
            doc_id=str(doc),
            text=texts[i] or "",
            title=titles[i] or "",
            score=None if scores[i] is None else float(scores[i]),
        )
        for i, doc in enumerate(ids)
    ]
    return SystemReply(
        answer=answer,
        passages=passages,
        citations=citations,
        prompt_tokens=_count(data, args.prompt_tokens),
        completion_tokens=_count(data, args.completion_tokens),
    )


class HttpSystem(HttpTarget):
    """A whole RAG system behind a JSON HTTP service: one request per call."""

    args: HttpSystemArgs

    def paths(self) -> dict[str, Any]:
        """The reply paths read."""
        return {k: getattr(self.args, k) for k in _PATHS if getattr(self.args, k)}

    def ask(self, request: SystemRequest) -> SystemReply:
        """One request; the reply read from the paths (a misfit is a :class:`TargetError`)."""
        given = request.passages
        values = {
            "question": request.question,
            "case_id": request.case_id,
            "passages_json": given,
            "doc_ids": None if given is None else [p["doc_id"] for p in given],
            "n_passages": 0 if given is None else len(given),
            "messages": request.messages,
            "tools": request.tools,
        }
        reply = self.client.call(render_template(self.args.template, values))
        try:
            found = read_reply(reply.data, self.args, agent=request.messages is not None)
        except PathError as exc:
            raise TargetError(f"malformed reply: {exc}", attempts=reply.attempts) from None
        return found.model_copy(update={"latency_ms": reply.latency_ms})
