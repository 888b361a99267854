"""The retrieval stage: cases, options, and ``score_retrieval`` (one context in, one report out)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from evalstage.evalcore.cases import CaseBase, Document
from evalstage.evalcore.discipline import check_cases
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.loaders import load_jsonl, load_jsonl_numbered
from evalstage.evalcore.metrics import MetricCatalog
from evalstage.evalcore.outcomes import FailureCategory, Outcome
from evalstage.evalcore.records import CaseResult
from evalstage.evalcore.report import (
    MEASURED,
    CaseHead,
    StageReport,
    declared_metrics,
    report_fields,
)
from evalstage.evalcore.suite import StageSpec, Suite, TargetSpec, require_active_cases
from evalstage.retrieval_eval._evaluate import EvalOptions, evaluate
from evalstage.retrieval_eval._metrics import RETRIEVAL_METRICS
from evalstage.retrieval_eval._targets import TargetOutput
from evalstage.retrieval_eval._trec import read_beir
from evalstage.retrieval_eval.measures import Measure, parse_measure, parse_measures

STAGE = "retrieval"
DEFAULT_MEASURES = ("ndcg@10", "recall@10", "recall@100", "precision@10", "mrr", "map", "hit@10")


class RetrievalCase(CaseBase):
    """One query with its graded relevance judgments."""

    query_id: str = Field(min_length=1)
    query: str = Field(min_length=1)
    relevant: dict[str, int] = Field(description="doc_id -> grade (>= relevance_level counts)")


class RetrievalOptions(BaseModel):
    """The ``options`` of a suite's retrieval stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    corpus: str | None = Field(default="corpus.jsonl", description="JSONL corpus (or .jsonl.gz).")
    beir: str | None = Field(default=None, description="A BEIR folder instead of corpus/cases.")
    beir_split: str = "test"
    depth: int = Field(default=100, ge=1, description="Documents retrieved per query.")
    measures: list[str] = Field(default_factory=lambda: list(DEFAULT_MEASURES))
    relevance_level: int = 1
    missing_queries: Literal["skip", "zero"] = "zero"
    pass_measure: str = "hit@10"
    pass_threshold: float = Field(default=1.0, ge=0.0, le=1.0)
    confidence: float = Field(default=0.95, gt=0.0, lt=1.0)

    @field_validator("measures")
    @classmethod
    def _known_measures(cls, value: list[str]) -> list[str]:
        for text in value:
            parse_measures(text)
        return value

    @field_validator("pass_measure")
    @classmethod
    def _known_pass_measure(cls, value: str) -> str:
        parse_measure(value)
        return value

    def measure_specs(self) -> list[Measure]:
        """Measures to aggregate, the pass measure included, without duplicates."""
        specs: list[Measure] = []
        for text in [*self.measures, self.pass_measure]:
            for spec in parse_measures(text):
                if spec not in specs and not spec.is_count:
                    specs.append(spec)
        return specs


class RetrievalInputs(BaseModel):
    """A suite's retrieval stage, loaded and validated."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    suite_root: Path
    target: TargetSpec
    options: RetrievalOptions
    cases: list[RetrievalCase]
    documents: list[Document]

    @property
    def active_cases(self) -> list[RetrievalCase]:
        """Cases new runs score (retired and draft ones are skipped)."""
        return [c for c in self.cases if c.active]


def load_retrieval_inputs(suite: Suite, spec: StageSpec | None = None) -> RetrievalInputs:
    """Load the retrieval stage of ``suite``: options, cases and corpus; errors say where."""
    spec, options = suite.stage(STAGE, RetrievalOptions, spec)
    numbered: list[tuple[int, RetrievalCase]] = []  # a BEIR folder's queries are not curated
    if options.beir:
        documents, queries, qrels = read_beir(suite.path(options.beir), options.beir_split)
        cases = [
            RetrievalCase(query_id=q, query=queries[q], relevant=qrels[q], category="beir")
            for q in sorted(qrels)
            if q in queries
        ]
    else:
        numbered = load_jsonl_numbered(suite.path(spec.cases), RetrievalCase, id_field="query_id")
        cases = [case for _, case in numbered]
        corpus = suite.corpus_path(options.corpus or "corpus.jsonl")
        documents = load_jsonl(corpus, Document, id_field="doc_id")
    known = {d.doc_id for d in documents}
    for number, case in enumerate(cases, start=1):
        unknown = sorted(set(case.relevant) - known)
        if unknown and not options.beir:
            raise SuiteError(
                f"query '{case.query_id}' judges doc '{unknown[0]}', which is not in the corpus",
                path=suite.path(spec.cases),
                line=number,
                field="relevant",
                hint="fix the doc id or add the document to the corpus",
            )
    check_cases(numbered, suite.path(spec.cases), suite.manifest.version)
    active = sum(c.active for c in cases)
    where = suite.path(options.beir) if options.beir else suite.path(spec.cases)
    require_active_cases(STAGE, active, len(cases), where)
    return RetrievalInputs(
        suite_root=suite.root,
        target=spec.target,
        options=options,
        cases=cases,
        documents=documents,
    )


class RetrievalContext(BaseModel):
    """The sole input of :func:`score_retrieval`: the cases and what the target returned."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    cases: list[RetrievalCase]
    output: TargetOutput
    options: RetrievalOptions = Field(default_factory=RetrievalOptions)


