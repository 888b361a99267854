"""Effectiveness of the built-in retrievers on SciFact (the demo suite): nDCG@10, recall@100.

Scored with pytrec_eval (trec_eval semantics). Every run is cut at 100 documents per query;
queries a run returns nothing for count as 0. The dense corpus embeddings are cached under
``$EVALSTAGE_CACHE`` (default ``~/.cache/evalstage``), so a second run skips the encoding.

Published references: BM25 0.665 nDCG@10 (BEIR paper, Elasticsearch), 0.679 (Pyserini BEIR
"flat" Lucene index, k1=0.9 b=0.4), all-MiniLM-L6-v2 about 0.645.

    .venv/bin/python bench/scifact_retrievers.py [--no-dense]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytrec_eval
from _common import load_corpus, load_queries, markdown_table, write_results

from evalstage.retrieval_eval._analyzer import AnalyzerConfig
from evalstage.retrieval_eval._bm25 import BM25Config, BM25Retriever
from evalstage.retrieval_eval._dense import DenseConfig, DenseRetriever
from evalstage.retrieval_eval._hybrid import HybridConfig, HybridRetriever
from evalstage.retrieval_eval._types import Ranking, Retriever

DEPTH = 100
PUBLISHED = {"bm25_beir": 0.665, "bm25_pyserini": 0.679, "minilm_l6_v2": 0.645}

BM25_CONFIGS: dict[str, BM25Config] = {
    "bm25 okapi k1=1.5 b=0.75, lucene analyzer": BM25Config(
        k1=1.5, b=0.75, analyzer=AnalyzerConfig.lucene()
    ),
    "bm25 okapi k1=0.9 b=0.4, lucene analyzer": BM25Config(
        k1=0.9, b=0.4, analyzer=AnalyzerConfig.lucene()
    ),
    "bm25 lucene k1=0.9 b=0.4, lucene analyzer (Pyserini preset)": BM25Config.pyserini(),
    "bm25 lucene k1=1.2 b=0.75, lucene analyzer": BM25Config(
        k1=1.2, b=0.75, variant="lucene", analyzer=AnalyzerConfig.lucene()
    ),
    "bm25 okapi k1=1.5 b=0.75, plain lowercase \\w+, no stem": BM25Config(
        k1=1.5, b=0.75, analyzer=AnalyzerConfig()
    ),
    "bm25 okapi k1=1.5 b=0.75, english stopwords + Porter2 (bm25s-like)": BM25Config(
        k1=1.5,
        b=0.75,
        analyzer=AnalyzerConfig(
            token_pattern=r"(?u)\b\w\w+\b", stopwords="english", stemmer="english"
        ),
    ),
}


def evaluate(run: Ranking, qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.100"})
    per_query = evaluator.evaluate({q: docs for q, docs in run.items() if docs})
    n = len(qrels)
    ndcg = sum(v["ndcg_cut_10"] for v in per_query.values()) / n
    recall = sum(v["recall_100"] for v in per_query.values()) / n
    return {"ndcg@10": ndcg, "recall@100": recall, "queries": n}


def timed_run(
    retriever: Retriever, queries: dict[str, str], index_docs: Sequence[Any] | None
) -> tuple[Ranking, float, float]:
    start = time.perf_counter()
    if index_docs is not None:
        retriever.index(index_docs)
    index_s = time.perf_counter() - start
    start = time.perf_counter()
    run = retriever.search(queries, DEPTH)
    return run, index_s, time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-dense", action="store_true", help="BM25 configurations only")
    args = parser.parse_args(argv)
    docs = load_corpus()
    queries, qrels = load_queries()
    results: dict[str, dict[str, Any]] = {}

    for name, config in BM25_CONFIGS.items():
        run, index_s, search_s = timed_run(BM25Retriever(config), queries, docs)
        results[name] = {
            **evaluate(run, qrels),
            "index_s": index_s,
            "search_s": search_s,
            "config": config.model_dump(mode="json"),
        }
        print(f"{name}: nDCG@10 {results[name]['ndcg@10']:.4f}", flush=True)

    if not args.no_dense:
        cache = Path(os.environ.get("EVALSTAGE_CACHE", Path.home() / ".cache" / "evalstage"))
        dense_config = DenseConfig(cache_dir=str(cache / "dense"))
        dense = DenseRetriever(dense_config)
        run, index_s, search_s = timed_run(dense, queries, docs)
        name = "dense all-MiniLM-L6-v2 (cosine, exact)"
        results[name] = {
            **evaluate(run, qrels),
            "index_s": index_s,
            "search_s": search_s,
            "embeddings_from_cache": dense.last_cache_hit,
            "config": dense_config.model_dump(mode="json"),
        }
        print(f"{name}: nDCG@10 {results[name]['ndcg@10']:.4f}", flush=True)

        for bm25_name, bm25_config in [
            ("Pyserini preset", BM25Config.pyserini()),
            ("okapi k1=1.5 b=0.75", BM25Config(analyzer=AnalyzerConfig.lucene())),
        ]:
            lexical = BM25Retriever(bm25_config)
            lexical.index(docs)
            hybrid_config = HybridConfig(bm25=bm25_config, dense=dense_config, rrf_k=60, depth=100)
            hybrid = HybridRetriever(hybrid_config, lexical=lexical, dense=dense)
            run, _, search_s = timed_run(hybrid, queries, None)
            name = f"hybrid RRF(k=60, depth 100): bm25 {bm25_name} + dense"
            results[name] = {
                **evaluate(run, qrels),
                "search_s": search_s,
                "config": hybrid_config.model_dump(mode="json"),
            }
            print(f"{name}: nDCG@10 {results[name]['ndcg@10']:.4f}", flush=True)

    target = PUBLISHED["bm25_pyserini"]
    best_bm25 = min(
        (n for n in results if n.startswith("bm25")),
        key=lambda n: abs(results[n]["ndcg@10"] - target),
    )
    rows = [
        [
            name,
            f"{r['ndcg@10']:.4f}",
            f"{r['recall@100']:.4f}",
            r.get("index_s", "-"),
            r["search_s"],
        ]
        for name, r in results.items()
    ]
    print(f"\n### SciFact ({len(docs):,} docs, {len(queries)} queries), runs cut at {DEPTH}\n")
    print(markdown_table(["retriever", "nDCG@10", "recall@100", "index s", "search s"], rows))
    gap = results[best_bm25]["ndcg@10"] - target
    print(
        f"\nclosest BM25 to Pyserini's {target}: {best_bm25} -> "
        f"{results[best_bm25]['ndcg@10']:.4f} ({gap:+.4f}); published: {PUBLISHED}"
    )
    path = write_results(
        "scifact_retrievers",
        {
            "metric_tool": f"pytrec_eval {getattr(pytrec_eval, '__version__', '')}".strip(),
            "depth": DEPTH,
            "published": PUBLISHED,
            "closest_bm25_to_pyserini": {"name": best_bm25, "gap": gap},
            "mean_over": "all queries with qrels",
            "results": results,
        },
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
