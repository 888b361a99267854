"""Throughput of Verifier.verify against the raw backend forward pass over the same pairs.

Cold cache: the verifier (sentence splitting, window selection, hashing, one batched scorer call,
aggregation) vs ``OfflineScorer.score_pairs`` on exactly the deduplicated pairs the verifier
scores, with the same batch size; the model is loaded before timing. Warm cache: a second
``verify`` with an on-disk pair cache that already holds every pair (no model call).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from _common import write_results

from generation_eval.verifier import OfflineScorer, PairCache, Verifier
from generation_eval.verifier._scifact import claim_items, load_claims, load_corpus, split_claims
from generation_eval.verifier._windows import select_windows
from generation_eval.verifier.train import DEFAULT_CORPUS, TOP_M

N_ITEMS = int(sys.argv[1]) if len(sys.argv) > 1 else 80
REPEATS = 2


def main() -> None:
    corpus = load_corpus(DEFAULT_CORPUS)
    items = claim_items(split_claims(load_claims())["test"], corpus)[:N_ITEMS]
    work = [(i.claim, [i.abstract]) for i in items]
    scorer = OfflineScorer(batch_size=32)
    scorer.score_pairs([("warm up the model.", "warm up.")])
    pairs = list(dict.fromkeys(
        (w.text, claim) for claim, ctx in work for w in select_windows(claim, ctx, TOP_M)
    ))  # fmt: skip

    raw_times, verify_times = [], []
    for _ in range(REPEATS):  # interleaved, best of REPEATS, to damp noise from other processes
        start = time.perf_counter()
        scorer.score_pairs(pairs)
        raw_times.append(time.perf_counter() - start)
        verifier = Verifier(scorer, top_m=TOP_M)
        start = time.perf_counter()
        verifier.verify(work)
        verify_times.append(time.perf_counter() - start)
        assert verifier.scored_pairs == len(pairs)

    with tempfile.TemporaryDirectory() as tmp:
        cached = Verifier(scorer, top_m=TOP_M, cache=PairCache(Path(tmp) / "pairs.sqlite"))
        start = time.perf_counter()
        cached.verify(work)
        cold_cached = time.perf_counter() - start
        warm = Verifier(scorer, top_m=TOP_M, cache=PairCache(Path(tmp) / "pairs.sqlite"))
        start = time.perf_counter()
        warm.verify(work)
        warm_time = time.perf_counter() - start
        assert warm.scored_pairs == 0

    raw, ver = min(raw_times), min(verify_times)
    payload = {
        "scorer": scorer.identity,
        "claims": len(work),
        "pairs": len(pairs),
        "batch_size": scorer.batch_size,
        "raw_seconds": raw_times,
        "verify_seconds": verify_times,
        "raw_pairs_per_s": len(pairs) / raw,
        "verify_pairs_per_s": len(pairs) / ver,
        "throughput_ratio": raw / ver,
        "cold_with_cache_write_seconds": cold_cached,
        "warm_cache_seconds": warm_time,
        "warm_cache_claims_per_s": len(work) / warm_time,
    }
    path = write_results("verifier_throughput", payload)
    print(f"{len(work)} claims, {len(pairs)} pairs: raw {len(pairs) / raw:.1f} pairs/s, "
          f"verify {len(pairs) / ver:.1f} pairs/s, ratio {raw / ver:.3f}; "
          f"warm cache {warm_time:.3f}s; wrote {path}")  # fmt: skip


if __name__ == "__main__":
    main()
