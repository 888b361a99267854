"""The generation stage end to end: Prefect flow, learned verifier, store; and the verify CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from suite_fixtures import write_tiny_rag_suite
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.evalcore import ResultStore, sqlite_url
from evalstage.generation_eval import VARIANTS


def answer_from_first_passage(question: str, passages: list[dict]) -> str:
    """A callable generator for the test: always quotes passage [1]."""
    if "dose" in question:
        return "The passages do not say which dose protects the liver."
    return f"{passages[0]['text']} [1]"


@pytest.mark.slow
def test_generation_stage_runs_through_prefect_into_the_store(tmp_path: Path) -> None:
    suite = write_tiny_rag_suite(
        tmp_path / "rag",
        target="callable",
        target_args=f"      args: {{function: '{__name__}:answer_from_first_passage'}}\n",
    )
    store = sqlite_url(tmp_path / "runs.db")
    result = CliRunner().invoke(
        app, ["run", str(suite), "--stage", "generation", "--store", store, "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    stage = summary["stages"]["generation"]
    variants = stage["per_variant"]
    assert set(variants) == set(VARIANTS)
    assert "faithfulness" in stage["metrics"] and "abstention_recall" in stage["metrics"]
    results = ResultStore(store).case_results(summary["run_id"])
    assert len({r.key for r in results}) == len(results) == stage["n_cases"]
    original = {r.case_id: r for r in results if r.variant == "original"}
    assert original["g4"].outcome == "pass"  # abstained on the unanswerable case
    # quoting the gold passage verbatim is supported by the learned verifier
    g3 = original["g3"]
    assert g3.details["claims"][0]["label"] == "supported", g3.details["claims"]
    # the contradictory variant shows the planted copy beside the original
    planted = next(r for r in results if r.key == "g3#contradictory_context")
    assert planted.details["provenance"]["span"] == "Statins"


def test_verify_cli_writes_one_verdict_per_line(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(
        json.dumps(
            {
                "id": "a",
                "context": "Aspirin lowered stroke risk by 32%.",
                "claim": "Aspirin lowered stroke risk by 32%.",
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "b",
                "context": ["Coral reefs bleach.", "Water warms."],
                "claim": "Aspirin lowered stroke risk.",
            }
        )
        + "\n"
    )
    out = tmp_path / "scores.jsonl"
    result = CliRunner().invoke(
        app, ["generation", "verify", "--input", str(pairs), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["label"] == "supported" and rows[1]["label"] != "supported"
    assert rows[0]["support"] > rows[1]["support"]


def test_verify_cli_bad_line_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(
        json.dumps({"id": "a", "context": "x", "claim": "y"})
        + "\n"
        + json.dumps({"id": "b", "context": "x"})
        + "\n"
    )
    out = tmp_path / "scores.jsonl"
    result = CliRunner().invoke(
        app, ["generation", "verify", "--input", str(pairs), "--output", str(out)]
    )
    assert result.exit_code == 2
    assert "pairs.jsonl:2" in result.output and "claim" in result.output
    assert not out.exists()


def test_a_rubric_judge_scores_beside_the_checks_and_never_decides(tmp_path: Path, server) -> None:
    from chat_server import Reply, completion

    from evalstage.flows.generation import judge_generation_batch, score_generation_batch
    from evalstage.generation_eval import GenerationRun, load_generation_inputs
    from evalstage.generation_eval._cases import Generation
    from evalstage.generation_eval._variants import build_variants

    suite = write_tiny_rag_suite(tmp_path / "rag")
    (suite / "judge.yaml").write_text(
        "mode: rubric\nprompt: rubric-v1\nrubric: helpfulness-v1\nbackend:\n  name: openai\n"
        f"  args: {{base_url: '{server.url}', model: judge-m, max_retries: 0}}\n"
    )
    with (suite / "suite.yaml").open("a") as handle:
        handle.write("      judge: judge.yaml\n")
    from evalstage.evalcore import load_suite

    inputs = load_generation_inputs(load_suite(suite))
    cases = inputs.active_cases[:2]
    variants, skipped = build_variants(cases, inputs.documents, variants=[], search=None)
    run = GenerationRun(
        outputs={v.key: Generation(answer=f"{v.passages[0].text} [1]") for v in variants}
    )
    server.script(
        Reply(body=completion(content='{"level": "excellent"}')),
        Reply(body=completion(content="I would rather not say.")),
    )
    store = sqlite_url(tmp_path / "runs.db")
    judged = judge_generation_batch(inputs, variants, run, store)
    assert [j.status for j in judged.values()] == ["measured", "unmeasured"]
    first = judged[variants[0].key]
    assert first.value == 1.0 and first.model == "judge-m"
    assert first.calibration_id is None  # never calibrated: recorded as such
    report = score_generation_batch(inputs, variants, skipped, run, judged)
    by_key = {r.key: r for r in report.results}
    g1 = by_key[variants[0].key]
    assert g1.scores["judge_score"] == 1.0 and g1.details["judge"]["label"] == "excellent"
    assert "judge" not in g1.details["decided_by"]
    assert "judge_score" not in by_key[variants[1].key].scores  # unmeasured: kept, not scored
    assert report.metric("judge_score").n == 1
