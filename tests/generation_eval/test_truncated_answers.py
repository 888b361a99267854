"""An answer cut at max_tokens by a real local server (127.0.0.1) fails as formatting."""

from __future__ import annotations

from pathlib import Path

from chat_server import FakeServer, Reply, completion
from gen_fixtures import CASES, DOCUMENTS, LexicalScorer, fake_search

from evalstage.evalcore.outcomes import FailureCategory
from evalstage.evalcore.suite import TargetSpec
from evalstage.generation_eval import (
    ADVERSARIAL,
    GenerationContext,
    build_variants,
    score_generation,
)
from evalstage.generation_eval._targets import run_generator
from evalstage.generation_eval.verifier import Verifier


def test_finish_reason_length_is_flagged_and_decides(server: FakeServer, tmp_path: Path) -> None:
    variants, _ = build_variants(CASES, DOCUMENTS, variants=ADVERSARIAL, search=fake_search)
    originals = [v for v in variants if v.variant == "original"][:2]
    cut = completion(content="Aspirin reduced stroke risk by 32% over")
    cut["choices"][0]["finish_reason"] = "length"
    whole = completion(content="Aspirin reduced stroke risk by 32% over five years [1].")
    whole["choices"][0]["finish_reason"] = "stop"
    server.script(Reply(body=cut), Reply(body=whole))
    spec = TargetSpec(name="openai", args={"base_url": server.url, "model": "gen", "max_tokens": 8})
    run = run_generator(spec, originals, suite_root=tmp_path)
    first, second = (run.outputs[v.key] for v in originals)
    assert first.truncated is True and second.truncated is False
    context = GenerationContext(cases=CASES, variants=originals, outputs=run.outputs)
    results = {r.key: r for r in score_generation(context, Verifier(LexicalScorer())).results}
    cut_result = results[originals[0].key]
    assert cut_result.failure_category == FailureCategory.FORMATTING
    assert "cut at max_tokens" in cut_result.reason and cut_result.details["truncated"] is True
    assert "cut at max_tokens" not in results[originals[1].key].reason
