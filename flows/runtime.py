"""How a run is orchestrated: through a Prefect API, or in this process with no server at all.

``EVALSTAGE_ORCHESTRATION`` picks it (``auto`` unless set):

- ``auto``: ``prefect`` when a Prefect API is configured (``PREFECT_API_URL``) or ``--dask`` is
  given, else ``local``;
- ``local``: the same flow and task code, called as plain functions (``flow.fn``, ``task.fn``)
  in this process. Nothing is started, so nothing can time out while starting; runs are
  stored in evalstage's store as always, but Prefect records no flow runs or artifacts;
- ``prefect``: real Prefect flow and task runs, in the server at ``PREFECT_API_URL``, or, when
  none is set, in Prefect's temporary server for this process (its start-up timeout raised to
  ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS``, 180 s by default here, and its database
  migrated under a file lock so concurrent first runs do not race).

Deployments (``prefect.yaml``) always run under a worker, i.e. under Prefect. docs/deploy.md
weighs the choices.
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from evalstage.evalcore.errors import SuiteError

ENV = "EVALSTAGE_ORCHESTRATION"
MODES = ("auto", "local", "prefect")
R = TypeVar("R")

_IN_PROCESS: ContextVar[bool] = ContextVar("evalstage_in_process", default=False)


def in_process() -> bool:
    """True inside a ``local`` run: flows and tasks are being called as plain functions."""
    return _IN_PROCESS.get()


def prefect_api_url() -> str | None:
    """The configured Prefect API (environment or active profile), or None."""
    from prefect.settings import PREFECT_API_URL

    value = PREFECT_API_URL.value()
    return str(value) if value else None


def choose_mode(dask: str | None = None) -> str:
    """``local`` or ``prefect`` for a CLI run, from ``EVALSTAGE_ORCHESTRATION`` and the options."""
    wanted = os.environ.get(ENV, "auto").strip().lower() or "auto"
    if wanted not in MODES:
        raise SuiteError(
            f"{ENV}={wanted!r} is not an orchestration mode",
            field=ENV,
            hint=f"use one of: {', '.join(MODES)}",
        )
    if wanted == "local" and dask:
        raise SuiteError(
            "--dask runs stage batches on Prefect's Dask task runner",
            field=ENV,
            hint=f"unset {ENV} (or set it to prefect) to use --dask",
        )
    if wanted == "auto":
        return "prefect" if dask or prefect_api_url() else "local"
    return wanted


def call_flow(flow: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a flow: a real (sub)flow run under Prefect, its plain function in a local run."""
    if in_process():
        return flow.fn(*args, **kwargs)
    return flow(*args, **kwargs)


def call_task(task: Any, *args: Any) -> Any:
    """Run a task and wait for it: a real task run under Prefect, its function in a local run."""
    if in_process():
        return task.fn(*args)
    return task.submit(*args).result()


def finish_run(run_id: str, invalid: str | None) -> Any:
    """A flow's return value for a stored run: its id, in a state named ``Invalid`` if it is.

    Under Prefect an invalid run (a canary failed) ends in a ``Completed`` state named
    ``Invalid`` whose message says why: alerting sees ``prefect.flow-run.Invalid``, while the
    caller still gets the run id. A local run just returns the id.
    """
    if invalid is None or in_process():
        return run_id
    from prefect.states import Completed

    return Completed(name="Invalid", message=invalid, data=run_id)


@contextmanager
def orchestration(mode: str) -> Iterator[None]:
    """Run the body under ``mode`` (from :func:`choose_mode`)."""
    if mode == "local":
        token = _IN_PROCESS.set(True)
        try:
            # what the flows print is log output (Prefect's log_prints): stderr, never stdout,
            # which carries the command's result (--json)
            with redirect_stdout(sys.stderr):
                yield
        finally:
            _IN_PROCESS.reset(token)
        return
    if prefect_api_url() is None:
        _migrate_once()
    yield


def run(mode: str, function: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """``function(*args, **kwargs)`` (a flow) under ``mode``."""
    with orchestration(mode):
        result: R = call_flow(function, *args, **kwargs)
        return result


def _migrate_once() -> None:
    """Migrate the temporary server's database under a lock, so concurrent first runs don't race.

    Each process starts its own temporary server, and each start migrates the one database in
    ``PREFECT_HOME``; two first runs at once used to collide in the migrations.
    """
    from prefect.settings import PREFECT_HOME

    home = Path(str(PREFECT_HOME.value()))
    home.mkdir(parents=True, exist_ok=True)
    marker = home / ".evalstage-migrated"
    from prefect import __version__ as prefect_version

    if marker.is_file() and marker.read_text() == prefect_version:
        return
    with (home / ".evalstage-migrate.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.is_file() and marker.read_text() == prefect_version:
            return
        import anyio
        from prefect.server.database import provide_database_interface

        anyio.run(provide_database_interface().create_db)
        marker.write_text(prefect_version)
