"""Cost of the probe variants on the demo: the generation stage with and without them.

In one process, alternately (``--rounds`` times each): the demo's generation stage with only the
four context variants, and with the demo's own ``variants`` (probes included, ``probe_cases``
as in suite.yaml). Each round builds the variants, runs a fresh ``extractive`` generator (its
embedding cache empty) and scores with a fresh offline verifier (no pair cache), as a first run
on a fresh clone does. Printed per round: variants, seconds per phase, and the ratio of the
medians (probes / context only). Writes ``bench/results/probes.json``.

    python bench/bench_probes.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from _common import write_results

from evalstage.evalcore.suite import load_suite
from evalstage.flows.generation import make_variants_batch
from evalstage.generation_eval import (
    ADVERSARIAL,
    GenerationContext,
    GenerationInputs,
    load_generation_inputs,
    run_generator,
    score_generation,
)
from evalstage.generation_eval.verifier import build_verifier


def one_round(inputs: GenerationInputs) -> dict[str, Any]:
    """Variants, generation and scoring of ``inputs``, timed."""
    t0 = time.perf_counter()
    variants, skipped = make_variants_batch(inputs)  # in-process: a plain call
    t1 = time.perf_counter()
    run = run_generator(inputs.target, variants, suite_root=inputs.suite_root)
    t2 = time.perf_counter()
    verifier = build_verifier(inputs.options.verifier, cache=False)
    context = GenerationContext(
        cases=inputs.cases,
        variants=variants,
        outputs=run.outputs,
        errors=run.errors,
        skipped=skipped,
    )
    score_generation(context, verifier)
    t3 = time.perf_counter()
    return {
        "variants": len(variants),
        "make_s": t1 - t0,
        "generate_s": t2 - t1,
        "score_s": t3 - t2,
        "total_s": t3 - t0,
    }


def main() -> None:
    """Run the rounds and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    probes = load_generation_inputs(load_suite("suites/demo"))
    options = probes.options.model_copy(update={"variants": list(ADVERSARIAL)})
    context_only = probes.model_copy(update={"options": options})
    rows: dict[str, list[dict[str, Any]]] = {"context_only": [], "with_probes": []}
    for _ in range(args.rounds):
        for name, inputs in (("context_only", context_only), ("with_probes", probes)):
            row = one_round(inputs)
            rows[name].append(row)
            print(
                f"{name:13s} variants={row['variants']:5d} make={row['make_s']:6.1f}s "
                f"generate={row['generate_s']:6.1f}s score={row['score_s']:6.1f}s "
                f"total={row['total_s']:6.1f}s",
                flush=True,
            )
    medians = {k: statistics.median(r["total_s"] for r in v) for k, v in rows.items()}
    ratio = medians["with_probes"] / medians["context_only"]
    print(f"ratio with probes / context only: {ratio:.2f}")
    write_results("probes", {"rounds": rows, "median_total_s": medians, "ratio": ratio})


if __name__ == "__main__":
    main()