class RetrievalReport(StageReport):
    """Per-case results and aggregates of the retrieval stage."""

    declared: MetricCatalog = RETRIEVAL_METRICS


def score_retrieval(context: RetrievalContext) -> RetrievalReport:
    """Score what the target retrieved: per-case outcomes and aggregates with bootstrap CIs.

    A case with no document at or above the relevance level is ``unmeasured``; a case the target
    failed on is ``error``; both are left out of the aggregates, whose coverage says so. The rest
    pass when ``pass_measure >= pass_threshold`` and otherwise fail as ``retrieval_miss``.
    """
    options = context.options
    cases = [c for c in context.cases if c.active]
    level = options.relevance_level
    measured = [
        c
        for c in cases
        if c.query_id not in context.output.errors and any(g >= level for g in c.relevant.values())
    ]
    specs = options.measure_specs()
    pass_spec = parse_measure(options.pass_measure)
    evaluation = evaluate(
        {c.query_id: c.relevant for c in measured},
        {
            c.query_id: context.output.ranking[c.query_id]
            for c in measured
            if c.query_id in context.output.ranking
        },
        specs,
        EvalOptions(relevance_level=level, missing_queries=options.missing_queries),
    )
    row = {qid: i for i, qid in enumerate(evaluation.query_ids)}
    measured_ids = {c.query_id for c in measured}
    results: list[CaseResult] = []
    scored_ids: list[str] = []
    for case in cases:
        head = CaseHead(
            stage=STAGE, case_id=case.query_id, category=case.category, canary=case.canary
        )
        latency = context.output.latency_ms.get(case.query_id)
        details: dict[str, object] = {"latency_ms": latency} if latency is not None else {}
        if case.query_id in context.output.errors:
            results.append(head.error(context.output.errors[case.query_id], details))
            continue
        if case.query_id not in row:
            reason = (
                f"no document with grade >= {level} is judged"
                if case.query_id not in measured_ids
                else "query missing from the run (skip policy)"
            )
            results.append(head.unmeasured(reason, details))
            continue
        i = row[case.query_id]
        scores = {s.name: float(evaluation.values[s][i]) for s in [pass_spec, *specs]}
        ranked = sorted(
            context.output.ranking.get(case.query_id, {}).items(),
            key=lambda kv: (kv[1], kv[0]),
            reverse=True,
        )[:10]
        details["top10"] = [doc for doc, _ in ranked]
        details["relevant"] = case.relevant
        passed = scores[pass_spec.name] >= options.pass_threshold
        results.append(
            head.scored(
                None if passed else FailureCategory.RETRIEVAL_MISS,
                ""
                if passed
                else f"{pass_spec.name} = {scores[pass_spec.name]:.4f} < {options.pass_threshold}",
                scores,
                details,
            )
        )
        scored_ids.append(case.query_id)
    order = [row[q] for q in scored_ids]
    values = {s.name: evaluation.values[s][order] for s in specs}
    values["pass_rate"] = np.array(
        [r.outcome == Outcome.PASS for r in results if r.outcome in MEASURED], dtype=np.float64
    )
    return RetrievalReport(
        metrics=declared_metrics(RETRIEVAL_METRICS, values, len(cases), options.confidence),
        **report_fields(results, [s.name for s in specs], usage=False),
    )
