"""The generation stage as a Prefect flow: one task per stage batch, never one per case."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from evalcore.cases import Document
from evalcore.suite import TargetSpec, load_suite
from flows.artifacts import publish_stage_artifacts
from generation_eval import (
    CaseVariant,
    GenerationContext,
    GenerationInputs,
    GenerationReport,
    GenerationRun,
    build_variants,
    build_verifier,
    run_generator,
    score_generation,
)
from retrieval_eval import run_target

NEGATIVES_RANKER = TargetSpec(name="bm25", args={"variant": "lucene", "k1": 0.9, "b": 0.4})
"""Ranks the corpus for the hardest non-relevant passages (Pyserini's BM25 settings)."""

LIVE_RETRIEVERS = ("bm25", "dense", "hybrid", "callable")


def _documents(inputs: GenerationInputs) -> list[Document]:
    return [
        Document(doc_id=d.doc_id, title=d.title, text=d.text) for d in inputs.documents.values()
    ]


def _ranked(
    spec: TargetSpec, inputs: GenerationInputs, queries: Mapping[str, str], k: int
) -> dict[str, list[str]]:
    output = run_target(spec, queries, _documents(inputs), k, suite_root=inputs.suite_root)
    return {
        qid: [d for d, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]
        for qid, scores in output.ranking.items()
    }


@task(name="make-variants", cache_policy=NO_CACHE)
def make_variants_batch(
    inputs: GenerationInputs,
) -> tuple[list[CaseVariant], dict[str, str]]:
    """Build every case's original, retrieved and adversarial variants (seeded)."""
    options = inputs.options
    cases = inputs.active_cases

    def search(queries: Mapping[str, str], k: int) -> Mapping[str, Sequence[str]]:
        return _ranked(NEGATIVES_RANKER, inputs, queries, k)

    retrieved = None
    if options.contexts == "end_to_end":
        spec = inputs.retrieval_target
        if spec is None or spec.name not in LIVE_RETRIEVERS:
            spec = NEGATIVES_RANKER
        retrieved = _ranked(spec, inputs, {c.case_id: c.question for c in cases}, options.top_k)
    return build_variants(
        cases,
        inputs.documents,
        variants=options.variants,
        search=search,
        seed=options.seed,
        distractors=options.distractors,
        retrieved=retrieved,
        top_k=options.top_k,
    )


@task(name="generate", cache_policy=NO_CACHE, retries=0)
def generate_batch(inputs: GenerationInputs, variants: list[CaseVariant]) -> GenerationRun:
    """Ask the generator every variant (target I/O is retried inside the client)."""
    return run_generator(inputs.target, variants, suite_root=inputs.suite_root)


@task(name="score-generation", cache_policy=NO_CACHE)
def score_generation_batch(
    inputs: GenerationInputs,
    variants: list[CaseVariant],
    skipped: dict[str, str],
    run: GenerationRun,
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
        confidence=inputs.options.confidence,
    )
    return score_generation(context, verifier)


@flow(name="generation-stage", log_prints=True)
def generation_stage(
    suite_dir: str, target: TargetSpec | None = None
) -> tuple[GenerationInputs, GenerationReport]:
    """Run and score the generation stage of the suite in ``suite_dir``."""
    from generation_eval import load_generation_inputs

    suite = load_suite(Path(suite_dir))
    inputs = load_generation_inputs(suite)
    if target is not None:
        inputs = inputs.model_copy(update={"target": target})
    variants, skipped = make_variants_batch(inputs)
    run = generate_batch(inputs, variants)
    report = score_generation_batch(inputs, variants, skipped, run)
    publish_stage_artifacts("generation", suite.manifest.name, report.metrics, report.outcomes)
    return inputs, report
