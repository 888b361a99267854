"""Retrieval stage: trec_eval-exact metrics, built-in retrievers and the stage entry point."""

from retrieval_eval._evaluate import EvalOptions, Evaluation, evaluate, rank_documents
from retrieval_eval._trec import format_run, read_beir, read_qrels, read_run, write_run
from retrieval_eval._types import Qrels, Ranking, Retriever
from retrieval_eval.measures import Measure, parse_measure, parse_measures

__all__ = [
    "EvalOptions",
    "Evaluation",
    "Measure",
    "Qrels",
    "Ranking",
    "Retriever",
    "evaluate",
    "format_run",
    "parse_measure",
    "parse_measures",
    "rank_documents",
    "read_beir",
    "read_qrels",
    "read_run",
    "write_run",
]
