"""Tool-call checker throughput on the BFCL data in tests/data/bfcl (1,240 cases).

Every case is checked twice per mode: with a gold output (built from the possible answers: the
first non-"" acceptable value of each schema-required or non-optional parameter, parallel calls
reversed; irrelevance: a plain reply) and with a perturbed copy (one perturbation per case,
cycling through drop-a-parameter, bool-for-int, upper-cased strings, extra call, missing call,
malformed JSON, hallucinated tool, reordered calls; irrelevance: a call). The BFCL import is timed
separately. Best of --repeats wall times.

    .venv/bin/python bench/bench_agent_checker.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _common import write_results

from evalstage.agent_eval import AgentCase, AgentTurn, CheckMode, ToolCall, check_case, import_bfcl

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "bfcl"
CATEGORIES = ("simple_python", "multiple", "parallel", "parallel_multiple")
MODES: tuple[CheckMode, ...] = ("bfcl", "strict")


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _first(options: list[Any]) -> Any:
    return next(v for v in options if not (isinstance(v, str) and v == ""))


def _gold_value(value: Any, schema: dict[str, Any]) -> Any:
    if schema.get("type") == "dict" and isinstance(value, dict):
        return {k: _first(o) for k, o in value.items() if "" not in o}
    if (
        schema.get("type") in ("array", "tuple")
        and schema.get("items", {}).get("type") == "dict"
        and isinstance(value, list)
        and all(isinstance(e, dict) for e in value)
    ):
        return [_gold_value(e, {"type": "dict"}) for e in value]
    return value


def gold_calls(question: dict[str, Any], truth: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    functions = {f["name"]: f for f in question["function"]}
    calls = []
    for call in truth:
        ((name, params),) = call.items()
        parameters = functions[name]["parameters"]
        required = parameters.get("required", [])
        calls.append(
            (
                name,
                {
                    p: _gold_value(_first(o), parameters["properties"].get(p, {}))
                    for p, o in params.items()
                    if p in required or "" not in o
                },
            )
        )
    return calls


def perturb(calls: list[tuple[str, dict[str, Any]]], k: int) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = copy.deepcopy(calls)
    name, args = out[0]
    kind = k % 8
    if kind == 0 and args:
        args.pop(next(iter(args)))
    elif kind == 1:
        ints = [p for p, v in args.items() if type(v) is int]
        if ints:
            args[ints[0]] = True
    elif kind == 2:
        for p, v in args.items():
            if isinstance(v, str):
                args[p] = v.upper()
    elif kind == 3:
        out.append(out[0])
    elif kind == 4:
        out.pop()
    elif kind == 5:
        out[0] = (name, json.dumps(args)[:-1])
    elif kind == 6:
        out[0] = ("not_a_tool", args)
    else:
        out = out[1:] + out[:1]
    return out


def turns_of(calls: list[tuple[str, Any]]) -> list[AgentTurn]:
    return [
        AgentTurn(
            tool_calls=[
                ToolCall(name=n, arguments=a if isinstance(a, str) else json.dumps(a))
                for n, a in calls
            ]
        )
    ]


def load() -> tuple[list[tuple[AgentCase, list[AgentTurn], list[AgentTurn]]], float]:
    start = time.perf_counter()
    work: list[tuple[AgentCase, list[AgentTurn], list[AgentTurn]]] = []
    for category in CATEGORIES:
        answers = DATA / "possible_answer" / f"BFCL_v4_{category}.json"
        cases = {c.case_id: c for c in import_bfcl(DATA / f"BFCL_v4_{category}.json", answers)}
        truth = {a["id"]: a["ground_truth"] for a in _lines(answers)}
        for k, question in enumerate(_lines(DATA / f"BFCL_v4_{category}.json")):
            calls = gold_calls(question, truth[question["id"]])
            gold = list(reversed(calls)) if "parallel" in category else calls
            work.append((cases[question["id"]], turns_of(gold), turns_of(perturb(calls, k))))
    for case in import_bfcl(DATA / "BFCL_v4_irrelevance.json", None):
        tool = case.tools[0]["function"]["name"]
        bad = [AgentTurn(tool_calls=[ToolCall(name=tool, arguments="{}")])]
        work.append((case, [AgentTurn(content="No tool fits.")], bad))
    seconds = time.perf_counter() - start
    return work, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    work, load_seconds = load()
    n_cases = len(work)
    results: dict[str, Any] = {}
    for mode in MODES:
        best = {"gold": float("inf"), "perturbed": float("inf")}
        passed: dict[str, Counter[bool]] = {}
        for which, position in (("gold", 1), ("perturbed", 2)):
            for _ in range(args.repeats):
                start = time.perf_counter()
                verdicts = [check_case(item[0], item[position], mode) for item in work]
                best[which] = min(best[which], time.perf_counter() - start)
            passed[which] = Counter(v.passed for v in verdicts)
        total = best["gold"] + best["perturbed"]
        results[mode] = {
            "seconds_gold": round(best["gold"], 4),
            "seconds_perturbed": round(best["perturbed"], 4),
            "seconds_total": round(total, 4),
            "cases_per_second": round(2 * n_cases / total),
            "gold_passed": passed["gold"][True],
            "perturbed_passed": passed["perturbed"][True],
        }
        print(
            f"{mode:6s}: {n_cases} gold cases in {best['gold']:.3f} s, {n_cases} perturbed in "
            f"{best['perturbed']:.3f} s -> {2 * n_cases / total:,.0f} cases/s; "
            f"gold passed {passed['gold'][True]}/{n_cases}, "
            f"perturbed passed {passed['perturbed'][True]}/{n_cases}"
        )
    print(f"import of the 5 BFCL files (and gold building): {load_seconds:.3f} s")
    path = write_results(
        "agent_checker",
        {
            "data": "tests/data/bfcl (BFCL v4: simple_python, multiple, parallel, "
            "parallel_multiple, irrelevance)",
            "n_cases": n_cases,
            "repeats": args.repeats,
            "import_and_build_seconds": round(load_seconds, 4),
            "modes": results,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
