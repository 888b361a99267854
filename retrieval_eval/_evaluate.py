"""Evaluate a run against qrels with trec_eval semantics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from evalstage.retrieval_eval._kernels import KERNELS, Judged, Kernel
from evalstage.retrieval_eval._types import Qrels, Ranking
from evalstage.retrieval_eval.measures import Measure, parse_measures

MissingPolicy = Literal["skip", "zero"]
UNJUDGED = float("-inf")
"""Grade of a retrieved doc without a judgment (and of padding): never relevant, no gain."""


class EvalOptions(BaseModel):
    """How a run is judged.

    ``missing_queries``: a query that has judgments but is absent from the run is left out of
    the averages (``skip``, trec_eval's default) or scored 0 on every measure and counted
    (``zero``, trec_eval ``-c``). Queries in the run without judgments are always ignored.
    ``max_docs`` keeps only the first N docs of each ranking after sorting (trec_eval ``-M``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    relevance_level: int = Field(default=1, description="Minimum grade that counts as relevant.")
    missing_queries: MissingPolicy = "skip"
    max_docs: int | None = Field(default=None, ge=1)


@dataclass(frozen=True)
class Evaluation:
    """Per-query values of each measure, aligned with ``query_ids`` (sorted as trec_eval does)."""

    query_ids: list[str]
    values: dict[Measure, np.ndarray]

    def aggregate(self, measure: Measure) -> float:
        """trec_eval's 'all' value: the mean over queries, or the sum for counts."""
        if measure.family == "num_q":
            return float(len(self.query_ids))
        column = self.values[measure]
        if column.size == 0:
            return 0.0
        return float(column.sum() if measure.is_count else column.mean())

    def per_query(self) -> dict[str, dict[str, float]]:
        """``{query_id: {measure name: value}}``."""
        return {
            qid: {m.name: float(v[i]) for m, v in self.values.items()}
            for i, qid in enumerate(self.query_ids)
        }


def rank_documents(scores: Mapping[str, float]) -> list[str]:
    """Doc ids by score descending, ties broken by doc id descending (trec_eval's order)."""
    docs = sorted(scores, reverse=True)
    docs.sort(key=scores.__getitem__, reverse=True)  # stable: ties keep doc id descending
    return docs


def judge(qrels: Qrels, run: Ranking, options: EvalOptions) -> tuple[list[str], Judged]:
    """Re-sort each ranking and look up its grades, giving the matrix the kernels read."""
    if options.missing_queries == "zero":
        query_ids = sorted(qrels)
    else:
        query_ids = sorted(q for q in run if q in qrels)
    level = options.relevance_level
    limit = options.max_docs
    grades: list[float] = []
    lengths: list[int] = []
    ideal: list[float] = []
    ideal_lengths: list[int] = []
    n_relevant: list[int] = []
    empty: dict[str, float] = {}
    for qid in query_ids:
        judged = qrels[qid]
        ranked = rank_documents(run.get(qid, empty))
        if limit is not None:
            ranked = ranked[:limit]
        get = judged.get
        grades.extend([get(doc, UNJUDGED) for doc in ranked])
        lengths.append(len(ranked))
        values = judged.values()
        n_relevant.append(sum(1 for g in values if g >= level))
        positive = sorted((g for g in values if g > 0), reverse=True)
        ideal.extend(positive)
        ideal_lengths.append(len(positive))
    matrix = _pad(grades, lengths, UNJUDGED)
    return query_ids, Judged(
        grades=matrix,
        relevant=matrix >= level,
        n_retrieved=np.asarray(lengths, dtype=np.int64),
        n_relevant=np.asarray(n_relevant, dtype=np.int64),
        ideal=_pad(ideal, ideal_lengths, 0.0),
    )


def _pad(flat: Sequence[float], lengths: Sequence[int], fill: float) -> np.ndarray:
    """Lay out concatenated rows of the given lengths as a rectangle, padding with ``fill``."""
    sizes = np.asarray(lengths, dtype=np.int64)
    width = max(1, int(sizes.max()) if sizes.size else 0)  # one column even for empty runs
    out = np.full((sizes.size, width), fill, dtype=np.float64)
    out[np.arange(width)[None, :] < sizes[:, None]] = np.asarray(flat, dtype=np.float64)
    return out


def evaluate(
    qrels: Qrels,
    run: Ranking,
    measures: Iterable[Measure | str],
    options: EvalOptions | None = None,
    *,
    kernels: Mapping[str, Kernel] = KERNELS,
) -> Evaluation:
    """Score ``run`` against ``qrels`` on each measure, per query, with trec_eval semantics."""
    options = options or EvalOptions()
    specs: list[Measure] = []
    for m in measures:
        for spec in parse_measures(m) if isinstance(m, str) else [m]:
            if spec not in specs:
                specs.append(spec)
    query_ids, judged = judge(qrels, run, options)
    values = {m: kernels[m.family](judged, m.cutoff) for m in specs}
    return Evaluation(query_ids=query_ids, values=values)
