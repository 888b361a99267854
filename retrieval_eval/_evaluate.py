"""Evaluate a run against qrels with trec_eval semantics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from retrieval_eval._kernels import KERNELS, Judged, Kernel
from retrieval_eval._types import Qrels, Ranking
from retrieval_eval.measures import Measure, parse_measures

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
    return [doc for doc, _ in sorted(scores.items(), key=itemgetter(1, 0), reverse=True)]


def judge(qrels: Qrels, run: Ranking, options: EvalOptions) -> tuple[list[str], Judged]:
    """Re-sort each ranking and look up its grades, giving the matrix the kernels read."""
    if options.missing_queries == "zero":
        query_ids = sorted(qrels)
    else:
        query_ids = sorted(q for q in run if q in qrels)
    level = options.relevance_level
    rows: list[list[float]] = []
    n_relevant = np.zeros(len(query_ids), dtype=np.int64)
    ideal_rows: list[list[int]] = []
    for i, qid in enumerate(query_ids):
        judged = qrels[qid]
        ranked = rank_documents(run.get(qid, {}))
        if options.max_docs is not None:
            ranked = ranked[: options.max_docs]
        rows.append([judged.get(doc, UNJUDGED) for doc in ranked])
        n_relevant[i] = sum(1 for g in judged.values() if g >= level)
        ideal_rows.append(sorted((g for g in judged.values() if g > 0), reverse=True))
    grades = _pad(rows, UNJUDGED)
    return query_ids, Judged(
        grades=grades,
        relevant=grades >= level,
        n_retrieved=np.array([len(r) for r in rows], dtype=np.int64),
        n_relevant=n_relevant,
        ideal=_pad(ideal_rows, 0.0),
    )


def _pad(rows: Sequence[Sequence[float]], fill: float) -> np.ndarray:
    width = max(1, max((len(r) for r in rows), default=0))  # one column even for empty runs
    out = np.full((len(rows), width), fill, dtype=np.float64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
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
