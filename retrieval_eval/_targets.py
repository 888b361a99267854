"""Retrieval targets: the system under test, built from a ``{name, args}`` spec."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalcore.cases import Document
from evalcore.errors import SuiteError
from evalcore.suite import TargetSpec
from evalcore.targets import load_callable, target_args
from retrieval_eval._types import Ranking, Retriever

TARGET_NAMES = ("bm25", "dense", "hybrid", "run_file", "callable")


@dataclass
class TargetOutput:
    """What a target returned: a ranking, per-query errors and timings."""

    ranking: Ranking
    errors: dict[str, str] = field(default_factory=dict)
    latency_ms: dict[str, float] = field(default_factory=dict)
    index_seconds: float = 0.0
    search_seconds: float = 0.0


def build_retriever(spec: TargetSpec, where: Path | None = None) -> Retriever:
    """Build a built-in retriever (``bm25``, ``dense``, ``hybrid``) from its spec."""
    if spec.name == "bm25":
        from retrieval_eval._bm25 import BM25Config, BM25Retriever

        return BM25Retriever(target_args(BM25Config, spec, where))
    if spec.name == "dense":
        from retrieval_eval._dense import DenseConfig, DenseRetriever

        return DenseRetriever(target_args(DenseConfig, spec, where))
    if spec.name == "hybrid":
        from retrieval_eval._hybrid import HybridConfig, HybridRetriever

        return HybridRetriever(target_args(HybridConfig, spec, where))
    raise SuiteError(
        f"unknown retriever '{spec.name}'",
        path=where,
        field="target.name",
        hint=f"use one of: {', '.join(TARGET_NAMES)}",
    )


def _as_scores(result: Any) -> dict[str, float]:
    """Accept ``{doc: score}``, ``[(doc, score)]`` or ``[doc, ...]`` (rank order)."""
    if isinstance(result, Mapping):
        return {str(doc): float(score) for doc, score in result.items()}
    items = list(result)
    if all(isinstance(item, str) for item in items):
        return {doc: float(len(items) - rank) for rank, doc in enumerate(items)}
    return {str(doc): float(score) for doc, score in items}


def run_target(
    spec: TargetSpec,
    queries: Mapping[str, str],
    documents: Sequence[Document],
    k: int,
    *,
    suite_root: Path | None = None,
) -> TargetOutput:
    """Run the target on every query. A failing callable query becomes an error, not a crash."""
    where = suite_root / "suite.yaml" if suite_root else None
    if spec.name == "run_file":
        from retrieval_eval._trec import read_run

        path = spec.args.get("path")
        if not isinstance(path, str):
            raise SuiteError(
                "run_file target needs args.path",
                path=where,
                field="target.args.path",
                hint="point it at a TREC run file, relative to the suite folder",
            )
        ranking, _ = read_run((suite_root or Path.cwd()) / path)
        return TargetOutput(ranking={q: ranking.get(q, {}) for q in queries})
    if spec.name == "callable":
        function = load_callable(str(spec.args.get("function", "")), where)
        out = TargetOutput(ranking={})
        start = time.perf_counter()
        for qid, text in queries.items():
            began = time.perf_counter()
            try:
                out.ranking[qid] = _as_scores(function(text, k))
            except Exception as exc:  # the system under test failed: record, go on
                out.errors[qid] = f"{type(exc).__name__}: {exc}"
            out.latency_ms[qid] = (time.perf_counter() - began) * 1000.0
        out.search_seconds = time.perf_counter() - start
        return out
    retriever = build_retriever(spec, where)
    start = time.perf_counter()
    retriever.index(documents)
    indexed = time.perf_counter()
    ranking = retriever.search(queries, k)
    done = time.perf_counter()
    per_query = (done - indexed) * 1000.0 / max(1, len(queries))
    return TargetOutput(
        ranking=ranking,
        latency_ms={q: per_query for q in queries},
        index_seconds=indexed - start,
        search_seconds=done - indexed,
    )
