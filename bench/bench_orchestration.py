"""Prefect orchestration overhead: the demo suite through ``evaluate_suite`` vs direct calls.

Direct: for each stage, load its inputs from the suite, run the target and score, calling the
very functions the Prefect tasks wrap (``task.fn``) in one worker thread, with no Prefect.
Prefect: the same stages through ``evaluate_suite`` (parent flow, one subflow per stage, batch
tasks, artifacts and the store write) against a local Prefect server started before timing
(``prefect_test_harness``). Task caching is off for both (``EVALSTAGE_TASK_CACHE=off``), so every
repeat recomputes; a cached rerun (resume) is timed once on its own. Repeats alternate their
order; medians are reported. The generation stage is skipped, with the reason, when its
verifier cannot be built.

    .venv/bin/python bench/bench_orchestration.py [--repeats 3] [--stages retrieval agent]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from _common import SUITE, median, write_results

from evalstage.evalcore import load_suite, sqlite_url

GOAL = 1.25


def direct_retrieval(suite_dir: Path) -> int:
    from evalstage.flows.retrieval import retrieve_batch, score_batch
    from evalstage.retrieval_eval import load_retrieval_inputs

    inputs = load_retrieval_inputs(load_suite(suite_dir))
    return len(score_batch(retrieve_batch(inputs)).results)


def direct_generation(suite_dir: Path) -> int:
    from evalstage.flows.generation import (
        generate_batch,
        make_variants_batch,
        score_generation_batch,
    )
    from evalstage.generation_eval import load_generation_inputs

    inputs = load_generation_inputs(load_suite(suite_dir))
    variants, skipped = make_variants_batch(inputs)
    run = generate_batch(inputs, variants)
    return len(score_generation_batch(inputs, variants, skipped, run).results)


def direct_agent(suite_dir: Path) -> int:
    from evalstage.agent_eval import load_agent_inputs
    from evalstage.flows.agent import run_agent_batch, score_agent_batch

    inputs = load_agent_inputs(load_suite(suite_dir))
    return len(score_agent_batch(inputs, run_agent_batch(inputs)).results)


DIRECT: dict[str, Callable[[Path], int]] = {
    "retrieval": direct_retrieval,
    "generation": direct_generation,
    "agent": direct_agent,
}


def clock(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def generation_works() -> str | None:
    """None when the generation stage can run here, else why not (e.g. verifier not trained)."""
    try:
        from evalstage.generation_eval import build_verifier, load_generation_inputs

        build_verifier(load_generation_inputs(load_suite(SUITE)).options.verifier)
    except Exception as exc:  # report, do not fail the benchmark
        return f"{type(exc).__name__}: {exc}"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stages", nargs="+", default=["retrieval", "generation", "agent"])
    args = parser.parse_args()
    stages: list[str] = list(args.stages)
    skipped: dict[str, str] = {}
    if "generation" in stages and (why := generation_works()) is not None:
        stages.remove("generation")
        skipped["generation"] = why

    from prefect.testing.utilities import prefect_test_harness

    from evalstage.flows.evaluate import evaluate_suite
    from evalstage.flows.runtime import run

    with tempfile.TemporaryDirectory() as tmp, prefect_test_harness(server_startup_timeout=180):
        url = sqlite_url(Path(tmp) / "runs.db")
        os.environ["EVALSTAGE_TASK_CACHE"] = "off"

        def through_prefect() -> None:
            run("prefect", evaluate_suite, str(SUITE), stages=stages, store_url=url)

        def direct() -> None:
            # in a worker thread, as Prefect's task runner runs the tasks: on a busy machine the
            # torch-based agent baseline is several times slower on the main thread
            with ThreadPoolExecutor(max_workers=1) as pool:
                for stage in stages:
                    pool.submit(DIRECT[stage], SUITE).result()

        direct()  # warm-up: model loads, imports, OS file cache
        through_prefect()
        times: dict[str, list[float]] = {"direct": [], "prefect": []}
        for repeat in range(args.repeats):  # alternate the order: drift hits both sides
            order = ("direct", "prefect") if repeat % 2 == 0 else ("prefect", "direct")
            for side in order:
                times[side].append(clock(direct if side == "direct" else through_prefect))

        os.environ["EVALSTAGE_TASK_CACHE"] = "on"
        through_prefect()  # fills the cache
        cached = clock(through_prefect)

    direct_s, prefect_s = median(times["direct"]), median(times["prefect"])
    ratio = prefect_s / direct_s
    payload = {
        "suite": "suites/demo",
        "stages": stages,
        "skipped_stages": skipped,
        "repeats": args.repeats,
        "seconds": {k: [round(v, 3) for v in vs] for k, vs in times.items()},
        "median_seconds": {"direct": round(direct_s, 3), "prefect": round(prefect_s, 3)},
        "ratio_prefect_over_direct": round(ratio, 3),
        "goal_ratio": GOAL,
        "meets_goal": ratio <= GOAL,
        "prefect_cached_rerun_seconds": round(cached, 3),
        "notes": "server start excluded; prefect side includes subflows, artifacts and the "
        "store write; direct side runs the task functions in one worker thread like Prefect's "
        "task runner (on the main thread the torch agent baseline ran 3-10x slower here); "
        "caching off except the cached rerun",
    }
    path = write_results("orchestration", payload)
    print(f"wrote {path}")
    print(
        f"| Prefect orchestration (demo: {', '.join(stages)}) | direct {direct_s:.2f} s | "
        f"evaluate_suite {prefect_s:.2f} s | {ratio:.2f}x (goal <= {GOAL}x) | "
        f"cached rerun {cached:.2f} s |"
    )


if __name__ == "__main__":
    main()
