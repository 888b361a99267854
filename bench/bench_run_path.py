"""The run path's fixed costs: a small suite end to end, and a large retrieval batch.

Small suite (8 retrieval queries, BM25), every variant a new process timed from start to exit,
Python start-up and imports included, median of ``--repeats``:

- plain Python: the stage's own library calls (load the suite, retrieve, score, store the run);
- ``evalstage run`` (the default: in-process, no Prefect API configured);
- ``EVALSTAGE_ORCHESTRATION=prefect evalstage run``: a temporary Prefect server, its start
  included (what every run paid before).

Large batch (``--queries`` × 100 documents from a TREC run file, deterministic, so its batch
is cached): the stage's own work (load its inputs, retrieve, score: the same functions called
as plain Python, timed alone) as a share of the retrieval stage's wall time inside
``evalstage run`` (the stage seconds it stores: cache key and batch-cache write included).

    .venv/bin/python bench/bench_run_path.py [--repeats 3] [--queries 50000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import median, write_results

BIN = Path(sys.executable).parent
DOCS = [(f"d{i}", f"Document {i}", f"text of document {i} about topic {i % 7}") for i in range(12)]
QUERIES = [(f"q{i}", f"topic {i % 7} document {i}", {f"d{i}": 1}) for i in range(8)]

PLAIN = """
import sys, uuid
from datetime import UTC, datetime
from pathlib import Path
from evalstage.evalcore import ResultStore, load_suite
from evalstage.evalcore.records import RunRecord
from evalstage.evalcore.report import stage_summary
from evalstage.retrieval_eval import load_retrieval_inputs, run_target, score_retrieval
from evalstage.retrieval_eval import RetrievalContext

suite = load_suite(Path(sys.argv[1]))
inputs = load_retrieval_inputs(suite)
cases = inputs.active_cases
output = run_target(inputs.target, {c.query_id: c.query for c in cases}, inputs.documents,
                    inputs.options.depth, suite_root=inputs.suite_root)
report = score_retrieval(RetrievalContext(cases=cases, output=output, options=inputs.options))
run = RunRecord(run_id=uuid.uuid4().hex[:16], suite_name=suite.manifest.name,
                suite_version=suite.manifest.version, suite_hash=suite.content_hash,
                status="completed", started_at=datetime.now(UTC),
                stages=[stage_summary("retrieval", inputs, report, 0.0)])
ResultStore(sys.argv[2]).save_run(run, report.results)
"""


def write_suite(folder: Path, cases: list[tuple[str, str, dict[str, int]]], target: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "corpus.jsonl").open("w") as handle:
        for doc_id, title, text in DOCS:
            handle.write(json.dumps({"doc_id": doc_id, "title": title, "text": text}) + "\n")
    with (folder / "retrieval.jsonl").open("w") as handle:
        for qid, query, relevant in cases:
            handle.write(json.dumps({"query_id": qid, "query": query, "relevant": relevant}) + "\n")
    (folder / "suite.yaml").write_text(
        "name: bench\nversion: '1'\nstages:\n  retrieval:\n    cases: retrieval.jsonl\n"
        f"    target: {target}\n"
        "    options: {corpus: corpus.jsonl, depth: 100, measures: [ndcg@10, recall@100, mrr]}\n"
    )
    return folder


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=900)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{args} failed:\n{done.stderr[-3000:]}")
    return elapsed


def small_suite(tmp: Path, repeats: int) -> dict[str, Any]:
    suite = write_suite(tmp / "small", QUERIES, "{name: bm25}")
    base = dict(os.environ) | {"EVALSTAGE_HOME": str(tmp / "home"), "EVALSTAGE_TASK_CACHE": "off"}
    base.pop("PREFECT_API_URL", None)
    base.pop("EVALSTAGE_ORCHESTRATION", None)
    url = f"sqlite:///{tmp / 'runs.db'}"
    plain_cmd = [str(BIN / "python"), "-c", PLAIN, str(suite), url]
    run_cmd = [str(BIN / "evalstage"), "run", str(suite), "--store", url, "--json", "-q"]
    prefect_env = base | {"EVALSTAGE_ORCHESTRATION": "prefect"}
    timed(run_cmd, prefect_env)  # first run on this home: migrate Prefect's database once
    times: dict[str, list[float]] = {"plain": [], "run": [], "prefect": []}
    for _ in range(repeats):
        times["plain"].append(timed(plain_cmd, base))
        times["run"].append(timed(run_cmd, base))
        times["prefect"].append(timed(run_cmd, prefect_env))
    med = {k: median(v) for k, v in times.items()}
    return {
        "seconds": med,
        "run_over_plain": med["run"] / med["plain"],
        "prefect_over_plain": med["prefect"] / med["plain"],
        "all": times,
    }


def large_batch(tmp: Path, n_queries: int) -> dict[str, Any]:
    rng = random.Random(7)
    folder = tmp / "large"
    cases = [(f"q{i}", f"query {i}", {f"d{rng.randrange(12)}": 1}) for i in range(n_queries)]
    suite = write_suite(folder, cases, "{name: run_file, args: {path: run.trec}}")
    with (folder / "run.trec").open("w") as handle:
        for qid, _, _ in cases:
            for rank in range(100):
                handle.write(f"{qid} Q0 x{rank % 12}-{rank} {rank + 1} {100 - rank} bench\n")
    env = dict(os.environ) | {"EVALSTAGE_HOME": str(tmp / "home-large")}
    env.pop("PREFECT_API_URL", None)
    url = f"sqlite:///{tmp / 'large.db'}"
    wall = timed([str(BIN / "evalstage"), "run", str(suite), "--store", url, "--json", "-q"], env)
    from evalstage.evalcore import ResultStore, load_suite
    from evalstage.flows.retrieval import retrieve_batch, score_batch
    from evalstage.retrieval_eval import load_retrieval_inputs

    (run,) = ResultStore(url).list_runs()
    stage_seconds = run.stage("retrieval").seconds
    start = time.perf_counter()  # the stage's own work, as plain Python: load, retrieve, score
    score_batch(retrieve_batch(load_retrieval_inputs(load_suite(suite))))
    work = time.perf_counter() - start
    return {
        "queries": n_queries,
        "process_wall_s": wall,
        "stage_wall_s": stage_seconds,
        "stage_work_s": work,
        "work_share": work / stage_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--queries", type=int, default=50_000)
    parser.add_argument("--large-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = None if args.large_only else small_suite(Path(tmp), args.repeats)
        if small:
            print(
                f"small suite (8 queries): plain Python {small['seconds']['plain']:.2f} s, "
                f"evalstage run {small['seconds']['run']:.2f} s ({small['run_over_plain']:.2f}x), "
                f"through a temporary Prefect server {small['seconds']['prefect']:.2f} s "
                f"({small['prefect_over_plain']:.2f}x)"
            )
        large = large_batch(Path(tmp), args.queries) if args.queries else None
        if large:
            print(
                f"large batch ({large['queries']:,} queries x 100 docs): stage wall "
                f"{large['stage_wall_s']:.1f} s, its own work {large['stage_work_s']:.1f} s "
                f"({large['work_share']:.0%}); whole process {large['process_wall_s']:.1f} s"
            )
    name = "run_path_large" if args.large_only else "run_path"
    write_results(name, {"small": small, "large": large})


if __name__ == "__main__":
    main()
