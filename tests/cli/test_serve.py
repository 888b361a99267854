"""``evalstage app`` leaves nothing behind: a stop signal or the parent's death ends Streamlit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from prefect_procs import free_port
from proc_table import alive, children

from evalstage.evalcore import sqlite_url

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

EVALSTAGE = str(Path(sys.executable).parent / "evalstage")


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(check, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


@contextmanager
def serving(tmp_path: Path, store: str) -> Iterator[tuple[subprocess.Popen[bytes], int, list[int]]]:
    """``evalstage app`` serving; yields the process, its port and its Streamlit child."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    log = (tmp_path / "app.log").open("wb")
    proc = subprocess.Popen(
        [EVALSTAGE, "app", "--store", store, "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the test's own handle on everything it started
    )
    spawned: list[int] = []
    try:
        up = wait_until(lambda: listening(port), 120)
        assert up, (tmp_path / "app.log").read_text()[-3000:]
        spawned += children(proc.pid)
        assert spawned, "evalstage app runs Streamlit as a child"
        yield proc, port, spawned
    finally:
        for pid in [proc.pid, *spawned]:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        log.close()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, list[int]]]:
    with serving(tmp_path, sqlite_url(tmp_path / "runs.db")) as served:
        yield served


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_the_child_and_frees_the_port(
    app: tuple[subprocess.Popen[bytes], int, list[int]], signum: int
) -> None:
    proc, port, spawned = app
    os.kill(proc.pid, signum)  # the parent only: it must pass the signal on
    assert proc.wait(timeout=30) == 0
    assert wait_until(lambda: not listening(port), 10)
    assert not any(alive(pid) for pid in spawned)


def test_the_child_dies_with_a_parent_killed_by_sigkill(
    app: tuple[subprocess.Popen[bytes], int, list[int]],
) -> None:
    proc, port, spawned = app
    os.kill(proc.pid, signal.SIGKILL)  # no handler runs: only PR_SET_PDEATHSIG can help
    proc.wait(timeout=10)
    assert wait_until(lambda: not any(alive(pid) for pid in spawned), 30)
    assert wait_until(lambda: not listening(port), 10)


def test_a_store_password_is_not_on_the_command_line_nor_printed(tmp_path: Path) -> None:
    store = "postgresql+psycopg://evalstage:pg-pass-4321@127.0.0.1:9/runs"  # never connected
    with serving(tmp_path, store) as (proc, _port, spawned):
        (child,) = spawned
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        environ = Path(f"/proc/{child}/environ").read_bytes()
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    assert b"pg-pass-4321" not in cmdline and b"streamlit" in cmdline
    assert f"EVALSTAGE_STORE={store}".encode() in environ.split(b"\0")
    printed = (tmp_path / "app.log").read_text()
    assert "postgresql+psycopg://***@127.0.0.1:9/runs" in printed and "pg-pass-4321" not in printed
