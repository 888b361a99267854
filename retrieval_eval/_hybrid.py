"""Hybrid retrieval: BM25 and dense runs fused by reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from evalstage.evalcore.cases import Document
from evalstage.retrieval_eval._bm25 import BM25Config, BM25Retriever
from evalstage.retrieval_eval._dense import DenseConfig, DenseRetriever
from evalstage.retrieval_eval._types import Ranking, Retriever

__all__ = ["HybridConfig", "HybridRetriever", "reciprocal_rank_fusion"]


def _ordered(scores: Mapping[str, float]) -> list[str]:
    """Doc ids by score descending, ties by doc id descending (trec_eval's order)."""
    return sorted(scores, key=lambda doc_id: (scores[doc_id], doc_id), reverse=True)


def reciprocal_rank_fusion(rankings: Sequence[Ranking], k: int, rrf_k: int = 60) -> Ranking:
    """Fuse runs by reciprocal rank: a document scores ``sum(1 / (rrf_k + rank))``.

    Ranks start at 1 and come from each run's scores (descending; ties by doc id,
    descending); a run that does not list a document adds nothing for it. Every query id of
    any run appears in the result, with its top ``k`` fused documents, ordered the same way.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    if rrf_k < 0:
        raise ValueError("rrf_k must be non-negative")
    fused: dict[str, dict[str, float]] = {}
    for ranking in rankings:
        for qid, scores in ranking.items():
            target = fused.setdefault(qid, {})
            for rank, doc_id in enumerate(_ordered(scores), start=1):
                target[doc_id] = target.get(doc_id, 0.0) + 1.0 / (rrf_k + rank)
    return {qid: {d: scores[d] for d in _ordered(scores)[:k]} for qid, scores in fused.items()}


class HybridConfig(BaseModel):
    """Parameters of a hybrid retriever."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bm25: BM25Config = Field(default_factory=BM25Config)
    dense: DenseConfig = Field(default_factory=DenseConfig)
    rrf_k: int = Field(default=60, ge=0, description="RRF smoothing constant.")
    depth: int = Field(default=100, ge=1, description="How deep each run is read for fusion.")


class HybridRetriever:
    """Reciprocal rank fusion of a BM25 and a dense retriever; implements ``Retriever``.

    The two retrievers are built from the config unless given (e.g. to share an index).
    """

    def __init__(
        self,
        config: HybridConfig | None = None,
        *,
        lexical: Retriever | None = None,
        dense: Retriever | None = None,
    ) -> None:
        self.config = config if config is not None else HybridConfig()
        self.lexical: Retriever = (
            lexical if lexical is not None else BM25Retriever(self.config.bm25)
        )
        self.dense: Retriever = dense if dense is not None else DenseRetriever(self.config.dense)

    def index(self, documents: Sequence[Document]) -> None:
        """Index the documents in both retrievers."""
        self.lexical.index(documents)
        self.dense.index(documents)

    def search(self, queries: Mapping[str, str], k: int) -> Ranking:
        """Fuse both retrievers' top ``max(depth, k)`` lists; return the top ``k`` per query."""
        depth = max(self.config.depth, k)
        runs = [self.lexical.search(queries, depth), self.dense.search(queries, depth)]
        fused = reciprocal_rank_fusion(runs, k, self.config.rrf_k)
        return {qid: fused.get(qid, {}) for qid in queries}
