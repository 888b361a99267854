"""The generation stage as a Prefect flow: one task per stage batch, never one per case."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from evalstage.evalcore.cases import Document
from evalstage.evalcore.env import default_store_url
from evalstage.evalcore.repeats import combine_reports
from evalstage.evalcore.report import price_report, stage_summary
from evalstage.evalcore.store import ResultStore
from evalstage.evalcore.suite import Suite, TargetSpec, load_suite
from evalstage.flows.artifacts import publish_stage_artifacts
from evalstage.flows.caching import batch_fingerprint, run_batch
from evalstage.flows.recording import record_run
from evalstage.flows.runtime import call_task, flow, task
from evalstage.flows.system_pass import ask_system
from evalstage.generation_eval import (
    CaseVariant,
    GenerationContext,
    GenerationInputs,
    GenerationReport,
    GenerationRun,
    build_verifier,
    judge_variants,
    make_variants,
    run_generator,
    score_generation,
)
from evalstage.generation_eval._targets import run_generator_repeats
from evalstage.generation_eval.judge import JudgeScore
from evalstage.retrieval_eval import RETRIEVAL_TARGETS, run_target


def _documents(inputs: GenerationInputs) -> list[Document]:
    return [
        Document(doc_id=d.doc_id, title=d.title, text=d.text) for d in inputs.documents.values()
    ]


@task(name="make-variants")
def make_variants_batch(
    inputs: GenerationInputs,
) -> tuple[list[CaseVariant], dict[str, str]]:
    """Build every case's original, retrieved and adversarial variants (seeded)."""
    documents = _documents(inputs)

    def rank(spec: TargetSpec, queries: Mapping[str, str], k: int) -> dict[str, list[str]]:
        output = run_target(spec, queries, documents, k, suite_root=inputs.suite_root)
        return {
            qid: [d for d, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]
            for qid, scores in output.ranking.items()
        }

    return make_variants(inputs, rank, RETRIEVAL_TARGETS.can_search)


@task(name="generate", retries=0)
def generate_batch(inputs: GenerationInputs, variants: list[CaseVariant]) -> GenerationRun:
    """Ask the generator every variant (target I/O is retried inside the client)."""
    return run_generator(inputs.target, variants, suite_root=inputs.suite_root)


@task(name="generate-repeats", retries=0)
def generate_repeats_batch(
    inputs: GenerationInputs, variants: list[CaseVariant], repeats: int
) -> list[GenerationRun]:
    """Ask a live generator every variant ``repeats`` times, the repeats in one pool."""
    return run_generator_repeats(
        inputs.target, variants, suite_root=inputs.suite_root, repeats=repeats
    )


@task(name="judge-generation")
def judge_generation_batch(
    inputs: GenerationInputs,
    variants: list[CaseVariant],
    run: GenerationRun,
    store_url: str | None = None,
) -> dict[str, JudgeScore]:
    """Grade every answered variant with the suite's rubric judge (none configured: nothing)."""
    store = ResultStore(store_url or default_store_url())
    return judge_variants(inputs, variants, run, lambda model: store.list_calibrations(model=model))


@task(name="score-generation")
def score_generation_batch(
    inputs: GenerationInputs,
    variants: list[CaseVariant],
    skipped: dict[str, str],
    run: GenerationRun,
    judge_scores: dict[str, JudgeScore] | None = None,
) -> GenerationReport:
    """Verify claims and citations, detect abstentions and conflicts, aggregate."""
    verifier = build_verifier(inputs.options.verifier)
    context = GenerationContext(
        cases=inputs.active_cases,
        variants=variants,
        outputs=run.outputs,
        errors=run.errors,
        skipped=skipped,
        faithfulness_threshold=inputs.options.faithfulness_threshold,
        judge_scores=judge_scores or {},
        confidence=inputs.options.confidence,
    )
    return score_generation(context, verifier)


@flow(name="generation-stage", log_prints=True)
def generation_stage(
    suite_dir: str,
    target: TargetSpec | None = None,
    record: bool = False,
    store_url: str | None = None,
    repeats: int = 1,
) -> tuple[GenerationInputs, GenerationReport]:
    """Run and score the generation stage of the suite in ``suite_dir``.

    Inside ``evaluate_suite`` the parent stores the run; run alone (e.g. as a deployment) with
    ``record=True`` it stores a one-stage run itself. ``repeats`` > 1 (a live target, not the
    end-to-end system): every variant is asked that many times, all repeats in the target's
    pool, and the report combines them (:func:`evalcore.repeats.combine_reports`), each
    repeat priced from the suite's ``prices``.
    """
    from evalstage.generation_eval import load_generation_inputs

    started, began = datetime.now(UTC), time.perf_counter()
    suite = load_suite(Path(suite_dir))
    inputs = load_generation_inputs(suite)
    if target is not None:
        inputs = inputs.model_copy(update={"target": target})
    with tempfile.TemporaryDirectory(prefix="evalstage-") as tmp:
        if inputs.target.name == "system" and not inputs.target.args.get("replies"):
            # alone, the stage asks each question once itself (variants and answers share it)
            asked = ask_system(suite, ["generation"], Path(tmp))
            if asked is not None:
                inputs = inputs.model_copy(update={"target": asked[0]})
        return _generation_stage(suite, inputs, record, store_url, started, began, repeats)


def _generation_stage(
    suite: Suite,
    inputs: GenerationInputs,
    record: bool,
    store_url: str | None,
    started: datetime,
    began: float,
    repeats: int = 1,
) -> tuple[GenerationInputs, GenerationReport]:
    retriever = inputs.retrieval_target if inputs.options.contexts == "end_to_end" else None
    upstream = {"retrieval": retriever} if retriever is not None else {}
    if inputs.target.name == "system":  # its own retrieval makes the retrieved variant
        upstream = {"generation": inputs.target}
    # variants depend on the suite and the retriever; answers also on the generator
    variants_key = batch_fingerprint(suite, "generation", inputs.options, upstream)
    answers_key = batch_fingerprint(
        suite, "generation", inputs.options, {**upstream, "generation": inputs.target}
    )
    variants, skipped = run_batch(make_variants_batch, variants_key, inputs)
    if repeats > 1:
        runs = call_task(generate_repeats_batch, inputs, variants, repeats)
    else:
        runs = [run_batch(generate_batch, answers_key, inputs, variants)]
    reports = []
    for run in runs:
        judged = call_task(judge_generation_batch, inputs, variants, run, store_url)
        scored = call_task(score_generation_batch, inputs, variants, skipped, run, judged)
        if repeats > 1:
            scored = price_report(scored, suite.manifest.prices, inputs.target)
        reports.append(scored.model_copy(update={"target_description": run.target}))
    report = combine_reports(reports, inputs.options.confidence)
    if repeats == 1:  # (each repeat was priced above)
        report = price_report(report, suite.manifest.prices, inputs.target)
    publish_stage_artifacts("generation", suite.manifest.name, report.metrics, report.outcomes)
    if record:
        summary = stage_summary("generation", inputs, report, time.perf_counter() - began)
        print(f"stored run {record_run(suite, [summary], report.results, started, store_url)}")
    return inputs, report
