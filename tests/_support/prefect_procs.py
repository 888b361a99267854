"""Real Prefect processes for integration tests: a server on 127.0.0.1 and process groups.

Every process is started in its own session (process group) and stopped by killing the group,
so a flow-run subprocess spawned by a worker goes with it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def prefect_cli() -> str:
    """The ``prefect`` executable next to this interpreter (or on PATH); skip if missing."""
    found = BIN / "prefect"
    if found.exists():
        return str(found)
    on_path = shutil.which("prefect")
    if on_path is None:
        pytest.skip("the prefect CLI is not installed")
    return on_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(home: Path) -> dict[str, str]:
    """Offline env with a private PREFECT_HOME and evalstage data folder under ``home``."""
    env = dict(os.environ)
    for key in ("PREFECT_API_URL", "PREFECT_PROFILE", "EVALSTAGE_STORE"):
        env.pop(key, None)
    env.update(
        HF_HUB_OFFLINE="1",
        DO_NOT_TRACK="1",
        TOKENIZERS_PARALLELISM="false",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_HOME=str(home / "prefect"),
        PREFECT_LOCAL_STORAGE_PATH=str(home / "prefect" / "storage"),
        PREFECT_SERVER_API_HOST="127.0.0.1",
        PREFECT_UI_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        EVALSTAGE_HOME=str(home / "evalstage"),
    )
    return env


def start(
    args: Sequence[str], env: dict[str, str], log: Path, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start ``args`` in a new session, output to ``log``."""
    handle = log.open("ab")
    return subprocess.Popen(
        list(args),
        env=env,
        cwd=cwd,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc``'s process group (TERM, then KILL) and reap it."""
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    else:  # the leader exited: children of the group may remain
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited:\n{log.read_text()[-3000:]}")
        with suppress(OSError), urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"prefect server not healthy after {timeout}s:\n{log.read_text()[-3000:]}")


@contextmanager
def prefect_server(home: Path, timeout: float = 120.0) -> Iterator[dict[str, str]]:
    """A ``prefect server start`` on 127.0.0.1; yields the env that points clients at it."""
    home.mkdir(parents=True, exist_ok=True)
    env = base_env(home)
    port = free_port()
    env["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    log = home / "server.log"
    proc = start(
        [prefect_cli(), "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
        env,
        log,
    )
    try:
        wait_healthy(env["PREFECT_API_URL"], proc, log, timeout)
        yield env
    finally:
        stop(proc)
