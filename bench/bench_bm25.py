"""BM25 speed: evalstage's sparse BM25 vs rank_bm25 vs bm25s, on SciFact and 100k synthetic docs.

All three systems index and query the *same* token lists (evalstage's Lucene-like analyzer on
SciFact; synthetic tokens otherwise), so analysis time is reported once, separately. Times are
the best of several runs, single-threaded for every system (bm25s ``n_threads=0``).

    .venv/bin/python bench/bench_bm25.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Sequence
from typing import Any

import bm25s
import numpy as np
from _common import load_corpus, load_queries, markdown_table, timed, write_results
from rank_bm25 import BM25Okapi

from evalstage.retrieval_eval._analyzer import Analyzer, AnalyzerConfig
from evalstage.retrieval_eval._bm25 import BM25Config, BM25Retriever

K = 100


def synthetic_corpus(
    n_docs: int, n_queries: int, vocab_size: int = 100_000, mean_len: int = 100, seed: int = 0
) -> tuple[list[list[str]], list[list[str]]]:
    """Zipfian (s=1.07) tokens, Poisson(mean_len) lengths; queries of 3-10 terms of rank >= 100."""
    rng = np.random.default_rng(seed)
    weights = np.arange(1, vocab_size + 1, dtype=np.float64) ** -1.07
    cdf = np.cumsum(weights / weights.sum())
    words = [f"w{i}" for i in range(vocab_size)]
    lengths = np.maximum(rng.poisson(mean_len, n_docs), 1)
    ids = np.minimum(np.searchsorted(cdf, rng.random(int(lengths.sum()))), vocab_size - 1)
    flat = [words[i] for i in ids.tolist()]
    bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    docs = [flat[bounds[i] : bounds[i + 1]] for i in range(n_docs)]
    tail = cdf[99:] - cdf[98]  # ranks >= 100, like a stopword-free query
    queries = []
    for _ in range(n_queries):
        n = int(rng.integers(3, 11))
        picks = np.searchsorted(tail, rng.random(n) * tail[-1]) + 99
        queries.append([words[min(int(i), vocab_size - 1)] for i in picks])
    return docs, queries


def rank_bm25_topk(model: BM25Okapi, queries: Sequence[Sequence[str]]) -> list[np.ndarray]:
    out = []
    for q in queries:
        scores = model.get_scores(q)
        out.append(np.argsort(scores)[::-1][:K])  # as BM25Okapi.get_top_n does
    return out


def run_corpus(
    name: str,
    doc_ids: list[str],
    doc_tokens: list[list[str]],
    query_tokens: list[list[str]],
    rank_bm25_queries: int | None,
    repeats: int,
) -> dict[str, Any]:
    qids = [f"q{i}" for i in range(len(query_tokens))]
    n_q = len(query_tokens)
    rows: dict[str, dict[str, Any]] = {}

    for variant in ("okapi", "lucene"):
        ours = BM25Retriever(BM25Config(variant=variant))  # type: ignore[arg-type]
        index_s, _ = timed(lambda r=ours: r.index_tokenized(doc_ids, doc_tokens), repeats)
        qmap = dict(zip(qids, query_tokens, strict=True))
        query_s, _ = timed(lambda r=ours, q=qmap: r.search_tokenized(q, K), repeats)
        rows[f"evalstage ({variant})"] = {"index_s": index_s, "query_s": query_s}
        gc.collect()

    for backend in ("numpy", "numba"):

        def build(backend: str = backend) -> Any:
            model = bm25s.BM25(k1=1.5, b=0.75, backend=backend)
            model.index(doc_tokens, show_progress=False)
            return model

        index_s, model = timed(build, repeats)
        warm = model.retrieve(query_tokens[:2], k=K, show_progress=False, n_threads=0)  # jit
        del warm
        query_s, _ = timed(
            lambda m=model: m.retrieve(query_tokens, k=K, show_progress=False, n_threads=0),
            repeats,
        )
        rows[f"bm25s ({backend})"] = {"index_s": index_s, "query_s": query_s}
        del model
        gc.collect()

    index_s, reference = timed(lambda: BM25Okapi(doc_tokens), 1)
    subset = query_tokens if rank_bm25_queries is None else query_tokens[:rank_bm25_queries]
    sub_s, _ = timed(lambda m=reference: rank_bm25_topk(m, subset), 1)
    rows["rank_bm25"] = {
        "index_s": index_s,
        "query_s": sub_s * n_q / len(subset),
        "queries_timed": len(subset),
        "extrapolated": len(subset) < n_q,
    }
    base = rows["evalstage (okapi)"]
    for row in rows.values():
        row["query_per_s"] = n_q / row["query_s"]
        row["index_ratio_vs_ours"] = row["index_s"] / base["index_s"]
        row["query_ratio_vs_ours"] = row["query_s"] / base["query_s"]
    del reference
    gc.collect()
    return {"corpus": name, "n_docs": len(doc_ids), "n_queries": n_q, "k": K, "systems": rows}


def check_equal_to_rank_bm25(
    doc_ids: list[str], doc_tokens: list[list[str]], query_tokens: list[list[str]]
) -> dict[str, Any]:
    ours = BM25Retriever(BM25Config())
    ours.index_tokenized(doc_ids, doc_tokens)
    reference = BM25Okapi(doc_tokens)
    max_diff = 0.0
    same_topk = 0
    ranking = ours.search_tokenized({str(i): q for i, q in enumerate(query_tokens)}, K)
    for i, q in enumerate(query_tokens):
        expected = reference.get_scores(q)
        max_diff = max(max_diff, float(np.max(np.abs(ours.get_scores(q) - expected))))
        top = np.sort(expected[expected != 0])[::-1][:K]
        got = np.array(list(ranking[str(i)].values()))
        same_topk += int(len(got) == len(top) and np.allclose(got, top, rtol=0, atol=1e-9))
    return {
        "max_abs_diff": max_diff,
        "equal_1e-9": max_diff <= 1e-9,
        "queries": len(query_tokens),
        "queries_with_identical_top100_scores": same_topk,
    }


def print_table(result: dict[str, Any]) -> None:
    print(
        f"\n### {result['corpus']}: {result['n_docs']:,} docs, "
        f"{result['n_queries']} queries, top-{result['k']}\n"
    )
    header = ["system", "index s", "query s", "queries/s", "index ×ours", "query ×ours"]
    rows = []
    for name, row in result["systems"].items():
        extrapolated = row.get("extrapolated")
        note = f" (extrapolated from {row['queries_timed']} queries)" if extrapolated else ""
        rows.append(
            [
                name + note,
                row["index_s"],
                row["query_s"],
                row["query_per_s"],
                row["index_ratio_vs_ours"],
                row["query_ratio_vs_ours"],
            ]
        )
    print(markdown_table(header, rows))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10k synthetic docs, 1 repeat")
    parser.add_argument("--synthetic-docs", type=int, default=100_000)
    parser.add_argument("--rank-bm25-queries", type=int, default=20)
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 3
    n_synth = 10_000 if args.quick else args.synthetic_docs

    docs = load_corpus()
    queries, _ = load_queries()
    analyzer = Analyzer(AnalyzerConfig.lucene())
    start = time.perf_counter()
    doc_tokens = analyzer.tokenize_many([d.full_text for d in docs])
    analysis_s = time.perf_counter() - start
    query_tokens = analyzer.tokenize_many(list(queries.values()))
    doc_ids = [d.doc_id for d in docs]

    equality = check_equal_to_rank_bm25(doc_ids, doc_tokens, query_tokens)
    print(
        f"scores vs rank_bm25 on {equality['queries']} SciFact queries: max |diff| = "
        f"{equality['max_abs_diff']:.3g} -> {'EQUAL' if equality['equal_1e-9'] else 'DIFFERENT'}"
        f" to 1e-9; identical top-{K} scores for {equality['queries_with_identical_top100_scores']}"
        f"/{equality['queries']} queries"
    )
    print(
        f"analysis (Lucene-like analyzer, cold) of {len(docs):,} SciFact docs: {analysis_s:.3f} s"
    )

    scifact = run_corpus("SciFact", doc_ids, doc_tokens, query_tokens, None, repeats)
    print_table(scifact)

    start = time.perf_counter()
    synth_docs, synth_queries = synthetic_corpus(n_synth, 300)
    gen_s = time.perf_counter() - start
    synth = run_corpus(
        "synthetic Zipf",
        [f"d{i}" for i in range(len(synth_docs))],
        synth_docs,
        synth_queries,
        args.rank_bm25_queries,
        repeats,
    )
    synth["avg_doc_len"] = float(np.mean([len(d) for d in synth_docs]))
    synth["generation_s"] = gen_s
    print_table(synth)

    path = write_results(
        "bench_bm25",
        {
            "repeats": repeats,
            "timing": "best of `repeats` wall-clock runs, single thread; rank_bm25 timed once",
            "analysis_s_scifact": analysis_s,
            "equality_vs_rank_bm25": equality,
            "corpora": [scifact, synth],
        },
    )
    print(f"\nwrote {path}")
    return 0 if equality["equal_1e-9"] else 1


if __name__ == "__main__":
    sys.exit(main())
