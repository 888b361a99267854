"""export-inputs -> a team's own script answers offline -> run with the recorded target."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from suite_fixtures import write_tiny_rag_suite
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.evalcore.suite import TargetSpec
from evalstage.generation_eval._prompt import render_prompt

runner = CliRunner()

ANSWER_SCRIPT = """\
import json, sys
# a stand-in for the team's own system: quote the first passage, cite it
with open(sys.argv[1]) as inputs, open(sys.argv[2], "w") as answers:
    for line in inputs:
        item = json.loads(line)
        first = item["passages"][0]["text"] if item["passages"] else ""
        answer = {"case_id": item["case_id"], "variant": item["variant"],
                  "answer": f"{first} [1]", "latency_ms": 5}
        answers.write(json.dumps(answer) + "\\n")
"""


def _export(suite: Path, out: Path) -> list[dict]:
    result = runner.invoke(app, ["export-inputs", str(suite), "--stage", "generation", "--out",
                                 str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text().splitlines()]


def _run(suite: Path, path: str, *extra: str):
    args = json.dumps({"path": path})
    return runner.invoke(
        app,
        ["run", str(suite), "--stage", "generation", "--target", "recorded", "--target-args",
         args, "--quiet", *extra],
    )  # fmt: skip


def test_export_answer_offline_then_score_every_variant(tmp_path: Path) -> None:
    suite = write_tiny_rag_suite(tmp_path / "suite")
    rows = _export(suite, tmp_path / "inputs.jsonl")
    variants = {r["variant"] for r in rows}
    assert {"original", "retrieved", "missing_context", "noisy_context"} <= variants
    assert len({r["key"] for r in rows}) == len(rows)
    first = rows[0]
    assert set(first) == {"case_id", "variant", "key", "question", "passages", "prompt", "planted"}
    assert [p["n"] for p in first["passages"]] == list(range(1, len(first["passages"]) + 1))
    assert set(first["passages"][0]) == {"n", "doc_id", "title", "text"}
    from evalstage.generation_eval import Passage

    passages = [Passage(**{k: v for k, v in p.items() if k != "n"}) for p in first["passages"]]
    assert first["prompt"] == render_prompt(first["question"], passages)
    planted = [r for r in rows if r["variant"] in ("contradictory_context", "counterfactual_only")]
    assert planted and all(r["planted"]["value"] for r in planted)
    assert all(r["planted"] is None for r in rows if r["variant"] == "original")
    assert not any("answers" in r or "expect" in r for r in rows)  # nothing to grade by leaks

    script = tmp_path / "my_system.py"
    script.write_text(ANSWER_SCRIPT)
    answers = suite / "answers.jsonl"
    subprocess.run(
        [sys.executable, str(script), str(tmp_path / "inputs.jsonl"), str(answers)], check=True
    )
    result = _run(suite, "answers.jsonl", "--json")
    assert result.exit_code == 0, result.output
    stage = json.loads(result.stdout)["stages"]["generation"]
    assert stage["n_cases"] == len(rows)
    assert set(stage["outcomes"]) <= {"pass", "fail"}  # every variant scored, none unmeasured
    assert sum(stage["outcomes"].values()) == len(rows)
    assert stage["target"]["name"] == "recorded"
    assert stage["target"]["described"] == {"kind": "recorded", "path": "answers.jsonl",
                                            "partial": False}  # fmt: skip


def test_a_missing_or_extra_answer_line_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    suite = write_tiny_rag_suite(tmp_path / "suite")
    rows = _export(suite, tmp_path / "inputs.jsonl")
    lines = [json.dumps({"case_id": r["case_id"], "variant": r["variant"], "answer": "x"})
             for r in rows]  # fmt: skip
    path = suite / "answers.jsonl"
    path.write_text("\n".join(lines[:-1]) + "\n")
    result = _run(suite, "answers.jsonl")
    assert result.exit_code == 2
    assert f"{path}" in result.output and f"'{rows[-1]['key']}'" in result.output
    assert "no answer for 1 of the" in result.output

    extra = json.dumps({"case_id": "g1", "variant": "made_up", "answer": "x"})
    path.write_text("\n".join([*lines[:3], extra, *lines[3:]]) + "\n")
    result = _run(suite, "answers.jsonl")
    assert result.exit_code == 2
    assert f"{path}:4" in result.output and "variant 'made_up'" in result.output
    assert "field 'variant'" in result.output  # found before any stage runs

    unknown = json.dumps({"case_id": "nope", "variant": "original", "answer": "x"})
    path.write_text("\n".join([*lines, unknown]) + "\n")
    result = _run(suite, "answers.jsonl")
    assert result.exit_code == 2
    assert f"{path}:{len(lines) + 1}" in result.output and "case 'nope'" in result.output


def test_a_variant_the_suite_makes_but_not_for_this_case_is_an_extra_line(tmp_path: Path) -> None:
    suite = write_tiny_rag_suite(tmp_path / "suite")
    rows = _export(suite, tmp_path / "inputs.jsonl")
    made = {(r["case_id"], r["variant"]) for r in rows}
    assert ("g4", "missing_context") not in made  # g4 must abstain already: no such variant
    lines = [json.dumps({"case_id": c, "variant": v, "answer": "x"}) for c, v in sorted(made)]
    lines.append(json.dumps({"case_id": "g4", "variant": "missing_context", "answer": "x"}))
    (suite / "answers.jsonl").write_text("\n".join(lines) + "\n")
    result = _run(suite, "answers.jsonl")
    assert result.exit_code == 2, result.output
    assert f"answers.jsonl:{len(lines)}" in result.output
    assert "which this run does not ask" in result.output


def test_partial_answers_record_the_missing_variants_as_errors(tmp_path: Path) -> None:
    from evalstage.generation_eval import run_generator
    from evalstage.generation_eval._variants import CaseVariant

    rows = [json.loads(line) for line in _rows_file(tmp_path).read_text().splitlines()]
    variants = [
        CaseVariant(case_id=r["case_id"], variant=r["variant"], question=r["question"],
                    passages=[{k: v for k, v in p.items() if k != "n"} for p in r["passages"]],
                    expect="answer")
        for r in rows
    ]  # fmt: skip
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"case_id": rows[0]["case_id"], "variant": rows[0]["variant"], "answer": "x"})
    )
    spec = TargetSpec(name="recorded", args={"path": "a.jsonl", "partial": True})
    run = run_generator(spec, variants, suite_root=tmp_path)
    assert list(run.outputs) == [rows[0]["key"]]
    assert len(run.errors) == len(rows) - 1 and "no recorded answer" in run.errors[rows[1]["key"]]


def _rows_file(tmp_path: Path) -> Path:
    suite = write_tiny_rag_suite(tmp_path / "suite")
    out = tmp_path / "inputs.jsonl"
    _export(suite, out)
    return out


def test_export_inputs_refuses_a_stage_it_cannot_export(tmp_path: Path) -> None:
    suite = write_tiny_rag_suite(tmp_path / "suite")
    result = runner.invoke(
        app, ["export-inputs", str(suite), "--stage", "retrieval", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2 and "cannot export" in result.output
    assert not (tmp_path / "x").exists()
    agent = runner.invoke(
        app, ["export-inputs", str(suite), "--stage", "agent", "--out", str(tmp_path / "x")]
    )
    assert agent.exit_code == 2 and "the suite has no agent stage" in agent.output
    assert not (tmp_path / "x").exists()


def test_an_out_path_that_is_a_folder_fails_before_the_suite_is_read(tmp_path: Path) -> None:
    suite = write_tiny_rag_suite(tmp_path / "suite")
    for stage in ("generation", "agent"):
        args = ["export-inputs", str(suite), "--stage", stage, "--out", str(tmp_path)]
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "the output path is a folder" in result.output and "Traceback" not in result.output
