"""Child processes that never outlive evalstage: own process group, die with their parent.

Used for the servers evalstage starts (the app's Streamlit, a run's temporary Prefect server).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
from contextlib import suppress
from typing import Any

PR_SET_PDEATHSIG = 1
GRACE_S = 10.0


def die_with_parent(parent: int) -> None:
    """In the child, before exec: get SIGTERM when ``parent`` dies (Linux; elsewhere a no-op).

    If the parent died before the call took effect, exit at once.
    """
    if not sys.platform.startswith("linux"):
        return
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def signal_group(proc: subprocess.Popen[Any], signum: int) -> None:
    """Send ``signum`` to the child's process group (nothing if it is gone)."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signum)


def stop_group(proc: subprocess.Popen[Any], grace_s: float = GRACE_S) -> None:
    """SIGTERM the child's group, wait ``grace_s``, then SIGKILL it; reap the child."""
    if proc.poll() is None:
        signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            signal_group(proc, signal.SIGKILL)
            proc.wait()
    signal_group(proc, signal.SIGKILL)  # whatever the child left behind in its group


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
