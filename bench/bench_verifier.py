"""Speed of the verifier: 1,000 answer/passage pairs, end to end and against the bare model.

``python bench/bench_verifier.py [--input FILE] [--n 1000]``. The input is a verify JSONL file
(``{"id", "context", "claim", "question"?}``); by default the HaluEval QA held-out set
(``$EVALSTAGE_HELDOUT/halueval_qa.jsonl``, see ``bench/verifier_data/README.md``), else the
SciFact claims against their abstracts. Three figures, each the best of two runs:

- ``evalstage generation verify`` as a user runs it (a new process: model loading, reading,
  window selection, scoring, writing), with an empty data folder (a cold pair cache);
- ``Verifier.verify`` in-process (model loaded) against ``OfflineScorer.score_pairs`` on exactly
  the deduplicated pairs it scores, same batch size: the throughput ratio;
- a warm rerun from the content-hash pair cache.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import write_results
from verifier_validity import HELDOUT, scifact_items

from evalstage.generation_eval.verifier import OfflineScorer, PairCache, Verifier
from evalstage.generation_eval.verifier._question import answer_claim
from evalstage.generation_eval.verifier._windows import select_windows


def load_items(path: Path | None, n: int) -> tuple[str, list[dict[str, Any]]]:
    if path is None and (HELDOUT / "halueval_qa.jsonl").is_file():
        path = HELDOUT / "halueval_qa.jsonl"
    if path is None:
        rows = [{**i, "context": i["context"][0]} for i in scifact_items()]
        return "scifact claims vs abstracts", rows[:n]
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return path.name, rows[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input", type=Path, default=None)
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    name, rows = load_items(args.input, args.n)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "pairs.jsonl"
        source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        cli = []
        for _ in range(2):
            env = {**os.environ, "EVALSTAGE_HOME": str(Path(tmp) / f"home{len(cli)}")}
            start = time.perf_counter()
            subprocess.run(
                [str(Path(sys.executable).with_name("evalstage")), "generation", "verify",
                 "--input", str(source), "--output", str(Path(tmp) / "out.jsonl")],
                check=True, env=env, capture_output=True,
            )  # fmt: skip
            cli.append(time.perf_counter() - start)

    items = [(r["claim"], [r["context"]] if isinstance(r["context"], str) else r["context"])
             for r in rows]  # fmt: skip
    questions = [r.get("question") for r in rows]
    scorer = OfflineScorer(batch_size=32)
    scorer.score_pairs([("warm up the model.", "warm up.")])
    verifier = Verifier(scorer)
    claims = [str(answer_claim(q, c)) for (c, _), q in zip(items, questions, strict=True)]
    pairs = list(dict.fromkeys(
        (w.text, claim) for claim, (_, ctx) in zip(claims, items, strict=True)
        for w in select_windows(claim, ctx, verifier.top_m)
    ))  # fmt: skip
    raw_times, verify_times = [], []
    for _ in range(2):  # interleaved, best of two, to damp noise from other processes
        start = time.perf_counter()
        scorer.score_pairs(pairs)
        raw_times.append(time.perf_counter() - start)
        verifier = Verifier(scorer)
        start = time.perf_counter()
        verifier.verify(items, questions)
        verify_times.append(time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as tmp:
        Verifier(scorer, cache=PairCache(Path(tmp) / "p.sqlite")).verify(items, questions)
        warm = Verifier(scorer, cache=PairCache(Path(tmp) / "p.sqlite"))
        start = time.perf_counter()
        warm.verify(items, questions)
        warm_time = time.perf_counter() - start
        assert warm.scored_pairs == 0
    raw, ver = min(raw_times), min(verify_times)
    payload = {
        "input": name,
        "claims": len(rows),
        "pairs": len(pairs),
        "scorer": scorer.identity,
        "cli_seconds": cli,
        "raw_seconds": raw_times,
        "verify_seconds": verify_times,
        "raw_pairs_per_s": len(pairs) / raw,
        "verify_pairs_per_s": len(pairs) / ver,
        "throughput_ratio": raw / ver,
        "warm_cache_seconds": warm_time,
    }
    path = write_results("verifier_throughput", payload)
    print(f"{name}: {len(rows)} claims, {len(pairs)} pairs; `evalstage generation verify` "
          f"{min(cli):.1f}s; verify {len(pairs) / ver:.1f} pairs/s vs raw "
          f"{len(pairs) / raw:.1f} pairs/s, ratio {raw / ver:.3f}; warm cache {warm_time:.2f}s; "
          f"wrote {path}")  # fmt: skip


if __name__ == "__main__":
    main()
