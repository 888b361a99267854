"""The retrieval stage as a Prefect flow: one task per stage batch, never one per case."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from evalstage.evalcore.report import stage_summary
from evalstage.evalcore.suite import TargetSpec, load_suite
from evalstage.flows.artifacts import publish_stage_artifacts
from evalstage.flows.caching import batch_fingerprint, run_batch
from evalstage.flows.recording import record_run
from evalstage.flows.runtime import call_task, flow, task
from evalstage.retrieval_eval import (
    RetrievalContext,
    RetrievalInputs,
    RetrievalReport,
    load_retrieval_inputs,
    run_target,
    score_retrieval,
)


@task(name="retrieve")
def retrieve_batch(inputs: RetrievalInputs) -> RetrievalContext:
    """Index the corpus and search every query of the suite with the target."""
    cases = inputs.active_cases
    output = run_target(
        inputs.target,
        {c.query_id: c.query for c in cases},
        inputs.documents,
        inputs.options.depth,
        suite_root=inputs.suite_root,
    )
    return RetrievalContext(cases=cases, output=output, options=inputs.options)


@task(name="score-retrieval")
def score_batch(context: RetrievalContext) -> RetrievalReport:
    """Score the whole batch of rankings."""
    return score_retrieval(context)


@flow(name="retrieval-stage", log_prints=True)
def retrieval_stage(
    suite_dir: str,
    target: TargetSpec | None = None,
    record: bool = False,
    store_url: str | None = None,
) -> tuple[RetrievalInputs, RetrievalReport]:
    """Run and score the retrieval stage of the suite in ``suite_dir``.

    Inside ``evaluate_suite`` the parent stores the run; run alone (e.g. as a deployment) with
    ``record=True`` it stores a one-stage run itself.
    """
    started, began = datetime.now(UTC), time.perf_counter()
    suite = load_suite(Path(suite_dir))
    inputs = load_retrieval_inputs(suite)
    if target is not None:
        inputs = inputs.model_copy(update={"target": target})
    fingerprint = batch_fingerprint(
        suite, "retrieval", inputs.options, {"retrieval": inputs.target}
    )
    context = run_batch(retrieve_batch, fingerprint, inputs)
    report = call_task(score_batch, context)
    if context.output.described:  # a live target's own description (no secrets)
        report = report.model_copy(update={"target_description": context.output.described})
    publish_stage_artifacts("retrieval", suite.manifest.name, report.metrics, report.outcomes)
    if record:
        summary = stage_summary("retrieval", inputs, report, time.perf_counter() - began)
        print(f"stored run {record_run(suite, [summary], report.results, started, store_url)}")
    return inputs, report
