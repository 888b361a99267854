"""How a run is orchestrated: through a Prefect API, or in this process with no server at all.

``EVALSTAGE_ORCHESTRATION`` picks it (``auto`` unless set):

- ``auto``: ``prefect`` when a Prefect API is configured (``PREFECT_API_URL``) or ``--dask`` is
  given, else ``local``;
- ``local``: the same flow and task code, called as plain functions (``flow.fn``, ``task.fn``)
  in this process. Nothing is started, so nothing can time out while starting; runs are
  stored in evalstage's store as always, but Prefect records no flow runs or artifacts;
- ``prefect``: real Prefect flow and task runs, in the server at ``PREFECT_API_URL``, or, when
  none is set, in a temporary server for this run (:func:`temporary_server`).

Deployments (``prefect.yaml``) always run under a worker, i.e. under Prefect. docs/deploy.md
weighs the choices.
"""

from __future__ import annotations

import fcntl
import functools
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from evalstage.evalcore.errors import SuiteError

ENV = "EVALSTAGE_ORCHESTRATION"
MODES = ("auto", "local", "prefect")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])

_DECLARED: dict[Callable[..., Any], tuple[str, dict[str, Any]]] = {}
"""Every function declared a flow or task, with its Prefect options."""

_IN_PROCESS: ContextVar[bool] = ContextVar("evalstage_in_process", default=False)


def in_process() -> bool:
    """True inside a ``local`` run: flows and tasks are being called as plain functions."""
    return _IN_PROCESS.get()


def prefect_api_url() -> str | None:
    """The configured Prefect API (environment or active profile), or None.

    Prefect (a second of imports) is asked only when it is loaded already (its settings may have
    been changed in this process) or a profiles file could set it.
    """
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect")).expanduser()
    profiles = os.environ.get("PREFECT_PROFILES_PATH", str(home / "profiles.toml"))
    if "prefect.settings" not in sys.modules and not Path(profiles).is_file():
        return None
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


def flow(**options: Any) -> Callable[[F], F]:
    """Declare a function a Prefect flow (``prefect.flow(**options)``) without importing Prefect.

    The function stays a plain function: a local run calls it as it is, and :func:`as_prefect`
    makes the Prefect flow from it when a run is orchestrated by Prefect.
    """

    def declare(function: F) -> F:
        _DECLARED[function] = ("flow", options)
        return function

    return declare


def task(**options: Any) -> Callable[[F], F]:
    """Declare a function a Prefect task; see :func:`flow`.

    Tasks never use Prefect's cache: finished batches are kept in evalstage's batch cache
    (:mod:`flows.caching`).
    """

    def declare(function: F) -> F:
        _DECLARED[function] = ("task", options)
        return function

    return declare


def declared_name(function: Callable[..., Any]) -> str:
    """The Prefect name a flow or task was declared with (its function name without one)."""
    _, options = _DECLARED.get(function, ("", {}))
    return str(options.get("name", function.__name__))


@functools.cache
def as_prefect(function: Callable[..., Any]) -> Any:
    """The Prefect flow or task declared for ``function`` (made once, on first use)."""
    kind, options = _DECLARED[function]
    if kind == "flow":
        from prefect import flow as prefect_flow

        return prefect_flow(**options)(function)
    from prefect import task as prefect_task
    from prefect.cache_policies import NO_CACHE

    return prefect_task(cache_policy=NO_CACHE, persist_result=False, **options)(function)


def call_flow(function: Callable[..., R], *args: Any, task_runner: Any = None, **kwargs: Any) -> R:
    """Call a declared flow: a real (sub)flow run under Prefect, the plain call in a local run."""
    if in_process():
        return function(*args, **kwargs)
    prefect_flow = as_prefect(function)
    if task_runner is not None:
        prefect_flow = prefect_flow.with_options(task_runner=task_runner)
    result: R = prefect_flow(*args, **kwargs)
    return result


