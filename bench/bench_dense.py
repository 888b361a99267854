"""Dense encoding: bare ``SentenceTransformer.encode`` vs ``DenseRetriever.encode_corpus``.

Encodes the first N SciFact documents (title + text) on CPU with the bundled all-MiniLM-L6-v2,
the same batch size and normalisation for both. ``ours cold`` starts with an empty cache in a
temp dir (it hashes the corpus, encodes and writes the .npy atomically); ``ours warm`` is a
fresh retriever over the same cache dir and must not touch the model. Model loading is not
timed. Times are the best of ``--repeats`` runs each, the order alternating
(bare, ours, ours, bare, ...) so that drift and contention hit both alike.

    .venv/bin/python bench/bench_dense.py [--docs 2000] [--repeats 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from _common import load_corpus, markdown_table, write_results
from sentence_transformers import SentenceTransformer

from evalstage.retrieval_eval._dense import DenseConfig, DenseRetriever


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    docs = load_corpus(limit=args.docs)
    texts = [d.full_text for d in docs]
    config_kwargs = {"batch_size": args.batch_size, "normalize": True}

    probe = DenseRetriever(DenseConfig(**config_kwargs))
    model_path = probe._resolve()[0]
    bare_model = SentenceTransformer(model_path, device="cpu")
    bare_model.encode(texts[:64], batch_size=args.batch_size)  # warm-up

    cache_root = tempfile.mkdtemp(prefix="bench_dense_")
    ours = DenseRetriever(DenseConfig(cache_dir=cache_root, **config_kwargs))
    ours.model.encode(texts[:64], batch_size=args.batch_size)  # load + warm-up, not timed

    bare_times: list[float] = []
    cold_times: list[float] = []
    bare_vectors = ours_vectors = np.zeros(0, dtype=np.float32)
    try:

        def run_bare() -> None:
            nonlocal bare_vectors
            start = time.perf_counter()
            bare_vectors = bare_model.encode(
                texts,
                batch_size=args.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            bare_times.append(time.perf_counter() - start)

        def run_cold() -> None:
            nonlocal ours_vectors
            shutil.rmtree(cache_root)
            os.makedirs(cache_root)
            start = time.perf_counter()
            ours_vectors = ours.encode_corpus(docs)
            cold_times.append(time.perf_counter() - start)
            assert ours.last_cache_hit is False

        for repeat in range(args.repeats):  # alternate the order: bare, ours, ours, bare, ...
            for run in (run_bare, run_cold) if repeat % 2 == 0 else (run_cold, run_bare):
                run()
                print(
                    f"  {run.__name__}: {(bare_times if run is run_bare else cold_times)[-1]:.1f}s",
                    flush=True,
                )

        warm = DenseRetriever(DenseConfig(cache_dir=cache_root, **config_kwargs))

        def no_model(self: DenseRetriever) -> object:
            raise AssertionError("warm run tried to load the model")

        warm._load_model = no_model.__get__(warm)  # type: ignore[method-assign]
        warm_times = []
        for _ in range(max(3, args.repeats)):
            start = time.perf_counter()
            warm_vectors = warm.encode_corpus(docs)
            warm_times.append(time.perf_counter() - start)
            assert warm.last_cache_hit is True
        start = time.perf_counter()
        warm.index(docs)
        warm_index_s = time.perf_counter() - start
    finally:
        shutil.rmtree(cache_root, ignore_errors=True)

    max_diff = float(np.max(np.abs(bare_vectors - ours_vectors)))
    assert np.array_equal(warm_vectors, ours_vectors)
    bare_s, cold_s, warm_s = min(bare_times), min(cold_times), min(warm_times)
    throughput_ratio = bare_s / cold_s
    warm_ratio = warm_s / cold_s
    n = len(docs)
    rows = [
        ["bare SentenceTransformer.encode", bare_s, n / bare_s, 1.0],
        ["ours cold (empty cache)", cold_s, n / cold_s, cold_s / bare_s],
        ["ours warm (cache hit, no model)", warm_s, n / warm_s, warm_s / bare_s],
        ["ours warm index() (+ faiss)", warm_index_s, n / warm_index_s, warm_index_s / bare_s],
    ]
    print(
        f"\n### Dense encoding: {n:,} SciFact docs, batch {args.batch_size}, "
        f"torch threads {torch.get_num_threads()}, CPU\n"
    )
    print(markdown_table(["run", "seconds", "docs/s", "time ×bare"], rows))
    print(
        f"\nours_cold/bare throughput = {throughput_ratio:.3f} (goal >= 0.95: "
        f"{'met' if throughput_ratio >= 0.95 else 'MISSED'}); warm/cold time = "
        f"{warm_ratio:.2%} (goal <= 5%: {'met' if warm_ratio <= 0.05 else 'MISSED'}); "
        f"max |bare - ours| = {max_diff:.2g}"
    )
    path = write_results(
        "bench_dense",
        {
            "docs": n,
            "batch_size": args.batch_size,
            "torch_threads": torch.get_num_threads(),
            "repeats": args.repeats,
            "bare_s": bare_times,
            "ours_cold_s": cold_times,
            "ours_warm_s": warm_times,
            "ours_warm_index_s": warm_index_s,
            "best": {"bare_s": bare_s, "ours_cold_s": cold_s, "ours_warm_s": warm_s},
            "ours_cold_over_bare_throughput": throughput_ratio,
            "warm_over_cold_time": warm_ratio,
            "goals": {
                "throughput_ratio_min": 0.95,
                "throughput_met": throughput_ratio >= 0.95,
                "warm_ratio_max": 0.05,
                "warm_met": warm_ratio <= 0.05,
            },
            "max_abs_diff_bare_vs_ours": max_diff,
        },
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
