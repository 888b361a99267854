"""The retrieval stage's ``http`` target: your own JSON search service.

``args`` (:class:`HttpRetrievalArgs`) are the request
(:class:`~evalcore.http_service.HttpServiceConfig`) and the paths of the reply: ``doc_ids``
(e.g. ``results[*].id``, a list of doc ids in rank order) and optionally ``scores`` (e.g.
``results[*].score``, one number per doc id; without it, rank order is the score). The body's
placeholders are :data:`PLACEHOLDERS`; the default body is ``{"query": "$query", "k": "$k"}``.
One request per query (``concurrency`` at once); a failing query, or a reply that does not fit
the paths, is that query's error with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import Field, field_validator

from evalstage.evalcore.cases import Document
from evalstage.evalcore.concurrency import map_in_order
from evalstage.evalcore.http_service import HttpServiceConfig, HttpTarget, check_paths
from evalstage.evalcore.json_path import (
    PathError,
    parse_path,
    render_template,
    select,
)
from evalstage.evalcore.llm_config import TargetError
from evalstage.evalcore.progress import counting
from evalstage.evalcore.targets import TargetKind, error_text

__all__ = ["DEFAULT_BODY", "PLACEHOLDERS", "HttpRetrievalArgs", "HttpRetriever", "http_kind"]

PLACEHOLDERS = {
    "query": "the query text (a string)",
    "query_id": "the query's id (a string)",
    "k": "how many documents to return (a number)",
}
"""The placeholders a retrieval ``http`` body may use."""

DEFAULT_BODY = {"query": "$query", "k": "$k"}


class HttpRetrievalArgs(HttpServiceConfig):
    """The retrieval ``http`` target's args: the request and the reply's paths."""

    doc_ids: str = Field(
        min_length=1, description="Path of the ranked doc ids, e.g. results[*].id."
    )
    scores: str | None = Field(
        default=None, description="Path of their scores, e.g. results[*].score."
    )

    PLACEHOLDERS: ClassVar[dict[str, str]] = PLACEHOLDERS
    DEFAULT_BODY: ClassVar[Any] = DEFAULT_BODY

    @field_validator("doc_ids", "scores")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        check_paths(value)
        return value


def _ranking(data: Any, args: HttpRetrievalArgs) -> dict[str, float]:
    ids = select(data, parse_path(args.doc_ids))
    if not isinstance(ids, list) or not all(isinstance(i, str | int) for i in ids):
        raise PathError(f"{args.doc_ids} is not a list of doc ids")
    if args.scores is None:
        return {str(doc): float(len(ids) - rank) for rank, doc in enumerate(ids)}
    scores = select(data, parse_path(args.scores))
    if not isinstance(scores, list) or len(scores) != len(ids):
        raise PathError(f"{args.scores} is not a list as long as {args.doc_ids}")
    if not all(isinstance(s, int | float) and not isinstance(s, bool) for s in scores):
        raise PathError(f"{args.scores} holds something that is not a number")
    return {str(doc): float(score) for doc, score in zip(ids, scores, strict=True)}


class HttpRetriever(HttpTarget):
    """A retriever behind a JSON HTTP service, one request per query."""

    args: HttpRetrievalArgs

    def paths(self) -> dict[str, Any]:
        """The doc ids and scores paths."""
        return {"doc_ids": self.args.doc_ids, "scores": self.args.scores}

    def rank(self, query_id: str, query: str, k: int) -> tuple[dict[str, float], float]:
        """One query's ranking (its top ``k``) and the request's latency."""
        values = {"query": query, "query_id": query_id, "k": k}
        reply = self.client.call(render_template(self.args.template, values))
        try:
            ranking = _ranking(reply.data, self.args)
        except PathError as exc:
            raise TargetError(f"malformed reply: {exc}", attempts=reply.attempts) from None
        top = sorted(ranking.items(), key=lambda item: -item[1])[:k]
        return dict(top), reply.latency_ms

    def retrieve(self, queries: Mapping[str, str], documents: Sequence[Document], k: int) -> Any:
        """Every query's ranking; a failing query becomes its error."""
        from evalstage.retrieval_eval._targets import TargetOutput

        out = TargetOutput(ranking={})
        start = time.perf_counter()
        items = list(queries.items())
        with counting("retrieval: queries", len(items)) as advance:
            done = map_in_order(
                lambda item: self.rank(item[0], item[1], k), items, self.pool.concurrency, advance
            )
            for (qid, _), result in zip(items, done, strict=True):
                if result.error is not None:  # the system under test failed: record, go on
                    out.errors[qid] = error_text(result.error)
                elif result.value is not None:
                    out.ranking[qid], out.latency_ms[qid] = result.value
        out.search_seconds = time.perf_counter() - start
        return out


def http_kind() -> TargetKind[Any]:
    """The ``http`` kind of the retrieval stage."""
    return TargetKind(
        name="http",
        args=HttpRetrievalArgs,
        factory=HttpRetriever.build,
        can_search=True,
        summary="your own JSON-over-HTTP search service (body template, reply paths)",
    )
