"""``evaluate_suite``: the parent flow that runs each stage flow and stores the run."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evalstage.agent_eval import load_agent_inputs
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.progress import step
from evalstage.evalcore.records import CaseResult, StageSummary, invalid_reason
from evalstage.evalcore.repeats import combine_reports
from evalstage.evalcore.report import StageReport, price_report, stage_summary
from evalstage.evalcore.suite import TargetSpec, load_suite
from evalstage.evalcore.targets import TargetContext, closing_target
from evalstage.flows.agent import agent_stage
from evalstage.flows.caching import TARGETS
from evalstage.flows.generation import generation_stage
from evalstage.flows.recording import git_commit, record_run
from evalstage.flows.retrieval import retrieval_stage
from evalstage.flows.runtime import call_flow, finish_run, flow
from evalstage.flows.scaleout import task_runner
from evalstage.flows.system_pass import ask_system, system_stages
from evalstage.generation_eval import load_generation_inputs
from evalstage.retrieval_eval import load_retrieval_inputs

__all__ = [
    "STAGE_FLOWS",
    "evaluate_suite",
    "git_commit",
    "select_stages",
    "stage_summary",
    "validate_suite",
]


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
"""Stage name -> its Prefect flow, called as ``flow(suite_dir, target_override)``.

Each is also deployable alone (``record=True`` stores a one-stage run); see prefect.yaml.
"""

STAGE_LOADERS: dict[str, Any] = {
    "retrieval": load_retrieval_inputs,
    "generation": load_generation_inputs,
    "agent": load_agent_inputs,
}
"""Stage name -> the loader that validates its inputs (before anything runs)."""


def validate_suite(
    suite_dir: str,
    stages: list[str] | None = None,
    targets: dict[str, TargetSpec] | None = None,
) -> None:
    """Check everything a run needs before any stage starts; raise :class:`SuiteError` if bad.

    The suite and every selected stage's inputs are loaded, and each stage's target (the
    suite's, or its override in ``targets``) is built: names, ``args``, ``module:function``
    imports, recorded files and run files are all checked here, not minutes into a run.
    """
    suite = load_suite(Path(suite_dir))
    overrides = targets or {}
    for stage in select_stages(list(suite.manifest.stages), stages):
        inputs = STAGE_LOADERS[stage](suite)
        specs = {stage: overrides.get(stage) or inputs.target}
        upstream = getattr(inputs, "retrieval_target", None)
        if upstream is not None:
            specs["retrieval"] = overrides.get("retrieval") or upstream
        for owner, spec in specs.items():
            registry, context = TARGETS[owner], TargetContext(suite.root)
            if registry.kind(spec.name, suite.manifest_path).check is not None:
                registry.check(spec, context)  # a cheap check (e.g. a big run file exists)
                continue
            target = registry.build(spec, context)
            with closing_target(target):
                preflight = getattr(target, "preflight", None)
                if owner == stage and callable(preflight):  # e.g. recorded answers vs cases
                    preflight(inputs)


def repeated_stage(
    stage: str, run_once: Callable[[int], tuple[Any, StageReport]], repeats: int
) -> tuple[Any, StageReport, int]:
    """Run a stage ``repeats`` times when its target is live; the combined report.

    A deterministic target (built-in, recorded) runs once: its repeats would be identical. The
    report's results are the first repeat's, with every repeat's outcome in their details,
    and its metrics gain ``pass@k``, ``pass_all@k`` and ``flip_rate``
    (:func:`evalcore.repeats.combine_repeats`); its cost is every repeat's. ``run_once(i)``
    runs repeat ``i``. Returns how many times it ran.
    """
    inputs, first = run_once(0)
    if repeats <= 1 or _replays(stage, inputs):
        return inputs, first, 1
    reports = [first]
    for repeat in range(1, repeats):
        reports.append(run_once(repeat)[1])
    confidence = getattr(inputs.options, "confidence", 0.95)
    return inputs, combine_reports(reports, confidence), repeats


def _replays(stage: str, inputs: Any) -> bool:
    """Whether the stage's target is deterministic (its repeats would be identical)."""
    if inputs.target.name == "system":
        from evalstage.evalcore.system import system_is_deterministic

        return system_is_deterministic(TargetContext(inputs.suite_root))
    return bool(TARGETS[stage].deterministic(inputs.target.name))


@flow(name="evaluate-suite", log_prints=True)
def evaluate_suite(
    suite_dir: str,
    stages: list[str] | None = None,
    store_url: str | None = None,
    targets: dict[str, TargetSpec] | None = None,
    dask: str | None = None,
    repeats: int = 1,
) -> str:
    """Run the suite's stages as subflows, write the run to the store, return its id.

    ``targets`` overrides the system under test of a stage, e.g. ``{"retrieval": dense}``.
    ``dask`` runs the stage-batch tasks on Dask: ``"local"`` for a local cluster, or a
    scheduler address such as ``tcp://scheduler:8786``. ``repeats``: a stage whose target is
    live (not deterministic) runs that many times (:func:`repeated_stage`).
    """
    if repeats < 1:
        raise SuiteError(f"repeats must be 1 or more (got {repeats})", field="--repeats")
    started = datetime.now(UTC)
    suite = load_suite(Path(suite_dir))
    selected = select_stages(list(suite.manifest.stages), stages)
    overrides = targets or {}
    summaries: list[StageSummary] = []
    results: list[CaseResult] = []
    end_to_end = system_stages(suite, selected, overrides)
    repeats_inside = [
        s
        for s in selected
        if repeats > 1
        and s in ("generation", "agent")
        and s not in end_to_end
        and not TARGETS[s].deterministic((overrides.get(s) or suite.manifest.stages[s].target).name)
    ]
    passes: dict[str, list[TargetSpec] | None] = {}
    with task_runner(dask) as runner, tempfile.TemporaryDirectory(prefix="evalstage-") as tmp:
        for stage in selected:
            began = time.perf_counter()

            def run_once(repeat: int, stage: str = stage) -> tuple[Any, StageReport]:
                target = overrides.get(stage)
                if stage in end_to_end:  # one call per question and repeat, for every stage
                    if "asked" not in passes:
                        passes["asked"] = ask_system(suite, end_to_end, Path(tmp), repeats)
                    asked = passes["asked"]
                    target = asked[repeat] if asked is not None else target
                inner = {"repeats": repeats} if stage in repeats_inside else {}
                inputs, report = call_flow(
                    STAGE_FLOWS[stage],
                    suite_dir,
                    target,
                    store_url=store_url,
                    task_runner=runner,
                    **inner,
                )
                if stage in end_to_end:  # the run records the spec, not the replies file
                    spec = overrides.get(stage) or suite.manifest.stages[stage].target
                    inputs = inputs.model_copy(update={"target": spec})
                if report.cost is not None:  # priced by the stage flow itself
                    return inputs, report
                return inputs, price_report(report, suite.manifest.prices, inputs.target)

            with step(f"{stage} stage"):
                if stage in repeats_inside:  # every repeat's cases in the target's one pool
                    (inputs, report), done = run_once(0), repeats
                else:
                    inputs, report, done = repeated_stage(stage, run_once, repeats)
            summary = stage_summary(stage, inputs, report, time.perf_counter() - began)
            if repeats > 1:
                summary.config["repeats"] = done
            summaries.append(summary)
            results.extend(report.results)
    run_id = record_run(suite, summaries, results, started, store_url)
    # under Prefect an invalid run returns a State named Invalid; its caller still gets the id
    outcome: str = finish_run(run_id, invalid_reason(results))
    return outcome
