"""The retrieval stage's ``system`` target: the ranking the end-to-end system retrieved.

Each query is asked as the end-to-end call (no passages given; :mod:`evalcore.system`), or
replayed from the run's replies when another stage asked the same question; the reply's
passages, best first, are the query's ranking (its scores, or rank order without them).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from evalstage.evalcore.cases import Document
from evalstage.evalcore.concurrency import map_in_order
from evalstage.evalcore.progress import counting
from evalstage.evalcore.system import (
    SystemAdapter,
    SystemRequest,
    SystemTargetArgs,
    open_stage_system,
)
from evalstage.evalcore.targets import TargetContext, TargetKind, error_text


class SystemRetriever(SystemAdapter):
    """Rank each query with the end-to-end system's own retrieval."""

    def _rank(self, item: tuple[str, str], k: int) -> tuple[dict[str, float], float | None]:
        reply = self.system.ask(SystemRequest(case_id=item[0], question=item[1]))
        top = sorted(reply.ranking().items(), key=lambda kv: -kv[1])[:k]
        return dict(top), reply.latency_ms

    def retrieve(self, queries: Mapping[str, str], documents: Sequence[Document], k: int) -> Any:
        """Every query's ranking; a failing call becomes that query's error."""
        from evalstage.retrieval_eval._targets import TargetOutput

        out = TargetOutput(ranking={})
        start = time.perf_counter()
        items = list(queries.items())
        with counting("retrieval: system calls", len(items)) as advance:
            done = map_in_order(
                lambda item: self._rank(item, k), items, self.pool.concurrency, advance
            )
            for (qid, _), result in zip(items, done, strict=True):
                if result.error is not None:  # the system under test failed: record, go on
                    out.errors[qid] = error_text(result.error)
                elif result.value is not None:
                    out.ranking[qid], latency = result.value
                    if latency is not None:
                        out.latency_ms[qid] = latency
        out.search_seconds = time.perf_counter() - start
        return out


def _build(args: SystemTargetArgs, context: TargetContext) -> SystemRetriever:
    return SystemRetriever(open_stage_system(args, context))


def system_kind() -> TargetKind[Any]:
    """The ``system`` kind of the retrieval stage."""
    return TargetKind(
        name="system",
        args=SystemTargetArgs,
        factory=_build,
        can_search=True,
        summary="the suite's end-to-end system (its system: block): the passages it retrieved",
    )
