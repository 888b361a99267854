"""Resume by content hash: expensive stage-batch tasks are cached on what they were given.

A stage batch (index and search, build variants, generate, drive the agent) is keyed by a
*fingerprint*: the suite's content hash, the stage, its target spec and options, the package
version and git commit, and the bytes of any file the target names (``args.path``). A rerun
after a killed or failed run finds the finished batches in Prefect's result storage
(``$PREFECT_HOME/storage``, i.e. ``.evalstage/prefect/storage`` under the CLI) and skips them.

Only deterministic targets are cached: a built-in retriever, recorded outputs, the built-in
generator or agent. A live system (``callable``, ``openai``) can change between two runs with the
same spec, so its batches always run. Set ``EVALSTAGE_TASK_CACHE=off`` to disable caching.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from prefect import Task
from prefect.cache_policies import CacheKeyFnPolicy

from evalstage.agent_eval import AGENT_TARGETS
from evalstage.evalcore.hashing import content_hash, files_hash
from evalstage.evalcore.suite import Suite, TargetSpec
from evalstage.evalcore.targets import TargetRegistry
from evalstage.flows.recording import git_commit
from evalstage.generation_eval import GENERATION_TARGETS
from evalstage.retrieval_eval import RETRIEVAL_TARGETS

TARGETS: dict[str, TargetRegistry[Any]] = {
    "retrieval": RETRIEVAL_TARGETS,
    "generation": GENERATION_TARGETS,
    "agent": AGENT_TARGETS,
}
"""Per stage, its target registry (which says which targets are deterministic)."""

P = ParamSpec("P")
R = TypeVar("R")

CACHE_EXPIRATION = timedelta(days=1)
"""How long a cached batch stays valid (bounds staleness from uncommitted code edits)."""


def caching_enabled() -> bool:
    """False when ``EVALSTAGE_TASK_CACHE`` is ``off``/``0``/``false``."""
    return os.environ.get("EVALSTAGE_TASK_CACHE", "on").lower() not in ("off", "0", "false", "no")


def _referenced_files(spec: TargetSpec, root: Path) -> str | None:
    path = spec.args.get("path")
    if not isinstance(path, str):
        return None
    file = (root / path).resolve()
    return files_hash([file], file.parent) if file.is_file() else None


def batch_fingerprint(
    suite: Suite, stage: str, options: Any, targets: Mapping[str, TargetSpec]
) -> str | None:
    """The cache key of a stage batch, or None when it must run (a live target, cache off).

    ``targets`` maps the stage each target belongs to onto its spec: the batch's own target,
    and any upstream one it depends on (the generation stage's retriever).
    """
    if not caching_enabled():
        return None
    for owner, spec in targets.items():
        registry = TARGETS.get(owner)
        if registry is None or not registry.deterministic(spec.name):
            return None
    return content_hash(
        {
            "stage": stage,
            "suite": suite.content_hash,
            "targets": {k: v.model_dump(mode="json") for k, v in sorted(targets.items())},
            "files": {k: _referenced_files(v, suite.root) for k, v in sorted(targets.items())},
            "options": options.model_dump(mode="json"),
            "package": version("evalstage"),
            "commit": git_commit(suite.root),
        }
    )


def resumable(task: Task[P, R], fingerprint: str | None) -> Task[P, R]:
    """``task`` cached under ``fingerprint`` (results persisted), or unchanged when it is None."""
    if fingerprint is None:
        return task
    key = content_hash([task.name, fingerprint])
    return task.with_options(
        cache_policy=CacheKeyFnPolicy(cache_key_fn=lambda _context, _parameters: key),
        cache_expiration=CACHE_EXPIRATION,
        persist_result=True,
    )
