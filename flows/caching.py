"""Resume by content hash: expensive stage-batch tasks are cached on what they were given.

A stage batch (index and search, build variants, generate, drive the agent) is keyed by a
*fingerprint*: the suite's content hash, the stage, its target spec and options, the package
version and git commit, and the bytes of any file the target names (``args.path``). A rerun
after a killed or failed run finds the finished batches in the batch cache
(``.evalstage/cache/batches``, one pickle file per batch, written atomically) and skips them.

The cache is evalstage's own, not Prefect's result persistence: it works the same with or
without a Prefect server, and a large batch (50,000 rankings) is written once as one file
instead of being serialised into Prefect's result storage between two tasks.

Only deterministic targets are cached: a built-in retriever, recorded outputs, the built-in
generator or agent. A live system (``callable``, ``openai``) can change between two runs with the
same spec, so its batches always run. Set ``EVALSTAGE_TASK_CACHE=off`` to disable caching.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import time
from collections.abc import Mapping
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

from evalstage.agent_eval import AGENT_TARGETS
from evalstage.evalcore.env import cache_dir
from evalstage.evalcore.hashing import content_hash, files_hash
from evalstage.evalcore.suite import Suite, TargetSpec
from evalstage.evalcore.targets import TargetRegistry
from evalstage.flows.recording import git_commit
from evalstage.flows.runtime import call_task, declared_name
from evalstage.generation_eval import GENERATION_TARGETS
from evalstage.retrieval_eval import RETRIEVAL_TARGETS

TARGETS: dict[str, TargetRegistry[Any]] = {
    "retrieval": RETRIEVAL_TARGETS,
    "generation": GENERATION_TARGETS,
    "agent": AGENT_TARGETS,
}
"""Per stage, its target registry (which says which targets are deterministic)."""

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


def _path(task: Any, fingerprint: str) -> Path:
    return cache_dir("batches") / f"{content_hash([declared_name(task), fingerprint])}.pkl"


def _load(path: Path) -> tuple[bool, Any]:
    try:
        if time.time() - path.stat().st_mtime > CACHE_EXPIRATION.total_seconds():
            return False, None
        with path.open("rb") as handle:
            return True, pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return False, None  # absent, expired or from another version: run the batch again


def _save(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: a killed run leaves no half-written batch
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_batch(task: Any, fingerprint: str | None, *args: Any) -> Any:
    """Run a stage-batch task, or take its result from the batch cache under ``fingerprint``.

    ``fingerprint`` None (a live target, or caching off) always runs the task.
    """
    if fingerprint is None:
        return call_task(task, *args)
    path = _path(task, fingerprint)
    found, value = _load(path)
    if found:
        print(f"{declared_name(task)}: resumed from the batch cache ({path.name})")
        return value
    value = call_task(task, *args)
    _save(path, value)
    return value
