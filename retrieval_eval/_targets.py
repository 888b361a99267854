"""Retrieval targets: the system under test, built from a ``{name, args}`` spec.

:data:`RETRIEVAL_TARGETS` lists them once: the built-in retrievers ``bm25``, ``dense`` and
``hybrid`` (index the corpus, then search), ``run_file`` (a TREC run file, relative to the suite
folder) and ``callable`` (``fn(query, k)`` returning ``{doc: score}``, ``[(doc, score)]`` or
``[doc, ...]`` in rank order), ``http`` (your own JSON search service,
:mod:`retrieval_eval._http`) and ``system`` (the suite's end-to-end system,
:mod:`retrieval_eval._system`). A failing callable or http query becomes that query's error.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from evalstage.evalcore.adapters import CallableTarget, RecordedArgs, callable_kind
from evalstage.evalcore.cases import Document
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import is_file
from evalstage.evalcore.progress import step, track
from evalstage.evalcore.suite import TargetSpec
from evalstage.evalcore.targets import (
    TargetContext,
    TargetKind,
    TargetRegistry,
    closing_target,
    error_text,
)
from evalstage.retrieval_eval._bm25 import BM25Config, BM25Retriever
from evalstage.retrieval_eval._dense import DenseConfig, DenseRetriever
from evalstage.retrieval_eval._http import HttpRetriever, http_kind
from evalstage.retrieval_eval._hybrid import HybridConfig, HybridRetriever
from evalstage.retrieval_eval._system import SystemRetriever, system_kind
from evalstage.retrieval_eval._trec import read_run
from evalstage.retrieval_eval._types import Ranking, Retriever


@dataclass
class TargetOutput:
    """What a target returned: a ranking, per-query errors and timings."""

    ranking: Ranking
    errors: dict[str, str] = field(default_factory=dict)
    latency_ms: dict[str, float] = field(default_factory=dict)
    index_seconds: float = 0.0
    search_seconds: float = 0.0
    described: dict[str, Any] = field(default_factory=dict)
    """The live target's own ``describe()`` (no secrets), for the run record; else empty."""


class RetrievalTarget(Protocol):
    """What every retrieval target does: rank the documents for each query."""

    def retrieve(
        self, queries: Mapping[str, str], documents: Sequence[Document], k: int
    ) -> TargetOutput:
        """The ranking of each query (and per-query errors and timings)."""
        ...


class IndexedTarget:
    """A built-in retriever: index the corpus, then search every query in one batch."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever

    def retrieve(
        self, queries: Mapping[str, str], documents: Sequence[Document], k: int
    ) -> TargetOutput:
        """Index, search, and spread the search time evenly over the queries."""
        start = time.perf_counter()
        with step(f"retrieval: indexing {len(documents)} documents"):
            self.retriever.index(documents)
        indexed = time.perf_counter()
        with step(f"retrieval: searching {len(queries)} queries"):
            ranking = self.retriever.search(queries, k)
        done = time.perf_counter()
        per_query = (done - indexed) * 1000.0 / max(1, len(queries))
        return TargetOutput(
            ranking=ranking,
            latency_ms={q: per_query for q in queries},
            index_seconds=indexed - start,
            search_seconds=done - indexed,
        )


def _as_scores(result: Any) -> dict[str, float]:
    """Accept ``{doc: score}``, ``[(doc, score)]`` or ``[doc, ...]`` (rank order)."""
    if isinstance(result, Mapping):
        return {str(doc): float(score) for doc, score in result.items()}
    items = list(result)
    if all(isinstance(item, str) for item in items):
        return {doc: float(len(items) - rank) for rank, doc in enumerate(items)}
    return {str(doc): float(score) for doc, score in items}


class CallableRetriever(CallableTarget):
    """Wraps ``fn(query, k)``, called once per query."""

    def retrieve(
        self, queries: Mapping[str, str], documents: Sequence[Document], k: int
    ) -> TargetOutput:
        """Call the function per query; a failing query becomes its error."""
        out = TargetOutput(ranking={})
        start = time.perf_counter()
        for qid, text in track("retrieval: queries", queries.items(), len(queries)):
            began = time.perf_counter()
            try:
                out.ranking[qid] = _as_scores(self.function(text, k))
            except Exception as exc:  # the system under test failed: record, go on
                out.errors[qid] = error_text(exc)
            out.latency_ms[qid] = (time.perf_counter() - began) * 1000.0
        out.search_seconds = time.perf_counter() - start
        return out


class RunFile:
    """A TREC run file produced elsewhere."""

    def __init__(self, path: Path) -> None:
        self.ranking, _ = read_run(path)

    def retrieve(
        self, queries: Mapping[str, str], documents: Sequence[Document], k: int
    ) -> TargetOutput:
        """The file's ranking of each query (empty for a query it does not hold)."""
        return TargetOutput(ranking={q: self.ranking.get(q, {}) for q in queries})


