"""``evaluate_suite``: the parent flow that runs each stage flow and stores the run."""

from __future__ import annotations

import subprocess
import time
import uuid
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.runtime import flow_run

from agent_eval import load_agent_inputs
from evalcore.env import default_store_url
from evalcore.errors import SuiteError
from evalcore.outcomes import Outcome
from evalcore.records import CaseResult, RunRecord, StageSummary
from evalcore.store import ResultStore
from evalcore.suite import TargetSpec, load_suite
from flows.agent import agent_stage
from flows.artifacts import publish_run_artifacts
from flows.generation import generation_stage
from flows.retrieval import retrieval_stage
from generation_eval import load_generation_inputs
from retrieval_eval import load_retrieval_inputs


def git_commit(folder: Path) -> str | None:
    """The commit of the git checkout holding ``folder``, if any."""
    try:
        out = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and commit else None


def select_stages(declared: list[str], requested: list[str] | None) -> list[str]:
    """The stages to run: the requested ones (which the suite must declare), else all declared."""
    stages = requested or declared
    for stage in stages:
        if stage not in declared:
            raise SuiteError(
                f"stage '{stage}' is not declared in the suite",
                field="stages",
                hint=f"declared stages: {', '.join(declared)}",
            )
        if stage not in STAGE_FLOWS:
            raise SuiteError(
                f"stage '{stage}' is not available in this version of evalstage",
                field="stages",
                hint=f"run with --stage {' --stage '.join(STAGE_FLOWS)}",
            )
    return stages


STAGE_FLOWS: dict[str, Any] = {
    "retrieval": retrieval_stage,
    "generation": generation_stage,
    "agent": agent_stage,
}
"""Stage name -> its Prefect flow, called as ``flow(suite_dir, target_override)``."""

STAGE_LOADERS: dict[str, Any] = {
    "retrieval": load_retrieval_inputs,
    "generation": load_generation_inputs,
    "agent": load_agent_inputs,
}
"""Stage name -> the loader that validates its inputs (before anything runs)."""


def stage_summary(stage: str, inputs: Any, report: Any, seconds: float) -> StageSummary:
    """The stored summary of one stage: target, options, aggregates, counts and timing."""
    extras = {
        key: getattr(report, key)
        for key in (
            "per_category",
            "per_variant",
            "matrix",
            "skipped",
            "verifier",
            "latency_ms",
            "tokens",
        )
        if getattr(report, key, None) is not None
    }
    return StageSummary(
        stage=stage,
        target=inputs.target.model_dump(),
        config=inputs.options.model_dump() | extras,
        metrics=report.metrics,
        outcomes=report.outcomes,
        failure_categories=report.failure_categories,
        error_codes=getattr(report, "error_codes", {}),
        n_cases=len(report.results),
        seconds=seconds,
    )


def validate_suite(suite_dir: str, stages: list[str] | None = None) -> None:
    """Load the suite and every selected stage's inputs; raise :class:`SuiteError` if bad."""
    suite = load_suite(Path(suite_dir))
    for stage in select_stages(list(suite.manifest.stages), stages):
        STAGE_LOADERS[stage](suite)


@flow(name="evaluate-suite", log_prints=True)
def evaluate_suite(
    suite_dir: str,
    stages: list[str] | None = None,
    store_url: str | None = None,
    targets: dict[str, TargetSpec] | None = None,
) -> str:
    """Run the suite's stages as subflows, write the run to the store, return its id.

    ``targets`` overrides the system under test of a stage, e.g. ``{"retrieval": dense}``.
    """
    started = datetime.now(UTC)
    suite = load_suite(Path(suite_dir))
    selected = select_stages(list(suite.manifest.stages), stages)
    overrides = targets or {}
    summaries: list[StageSummary] = []
    results: list[CaseResult] = []
    for stage in selected:
        began = time.perf_counter()
        inputs, report = STAGE_FLOWS[stage](suite_dir, overrides.get(stage))
        summaries.append(stage_summary(stage, inputs, report, time.perf_counter() - began))
        results.extend(report.results)
    canary_failed = any(r.canary and r.outcome != Outcome.PASS for r in results)
    run = RunRecord(
        run_id=uuid.uuid4().hex[:16],
        suite_name=suite.manifest.name,
        suite_version=suite.manifest.version,
        suite_hash=suite.content_hash,
        status="invalid" if canary_failed else "completed",
        started_at=started,
        finished_at=datetime.now(UTC),
        package_version=version("evalstage"),
        git_commit=git_commit(suite.root),
        flow_run_id=str(flow_run.id) if flow_run.id else None,
        stages=summaries,
    )
    ResultStore(store_url or default_store_url()).save_run(run, results)
    publish_run_artifacts(run)
    return run.run_id
