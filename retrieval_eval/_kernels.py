"""How to measure: vectorised kernels over a matrix of ranked judgments, one per family.

Every kernel takes a :class:`Judged` (one row per query, one column per rank) and an optional
cutoff ``k`` and returns one value per query. Formulas follow trec_eval 10.0:

- ``P_k``         = |relevant in top k| / k   (k, not the number retrieved)
- ``recall_k``    = |relevant in top k| / R   (R = judged relevant docs of the query; 0 if R = 0)
- ``recip_rank``  = 1 / rank of the first relevant doc, 0 if none retrieved
- ``map``         = sum over relevant retrieved docs of (relevant so far / rank) / R
- ``map_cut_k``   = the same sum over the top k only, still divided by R
- ``Rprec``       = |relevant in top R| / R
- ``success_k``   = 1 if a relevant doc is in the top k, else 0
- ``ndcg``        = DCG / ideal DCG over the whole ranking, gain = the qrels grade (grades <= 0
  give no gain), discount log2(rank + 1); the ideal ranking sorts all judged grades > 0
- ``ndcg_cut_k``  = DCG@k / ideal DCG@k; with fewer than k docs retrieved DCG stops at the last
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

FloatArray = np.ndarray


@dataclass(frozen=True)
class Judged:
    """Judgments of ranked documents, padded to a rectangle with -inf.

    ``grades[q, i]`` is the qrels grade of the doc at rank ``i + 1`` of query ``q`` (-inf when
    unjudged or past the end of the ranking); ``relevant`` marks grades at or above the level.
    """

    grades: np.ndarray  # (n_queries, depth) float64
    relevant: np.ndarray  # (n_queries, depth) bool
    n_retrieved: np.ndarray  # (n_queries,) int64
    n_relevant: np.ndarray  # (n_queries,) int64: judged docs at or above the relevance level
    ideal: np.ndarray  # (n_queries, ideal_depth) float64: positive grades sorted descending

    @cached_property
    def cum_relevant(self) -> np.ndarray:
        """Running count of relevant docs down each ranking."""
        return np.cumsum(self.relevant, axis=1, dtype=np.int64)

    @cached_property
    def ranks(self) -> np.ndarray:
        """1-based ranks as a row vector."""
        return np.arange(1, self.grades.shape[1] + 1, dtype=np.float64)

    def discounts(self, width: int) -> np.ndarray:
        """``1 / log2(rank + 1)`` for ranks 1..width."""
        return 1.0 / np.log2(np.arange(2, width + 2, dtype=np.float64))

    def relevant_in_top(self, k: int) -> np.ndarray:
        """Number of relevant docs within the first ``k`` ranks."""
        depth = self.grades.shape[1]
        if depth == 0:
            return np.zeros(self.grades.shape[0], dtype=np.int64)
        return np.asarray(self.cum_relevant[:, min(k, depth) - 1])


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.zeros(numerator.shape, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def precision(j: Judged, k: int | None) -> FloatArray:
    """P@k = relevant in top k / k."""
    assert k is not None
    return j.relevant_in_top(k) / float(k)


def recall(j: Judged, k: int | None) -> FloatArray:
    """recall@k = relevant in top k / R."""
    assert k is not None
    return _safe_divide(j.relevant_in_top(k).astype(np.float64), j.n_relevant.astype(np.float64))


def success(j: Judged, k: int | None) -> FloatArray:
    """success@k (hit@k) = 1 if any relevant doc is in the top k."""
    assert k is not None
    return (j.relevant_in_top(k) > 0).astype(np.float64)


def recip_rank(j: Judged, k: int | None) -> FloatArray:
    """1 / rank of the first relevant doc."""
    has = j.relevant.any(axis=1)
    first = np.argmax(j.relevant, axis=1) + 1
    return np.where(has, 1.0 / first, 0.0)


def average_precision(j: Judged, k: int | None) -> FloatArray:
    """AP (k=None) or AP@k; divided by all judged relevant docs R."""
    depth = j.grades.shape[1] if k is None else min(k, j.grades.shape[1])
    precision_at = j.cum_relevant[:, :depth] / j.ranks[:depth]
    total = np.where(j.relevant[:, :depth], precision_at, 0.0).sum(axis=1)
    return _safe_divide(total, j.n_relevant.astype(np.float64))


def r_precision(j: Judged, k: int | None) -> FloatArray:
    """Relevant docs in the top R / R."""
    depth = j.grades.shape[1]
    if depth == 0:
        return np.zeros(j.grades.shape[0])
    at = np.clip(j.n_relevant, 1, depth) - 1
    hits = np.take_along_axis(j.cum_relevant, at[:, None], axis=1)[:, 0]
    return _safe_divide(hits.astype(np.float64), j.n_relevant.astype(np.float64))


def ndcg(j: Judged, k: int | None) -> FloatArray:
    """NDCG over the whole ranking (k=None) or nDCG@k, with graded gains."""
    depth = j.grades.shape[1] if k is None else min(k, j.grades.shape[1])
    gains = np.clip(j.grades[:, :depth], 0.0, None)
    dcg = gains @ j.discounts(depth)
    ideal_depth = j.ideal.shape[1] if k is None else min(k, j.ideal.shape[1])
    idcg = j.ideal[:, :ideal_depth] @ j.discounts(ideal_depth)
    return _safe_divide(dcg, idcg)


def num_ret(j: Judged, k: int | None) -> FloatArray:
    """Number of documents retrieved."""
    return j.n_retrieved.astype(np.float64)


def num_rel(j: Judged, k: int | None) -> FloatArray:
    """Number of judged relevant documents."""
    return j.n_relevant.astype(np.float64)


def num_rel_ret(j: Judged, k: int | None) -> FloatArray:
    """Number of relevant documents retrieved."""
    return np.asarray(j.relevant.sum(axis=1), dtype=np.float64)


def num_q(j: Judged, k: int | None) -> FloatArray:
    """One per evaluated query (summed: the number of queries)."""
    return np.ones(j.grades.shape[0])


Kernel = Callable[[Judged, int | None], FloatArray]

KERNELS: dict[str, Kernel] = {
    "P": precision,
    "recall": recall,
    "success": success,
    "recip_rank": recip_rank,
    "map": average_precision,
    "map_cut": average_precision,
    "Rprec": r_precision,
    "ndcg": ndcg,
    "ndcg_cut": ndcg,
    "num_ret": num_ret,
    "num_rel": num_rel,
    "num_rel_ret": num_rel_ret,
    "num_q": num_q,
}
"""Measure family -> kernel. Pass a different mapping to :func:`evaluate` to swap providers."""
