"""The end-to-end ``system`` target: one call per case, every stage scored from it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from suite_fixtures import (
    TINY_RAG,
    reviewed,
    write_rag_questions_as_retrieval,
    write_tiny_rag_suite,
)
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.evalcore import ResultStore, sqlite_url

runner = CliRunner()

SYSTEM = """
DOCS = {
    "d1": "Aspirin reduces the risk of heart attack in adults.",
    "d2": "Statins lower cholesterol and cardiovascular events.",
    "d3": "Vitamin D supplements do not prevent fractures in older adults.",
    "d4": "Short sleep duration is associated with obesity in children.",
    "d5": "Coffee consumption is linked to lower risk of liver disease.",
}
CALLS = []


def _rank(question):
    if "cholesterol" in question:  # a retrieval miss: the gold d2 is not found
        return ["d4", "d5"]
    words = set(question.lower().replace("?", "").split())
    scored = sorted(DOCS, key=lambda d: -len(words & set(DOCS[d].lower().rstrip(".").split())))
    return scored[:2]


def answer(question, passages=None):
    CALLS.append((question, passages is None))
    own = passages is None
    if own:
        passages = [{"doc_id": d, "text": DOCS[d], "score": 1.0 / (i + 1)}
                    for i, d in enumerate(_rank(question))]
    text = passages[0]["text"] if passages else ""
    if "fractures" in question:  # wrong on good retrieval
        text = "Vitamin D supplements prevent fractures in older adults."
    if "coffee" in question.lower():
        text = "I cannot answer from the sources."
    reply = {"answer": f"{text} [1]" if "cannot" not in text else text,
             "prompt_tokens": 100, "completion_tokens": 20}
    if own:
        reply["passages"] = passages
    return reply
