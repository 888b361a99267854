"""Repeats of a live target: every repeat in one pool vs one repeat after another.

The local chat-completions server of ``bench_concurrency.py`` answers every request after a
fixed sleep (``--latency-ms``, default 200). ``--cases`` variants are answered ``--repeats``
times at ``--concurrency``: once as the stage did before (one :func:`run_generator` per
repeat, each waiting for the last), once as it does now (:func:`run_generator_repeats`, every
repeat's calls in the target's one pool). Printed: both wall times, the ideal
``cases x repeats x latency / concurrency`` and the speed-up. Writes
``bench/results/repeats.json``.

    python bench/bench_repeats.py [--cases 6] [--repeats 4] [--concurrency 8] [--latency-ms 200]
"""

from __future__ import annotations

import argparse
import math
import time

from _common import write_results
from bench_concurrency import serve, variants

from evalstage.evalcore.suite import TargetSpec
from evalstage.generation_eval import run_generator
from evalstage.generation_eval._targets import run_generator_repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    args = parser.parse_args()
    latency = args.latency_ms / 1000.0
    httpd, url = serve(latency)
    items = variants(args.cases)
    spec = TargetSpec(
        name="openai", args={"base_url": url, "model": "bench", "concurrency": args.concurrency}
    )
    try:
        began = time.perf_counter()
        one_by_one = [run_generator(spec, items, suite_root=None) for _ in range(args.repeats)]
        sequential = time.perf_counter() - began
        began = time.perf_counter()
        pooled = run_generator_repeats(spec, items, suite_root=None, repeats=args.repeats)
        together = time.perf_counter() - began
    finally:
        httpd.shutdown()
        httpd.server_close()
    for run in [*one_by_one, *pooled]:
        assert not run.errors and list(run.outputs) == [i.key for i in items]

    def answers(runs: list) -> list[list[str]]:
        return [[g.answer for g in r.outputs.values()] for r in runs]

    assert answers(pooled) == answers(one_by_one), "answers differ between the two ways"
    calls = args.cases * args.repeats
    ideal = math.ceil(calls / args.concurrency) * latency
    row = {
        "cases": args.cases,
        "repeats": args.repeats,
        "concurrency": args.concurrency,
        "latency_ms": args.latency_ms,
        "one_repeat_after_another_s": round(sequential, 3),
        "one_pool_s": round(together, 3),
        "ideal_s": round(ideal, 3),
        "speedup": round(sequential / together, 2),
    }
    print(
        f"{args.cases} variants x {args.repeats} repeats at concurrency {args.concurrency}: "
        f"one repeat after another {sequential:.2f} s, one pool {together:.2f} s "
        f"(ideal {ideal:.2f} s), {row['speedup']:.2f}x faster"
    )
    print(f"wrote {write_results('repeats', row)}")


if __name__ == "__main__":
    main()
