"""Retrieval stage: trec_eval-exact metrics, built-in retrievers and the stage entry point."""

from evalstage.retrieval_eval._evaluate import EvalOptions, Evaluation, evaluate, rank_documents
from evalstage.retrieval_eval._metrics import RETRIEVAL_METRICS
from evalstage.retrieval_eval._stage import (
    RetrievalCase,
    RetrievalContext,
    RetrievalInputs,
    RetrievalOptions,
    RetrievalReport,
    load_retrieval_inputs,
    score_retrieval,
)
from evalstage.retrieval_eval._targets import (
    RETRIEVAL_TARGETS,
    RetrievalTarget,
    TargetOutput,
    build_retriever,
    run_target,
)
from evalstage.retrieval_eval._trec import format_run, read_beir, read_qrels, read_run, write_run
from evalstage.retrieval_eval._types import Qrels, Ranking, Retriever
from evalstage.retrieval_eval.measures import Measure, parse_measure, parse_measures

__all__ = [
    "RETRIEVAL_METRICS",
    "RETRIEVAL_TARGETS",
    "EvalOptions",
    "Evaluation",
    "Measure",
    "Qrels",
    "Ranking",
    "RetrievalCase",
    "RetrievalContext",
    "RetrievalInputs",
    "RetrievalOptions",
    "RetrievalReport",
    "RetrievalTarget",
    "Retriever",
    "TargetOutput",
    "build_retriever",
    "evaluate",
    "format_run",
    "load_retrieval_inputs",
    "parse_measure",
    "parse_measures",
    "rank_documents",
    "read_beir",
    "read_qrels",
    "read_run",
    "run_target",
    "score_retrieval",
    "write_run",
]
