"""Prefect artifacts: a markdown summary and a table per stage and per run."""

from __future__ import annotations

import re
from collections.abc import Sequence

from evalstage.evalcore.records import MetricSummary, RunRecord
from evalstage.flows.runtime import in_process


def _key(*parts: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")[:100]


def metrics_table(metrics: Sequence[MetricSummary]) -> list[dict[str, object]]:
    """Rows of a metric table: name, value, CI bounds, n and coverage."""
    return [
        {
            "metric": m.name,
            "value": round(m.value, 4),
            "ci_low": round(m.ci_low, 4),
            "ci_high": round(m.ci_high, 4),
            "n": m.n,
            "coverage": round(m.coverage, 4),
        }
        for m in metrics
    ]


def stage_markdown(stage: str, metrics: Sequence[MetricSummary], outcomes: dict[str, int]) -> str:
    """A markdown summary of one stage."""
    lines = [
        f"### {stage}",
        "",
        "outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())),
        "",
        "| metric | value | 95% CI | n | coverage |",
        "|---|---|---|---|---|",
    ]
    for m in metrics:
        lines.append(
            f"| {m.name} | {m.value:.4f} | [{m.ci_low:.4f}, {m.ci_high:.4f}] | {m.n} "
            f"| {m.coverage:.0%} |"
        )
    return "\n".join(lines)


def publish_stage_artifacts(
    stage: str, suite: str, metrics: Sequence[MetricSummary], outcomes: dict[str, int]
) -> None:
    """Attach the stage's markdown summary and metric table to the current flow run.

    A local run (no Prefect API, :mod:`flows.runtime`) has no flow run to attach them to.
    """
    if in_process():
        return
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_markdown_artifact(
        stage_markdown(stage, metrics, outcomes),
        key=_key(suite, stage, "summary"),
        description=f"{stage} stage summary of suite {suite}",
    )
    create_table_artifact(
        metrics_table(metrics), key=_key(suite, stage, "metrics"), description=f"{stage} metrics"
    )


def run_markdown(run: RunRecord) -> str:
    """A markdown summary of a whole run."""
    head = [
        f"## evalstage run `{run.run_id}`",
        "",
        f"suite **{run.suite_name}** v{run.suite_version} (`{run.suite_hash[:12]}`), "
        f"status **{run.status}**",
        "",
    ]
    body = [stage_markdown(s.stage, s.metrics, s.outcomes) for s in run.stages]
    return "\n".join(head) + "\n\n".join(body)


def publish_run_artifacts(run: RunRecord) -> None:
    """Attach the run's markdown summary and a table of every stage metric."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    create_markdown_artifact(
        run_markdown(run), key=_key(run.suite_name, "run-summary"), description="evalstage run"
    )
    rows = [{"stage": s.stage, **row} for s in run.stages for row in metrics_table(s.metrics)]
    create_table_artifact(rows, key=_key(run.suite_name, "run-metrics"), description="all metrics")
