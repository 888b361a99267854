"""Retrieval metrics: evalstage vs ranx vs pytrec_eval on 10,000 queries x 100 ranked docs.

Everyone starts from the same Python dicts (qrels and run), so conversion is part of the time.
ranx is warmed up first so numba's compilation is not counted. Values are checked against
pytrec_eval (trec_eval's C code) on every query and measure.

    .venv/bin/python bench/bench_metrics.py [--queries 10000] [--depth 100] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from evalstage.retrieval_eval import evaluate, parse_measures

CUTOFFS = (5, 10, 20, 100)


def synthetic(n_queries: int, depth: int, seed: int = 0) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    qrels: dict[str, dict[str, int]] = {}
    run: dict[str, dict[str, float]] = {}
    for q in range(n_queries):
        qid = f"q{q}"
        pool = rng.choice(5000, size=depth + 50, replace=False)
        judged = rng.choice(pool, size=30, replace=False)
        qrels[qid] = {f"d{d}": int(g) for d, g in zip(judged, rng.integers(0, 4, 30), strict=True)}
        scores = np.round(rng.random(depth) * 20, 1)  # rounded: ties happen, as in real runs
        run[qid] = {f"d{d}": float(s) for d, s in zip(pool[:depth], scores, strict=True)}
    return qrels, run


def timed(fn, repeats: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import pytrec_eval
    import ranx

    qrels, run = synthetic(args.queries, args.depth)
    ks = ",".join(str(k) for k in CUTOFFS)
    trec_names = [
        f"P.{ks}",
        f"recall.{ks}",
        f"ndcg_cut.{ks}",
        f"map_cut.{ks}",
        f"success.{ks}",
        "recip_rank",
        "map",
        "ndcg",
        "Rprec",
    ]
    ours_specs = [m for t in trec_names for m in parse_measures(t)]
    ranx_metrics = [
        f"{m}@{k}" for m in ("precision", "recall", "ndcg", "map", "hit_rate") for k in CUTOFFS
    ] + ["mrr", "map", "ndcg", "r-precision"]

    def ours():
        return evaluate(qrels, run, ours_specs)

    def with_ranx():
        return ranx.evaluate(ranx.Qrels(qrels), ranx.Run(run), ranx_metrics)

    pytrec_measures = set(trec_names)

    def with_pytrec():
        evaluator = pytrec_eval.RelevanceEvaluator(qrels, pytrec_measures)
        return evaluator.evaluate(run)

    small_q, small_r = synthetic(50, 20, seed=1)
    ranx.evaluate(ranx.Qrels(small_q), ranx.Run(small_r), ranx_metrics)  # numba warm-up

    t_ours, result = timed(ours, args.repeats)
    t_ranx, _ = timed(with_ranx, args.repeats)
    t_pytrec, reference = timed(with_pytrec, args.repeats)

    # equality with trec_eval (pytrec_eval) on every query and measure, to 1e-9
    worst = 0.0
    compared = 0
    for i, qid in enumerate(result.query_ids):
        for spec in ours_specs:
            key = spec.trec_name
            theirs = reference[qid][key]
            worst = max(worst, abs(float(result.values[spec][i]) - theirs))
            compared += 1

    out = {
        "queries": args.queries,
        "depth": args.depth,
        "measures": len(ours_specs),
        "seconds": {"evalstage": t_ours, "ranx": t_ranx, "pytrec_eval": t_pytrec},
        "ratio_ranx_over_evalstage": t_ranx / t_ours,
        "ratio_pytrec_eval_over_evalstage": t_pytrec / t_ours,
        "values_compared_with_pytrec_eval": compared,
        "max_abs_difference_vs_pytrec_eval": worst,
    }
    Path("bench/results").mkdir(parents=True, exist_ok=True)
    Path("bench/results/metrics.json").write_text(json.dumps(out, indent=2) + "\n")
    print(
        f"{args.queries:,} queries x {args.depth} docs, {len(ours_specs)} measures "
        f"({len(CUTOFFS)} cutoffs), best of {args.repeats}"
    )
    print("| library | seconds | time vs evalstage |")
    print("|---|---|---|")
    for name, t in out["seconds"].items():
        print(f"| {name} | {t:.3f} | {t / t_ours:.2f}x |")
    print(f"max |evalstage - pytrec_eval| over {compared:,} values: {worst:.2e}")


if __name__ == "__main__":
    main()