def call_task(function: Callable[..., R], *args: Any) -> R:
    """Run a declared task and wait: a real task run under Prefect, the plain call locally."""
    if in_process():
        return function(*args)
    result: R = as_prefect(function).submit(*args).result()
    return result


def flow_run_id() -> str | None:
    """The id of the Prefect flow run this code runs in, or None (a local run)."""
    if in_process():
        return None
    from prefect.runtime import flow_run

    return str(flow_run.id) if flow_run.id else None


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
    if prefect_api_url() is not None:
        yield
        return
    with temporary_server() as url, _api_url(url):
        yield


@contextmanager
def _api_url(url: str) -> Iterator[None]:
    """Point Prefect at ``url`` for the block (the environment, or its settings once loaded)."""
    if "prefect.settings" in sys.modules:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: url}):
            yield
        return
    os.environ["PREFECT_API_URL"] = url
    try:
        yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)


@contextmanager
def temporary_server() -> Iterator[str]:
    """A Prefect server for this run only: its API URL for the block, stopped afterwards.

    ``prefect server start`` on 127.0.0.1 and a free port, as evalstage's own child: in its own
    process group, stopped when the block ends, and (Linux) killed when evalstage dies, even by
    ``kill -9``, so no server outlives the run. Servers on one ``$PREFECT_HOME`` start one at a
    time, under a file lock held until the server answers: the database is migrated once, and a
    starting server's own writes (it registers Prefect's block types) never race another's.
    The server may take ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS`` (180) to answer.
    """
    from evalstage.evalcore.processes import die_with_parent, free_port, stop_group

    prefect = [sys.executable, "-m", "prefect"]
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)
    home = Path(env.get("PREFECT_HOME", Path.home() / ".prefect")).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env |= {
        "PREFECT_SERVER_DATABASE_MIGRATE_ON_START": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    parent = os.getpid()
    with tempfile.TemporaryFile() as log, (home / ".evalstage-start.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one server starting at a time on this database
        proc: subprocess.Popen[bytes] | None = None
        try:
            _migrate_once(prefect, env, home)
            proc = subprocess.Popen(
                [*prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=lambda: die_with_parent(parent),
            )
            _wait_healthy(url, proc, log)
        except BaseException:
            if proc is not None:
                stop_group(proc)
            raise
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
        try:
            yield url
        finally:
            stop_group(proc)


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Any) -> None:
    timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            tail = log.read().decode(errors="replace")[-2000:]
            raise SuiteError(
                f"the temporary Prefect server exited with code {proc.returncode}: {tail}",
                field=ENV,
                hint="unset EVALSTAGE_ORCHESTRATION to run in-process, or set PREFECT_API_URL",
            )
        with suppress(OSError), urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.25)
    raise SuiteError(
        f"the temporary Prefect server did not answer within {timeout:g}s",
        field="PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
        hint="raise it, start `prefect server start` once and set PREFECT_API_URL, or unset "
        "EVALSTAGE_ORCHESTRATION to run in-process",
    )


def run(mode: str, function: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """Run the declared flow ``function(*args, **kwargs)`` under ``mode`` (local or prefect)."""
    with orchestration(mode):
        return call_flow(function, *args, **kwargs)


def _migrate_once(prefect: list[str], env: dict[str, str], home: Path) -> None:
    """Migrate the database in ``home`` once per Prefect version (the caller holds the lock)."""
    from importlib.metadata import version

    marker, wanted = home / ".evalstage-migrated", version("prefect")
    if marker.is_file() and marker.read_text() == wanted:
        return
    done = subprocess.run(
        [*prefect, "server", "database", "upgrade", "-y"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SuiteError(
            f"migrating Prefect's database in {home} failed: {done.stderr[-2000:]}",
            field="PREFECT_HOME",
            hint="check the folder is writable, or unset EVALSTAGE_ORCHESTRATION",
        )
    marker.write_text(wanted)
