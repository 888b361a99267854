"""`evalstage agent check` on 400 BFCL cases: schema work cached by content vs redone per case.

The cases are the shared BFCL cases of tests/data/bfcl (simple_python, multiple, parallel,
parallel_multiple; gold outputs as in bench_agent_checker.py): the first ``--distinct`` of them
replicated with new case ids until there are ``--cases``, so that each tool schema recurs, as in
a live run where many cases offer the same tools; each case carries its own copy of its tools'
schemas. Two pools are measured: 40 distinct cases (each schema 10 times) and 400 distinct cases
(no schema repeats: the bound where caching cannot help). Both ways run in this process on the
same files — load the cases (meta-schema checks), load the outputs, score in strict mode
(validators) — best of --repeats, caches emptied before each repeat; then the command itself is
timed as a new process (start-up and imports included).

    .venv/bin/python bench/bench_agent_check.py [--cases 400] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import write_results
from bench_agent_checker import load

from evalstage.agent_eval import (
    AgentContext,
    load_agent_cases,
    load_outputs,
    score_agent,
    write_cases_jsonl,
)
from evalstage.agent_eval._checker._schemas import schema_caching


def write_inputs(folder: Path, n: int, distinct: int) -> tuple[Path, Path]:
    work = [w for w in load()[0] if w[0].expect != "no_call"][:distinct]
    cases, lines = [], []
    for i in range(n):
        case, gold, _ = work[i % len(work)]
        case_id = f"{case.case_id}#{i}"
        cases.append(case.model_copy(update={"case_id": case_id}))
        for t, turn in enumerate(gold):
            lines.append({"case_id": case_id, "turn": t, **turn.model_dump(exclude_none=True)})
    cases_path, outputs_path = folder / "agent.jsonl", folder / "outputs.jsonl"
    write_cases_jsonl(cases, cases_path)
    outputs_path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return cases_path, outputs_path


def check_once(cases_path: Path, outputs_path: Path) -> tuple[float, str]:
    start = time.perf_counter()
    cases = load_agent_cases(cases_path)
    turns = load_outputs(outputs_path)
    report = score_agent(AgentContext(cases=cases, turns=turns, errors={}, mode="strict"))
    seconds = time.perf_counter() - start
    verdicts = json.dumps([r.model_dump(mode="json") for r in report.results], sort_keys=True)
    return seconds, verdicts


def measure(n: int, distinct: int, repeats: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        cases_path, outputs_path = write_inputs(Path(tmp), n, distinct)
        best: dict[str, float] = {}
        seen: dict[str, str] = {}
        for label, enabled in (("uncached", False), ("cached", True)):
            times = []
            for _ in range(repeats):
                with schema_caching(enabled):  # each repeat starts from empty caches
                    seconds, seen[label] = check_once(cases_path, outputs_path)
                times.append(seconds)
            best[label] = min(times)
        start = time.perf_counter()
        command = [str(Path(sys.executable).with_name("evalstage")), "agent", "check"]
        command += ["--cases", str(cases_path), "--outputs", str(outputs_path), "--json"]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        process = time.perf_counter() - start
    ratio = best["uncached"] / best["cached"]
    print(
        f"{n} cases ({distinct} distinct), load + check (strict): uncached "
        f"{best['uncached']:.3f} s, cached {best['cached']:.3f} s -> {ratio:.1f}x faster; "
        f"verdicts identical: {seen['uncached'] == seen['cached']}; "
        f"`evalstage agent check --json` as a new process: {process:.2f} s"
    )
    return {
        "n_cases": n,
        "distinct_cases": distinct,
        "seconds_uncached": round(best["uncached"], 4),
        "seconds_cached": round(best["cached"], 4),
        "speedup": round(ratio, 2),
        "verdicts_identical": seen["uncached"] == seen["cached"],
        "command_seconds": round(process, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    pools = [measure(args.cases, distinct, args.repeats) for distinct in (40, args.cases)]
    path = write_results("agent_check", {"repeats": args.repeats, "pools": pools})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