"""


def _suite(tmp_path: Path, module: str, prices: str = "") -> Path:
    folder = write_tiny_rag_suite(tmp_path / "e2e", target="system")
    (folder / f"{module}.py").write_text(SYSTEM)
    write_rag_questions_as_retrieval(folder)  # the same questions, with qrels
    manifest = (
        (folder / "suite.yaml").read_text().replace("      name: bm25\n", "      name: system\n")
    )
    manifest += f"system:\n  name: callable\n  args: {{function: '{module}:answer'}}\n{prices}"
    (folder / "suite.yaml").write_text(manifest)
    return folder


def _run(suite: Path, db: Path, *extra: str):
    result = runner.invoke(app, ["run", str(suite), "--store", sqlite_url(db), *extra])
    assert result.exit_code in (0, 1), result.output
    store = ResultStore(sqlite_url(db))
    record = store.list_runs()[0]
    return result, record, store.case_results(record.run_id)


def test_one_call_per_case_scores_retrieval_and_generation(tmp_path: Path):
    suite = _suite(tmp_path, "e2e_system_a")
    result, record, results = _run(suite, tmp_path / "runs.db")
    calls = sys.modules["e2e_system_a"].CALLS
    own = [q for q, alone in calls if alone]
    assert sorted(own) == sorted(c["question"] for c in TINY_RAG)  # once each, both stages
    generation = [r for r in results if r.stage == "generation"]
    given = [r for r in generation if r.variant != "retrieved"]
    assert len(calls) - len(own) == len(given)  # the oracle variants: one call each
    ranked = {r.case_id: r for r in results if r.stage == "retrieval"}
    assert ranked["g3"].outcome.value == "fail" and ranked["g1"].outcome.value == "pass"
    e2e = {r.case_id: r for r in generation if r.variant == "retrieved"}
    assert e2e["g3"].details["passages"][0]["doc_id"] == "d4"  # the system's own passages
    assert e2e["g3"].details["failed_stage"] == "retrieval"
    assert e2e["g2"].details["failed_stage"] == "generation"
    assert "failed_stage" not in e2e["g1"].details or e2e["g1"].outcome.value == "fail"
    counts = record.stage("generation").config["end_to_end"]
    assert counts["n"] == 4 and counts["failed_at_retrieval"] >= 1
    assert counts["failed_at_generation"] >= 1
    shown = " ".join(result.stdout.split())
    assert "failed at retrieval (no gold document retrieved)" in shown
    assert record.stage("generation").target == {"name": "system", "args": {}} | {
        "described": record.stage("generation").target["described"]
    }
    described = record.stage("generation").target["described"]
    assert described["kind"] == "system" and described["system"]["kind"] == "callable"


def test_repeats_ask_again_and_cost_is_priced_from_the_tokens(tmp_path: Path):
    prices = "prices:\n  default: {input_per_million: 1.0, output_per_million: 2.0}\n"
    suite = _suite(tmp_path, "e2e_system_b", prices)
    result, record, results = _run(suite, tmp_path / "runs.db", "--repeats", "2")
    calls = sys.modules["e2e_system_b"].CALLS
    own = [q for q, alone in calls if alone]
    assert len(own) == 2 * len(TINY_RAG)  # once per case and repeat
    generation = [r for r in results if r.stage == "generation"]
    priced = [r for r in generation if "cost_usd" in r.details]
    assert priced and all(abs(r.details["cost_usd"] - 0.00014) < 1e-12 for r in priced)
    cost = record.stage("generation").config["cost"]
    assert cost["model"] == "default" and cost["cases_priced"] == 2 * len(priced)
    assert abs(cost["usd"] - 2 * len(priced) * 0.00014) < 1e-9  # both repeats' calls
    assert "cost" not in record.stage("retrieval").config  # no tokens: not measured, not 0
    shown = " ".join(result.stdout.split())
    assert "cost of the run: $" in shown and "not measured: retrieval" in shown


def test_a_stage_run_alone_and_recorded_is_priced(tmp_path: Path):
    from evalstage.flows.generation import generation_stage
    from evalstage.flows.runtime import run

    prices = "prices:\n  default: {input_per_million: 1.0, output_per_million: 2.0}\n"
    suite = _suite(tmp_path, "e2e_system_alone", prices)
    url = sqlite_url(tmp_path / "alone.db")
    _, report = run("local", generation_stage, str(suite), record=True, store_url=url)
    assert report.cost is not None and report.cost["cases_priced"] > 0  # one repeat, no parent
    store = ResultStore(url)
    (run,) = store.list_runs()
    assert store.get_run(run.run_id).stage("generation").config["cost"] == report.cost


def test_an_unpriced_model_is_not_measured(tmp_path: Path):
    prices = "prices:\n  some-other-model: {input_per_million: 1.0, output_per_million: 2.0}\n"
    suite = _suite(tmp_path, "e2e_system_c", prices)
    _, record, results = _run(suite, tmp_path / "runs.db", "--stage", "generation")
    assert "cost" not in record.stage("generation").config
    assert not any("cost_usd" in r.details for r in results)
    own = [q for q, alone in sys.modules["e2e_system_c"].CALLS if alone]
    assert len(own) == len(TINY_RAG)  # alone, the stage still asks each case once


def test_a_bad_price_table_stops_before_anything_runs(tmp_path: Path):
    prices = "prices:\n  default: {input_per_million: -1, output_per_million: 2.0}\n"
    suite = _suite(tmp_path, "e2e_system_d", prices)
    result = runner.invoke(app, ["run", str(suite), "--store", sqlite_url(tmp_path / "x.db")])
    assert result.exit_code == 2, result.output
    assert "prices.default.input_per_million" in result.output
    assert "e2e_system_d" not in sys.modules or not sys.modules["e2e_system_d"].CALLS


BARRIER = """
import threading

BARRIER = threading.Barrier(8, timeout=120)
CALLS = []


def answer(question, passages=None):
    CALLS.append((question, passages is None))
    if passages is None:
        BARRIER.wait()  # 4 questions x 2 repeats: only passes if both repeats are in flight
        return {"answer": "x [1]", "passages": [{"doc_id": "d1", "text": "x"}]}
    return {"answer": "x [1]"}