def _run_file_exists(args: Any, context: TargetContext) -> None:
    """Before a run: the run file is there (it is read, once, when the stage runs)."""
    path = context.path(args.path)
    if not is_file(path):
        raise SuiteError(
            f"run file not found: {path}",
            path=context.where,
            field="target.args.path",
            hint="give the TREC run file's path relative to the suite folder",
        )


def _indexed(name: str, config: type[Any], retriever: type[Any], summary: str) -> TargetKind[Any]:
    return TargetKind(
        name=name,
        args=config,
        factory=lambda args, _context: IndexedTarget(retriever(args)),
        deterministic=True,
        can_search=True,
        summary=summary,
    )


RETRIEVAL_TARGETS: TargetRegistry[RetrievalTarget] = TargetRegistry(
    "retrieval",
    [
        _indexed("bm25", BM25Config, BM25Retriever, "BM25 over the corpus (Lucene or ATIRE)"),
        _indexed("dense", DenseConfig, DenseRetriever, "bundled MiniLM embeddings, exact search"),
        _indexed("hybrid", HybridConfig, HybridRetriever, "BM25 and dense, fused by rank"),
        TargetKind(
            name="run_file",
            args=RecordedArgs,
            factory=lambda args, context: RunFile(context.path(args.path)),
            check=_run_file_exists,
            deterministic=True,
            summary="a TREC run file, relative to the suite folder",
        ),
        callable_kind(CallableRetriever, "fn(query, k) -> ranked docs", can_search=True),
        http_kind(),
        system_kind(),
    ],
)
"""The retrieval stage's targets."""

TARGET_NAMES = RETRIEVAL_TARGETS.names


def build_retriever(spec: TargetSpec, where: Path | None = None) -> Retriever:
    """Build a built-in retriever (``bm25``, ``dense``, ``hybrid``) from its spec."""
    target = RETRIEVAL_TARGETS.build(spec, TargetContext(where.parent if where else None))
    if not isinstance(target, IndexedTarget):
        builtin = [
            n for n, k in RETRIEVAL_TARGETS.kinds.items() if k.deterministic and k.can_search
        ]
        raise SuiteError(
            f"'{spec.name}' is not a built-in retriever",
            path=where,
            field="target.name",
            hint=f"use one of: {', '.join(builtin)}",
        )
    return target.retriever


def run_target(
    spec: TargetSpec,
    queries: Mapping[str, str],
    documents: Sequence[Document],
    k: int,
    *,
    suite_root: Path | None = None,
    targets: TargetRegistry[RetrievalTarget] = RETRIEVAL_TARGETS,
) -> TargetOutput:
    """Run the target on every query. A failing callable query becomes an error, not a crash.

    The target is closed afterwards (an ``http`` target's connections); one that describes
    itself (``http``) leaves its description in :attr:`TargetOutput.described`.
    """
    target = targets.build(spec, TargetContext(suite_root))
    with closing_target(target):
        output = target.retrieve(queries, documents, k)
    if isinstance(target, HttpRetriever | SystemRetriever):
        output.described = target.describe()
    return output
