"""Turn stage reports into a stored run: one :class:`RunRecord` and its case results."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from evalstage.evalcore.env import default_store_url
from evalstage.evalcore.records import CaseResult, RunRecord, StageSummary, failed_canaries
from evalstage.evalcore.store import ResultStore
from evalstage.evalcore.suite import Suite
from evalstage.flows.artifacts import publish_run_artifacts
from evalstage.flows.runtime import flow_run_id, in_process


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


def record_run(
    suite: Suite,
    summaries: Sequence[StageSummary],
    results: Sequence[CaseResult],
    started: datetime,
    store_url: str | None = None,
) -> str:
    """Write the run (one transaction), publish its artifacts and return its id.

    A canary that did not pass marks the run ``invalid``.
    """
    canary_failed = bool(failed_canaries(results))
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
        flow_run_id=flow_run_id(),
        stages=list(summaries),
    )
    ResultStore(store_url or default_store_url()).save_run(run, results)
    if not in_process():
        publish_run_artifacts(run)
    return run.run_id