"""


def test_the_repeats_end_to_end_calls_run_together_within_the_concurrency(tmp_path: Path):
    suite = _suite(tmp_path, "e2e_system_e")
    (suite / "e2e_system_e.py").write_text(BARRIER)
    manifest = (suite / "suite.yaml").read_text()
    (suite / "suite.yaml").write_text(
        manifest.replace(
            "function: 'e2e_system_e:answer'}", "function: 'e2e_system_e:answer', concurrency: 8}"
        )
    )
    _, record, _ = _run(suite, tmp_path / "runs.db", "--repeats", "2")
    module = sys.modules["e2e_system_e"]
    assert not module.BARRIER.broken
    assert sum(alone for _, alone in module.CALLS) == 8
    assert record.stage("retrieval").config["repeats"] == 2


def test_export_inputs_of_a_system_suite_asks_nothing_and_round_trips(tmp_path: Path):
    suite = _suite(tmp_path, "e2e_system_f")
    out = tmp_path / "inputs.jsonl"
    result = runner.invoke(app, ["export-inputs", str(suite), "--stage", "generation", "--out",
                                 str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and "retrieved" not in {r["variant"] for r in rows}
    assert "e2e_system_f" not in sys.modules  # the system was not called to export
    replies = [{"case_id": r["case_id"], "variant": r["variant"], "answer": "A [1]."} for r in rows]
    replies += [
        {"case_id": c["case_id"], "answer": "B [1].", "passages": [{"doc_id": "d1", "text": "t"}]}
        for c in TINY_RAG
    ]
    (suite / "replies.jsonl").write_text("".join(json.dumps(x) + "\n" for x in replies))
    manifest = (suite / "suite.yaml").read_text()
    start = manifest.index("system:")
    (suite / "suite.yaml").write_text(
        manifest[:start] + "system: {name: recorded, args: {path: replies.jsonl}}\n"
    )
    _, record, results = _run(suite, tmp_path / "runs.db", "--repeats", "2")
    generation = [r for r in results if r.stage == "generation"]
    assert len(generation) == len(rows) + len(TINY_RAG)
    assert not [r for r in generation if r.outcome.value == "error"]
    assert record.stage("generation").config.get("repeats", 1) == 1  # recorded: runs once


AGENT_SYSTEM = """
CALLS = []


def answer(question, passages=None, *, messages=None, tools=None):
    CALLS.append(question)
    if messages is not None:  # an agent turn: call the one tool with the name in the question
        name = question.split()[-1]
        return {"answer": None, "tool_calls": [{"name": "find_user", "arguments": {"x": name}}]}
    return {"answer": "x [1]", "passages": [{"doc_id": "d1", "text": "x"}]}
"""


def test_the_agent_stage_reads_the_systems_tool_calls(tmp_path: Path):
    suite = _suite(tmp_path, "e2e_system_g")
    (suite / "e2e_system_g.py").write_text(AGENT_SYSTEM)
    tool = {
        "type": "function",
        "function": {
            "name": "find_user",
            "description": "find a user",
            "parameters": {"type": "object", "properties": {"x": {"type": "string"}}},
        },
    }
    cases = [
        {
            "case_id": f"find_{who}",
            "messages": [{"role": "user", "content": f"Find the user {who}"}],
            "tools": [tool],
            "expected_calls": [{"name": "find_user", "arguments": {"x": ["Ann"]}}],
        }
        for who in ("Ann", "Bob")
    ]
    (suite / "agent.jsonl").write_text("".join(json.dumps(c) + "\n" for c in reviewed(cases)))
    manifest = (suite / "suite.yaml").read_text()
    start = manifest.index("system:")
    agent = "  agent:\n    cases: agent.jsonl\n    target: {name: system}\n"
    (suite / "suite.yaml").write_text(manifest[:start] + agent + manifest[start:])
    _, _, results = _run(suite, tmp_path / "runs.db", "--stage", "agent")
    outcomes = {r.case_id: r.outcome.value for r in results if r.stage == "agent"}
    assert outcomes == {"find_Ann": "pass", "find_Bob": "fail"}
    assert sys.modules["e2e_system_g"].CALLS == ["Find the user Ann", "Find the user Bob"]
