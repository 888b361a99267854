"""Proof that calls ran concurrently, without timing anything.

Each call :meth:`enter`s: it waits (up to ``timeout_s``) until ``needed`` calls are in flight at
once. Calls made one after another never get there, so :attr:`reached` stays False; calls made
concurrently release each other at once, however slow the machine is.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Overlap:
    def __init__(self, needed: int = 2, timeout_s: float = 20.0) -> None:
        self.needed, self.timeout_s = needed, timeout_s
        self.in_flight = self.most = 0
        self._lock = threading.Lock()
        self._all_there = threading.Event()

    @property
    def reached(self) -> bool:
        return self._all_there.is_set()

    @contextmanager
    def enter(self) -> Iterator[None]:
        with self._lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            if self.in_flight >= self.needed:
                self._all_there.set()
        try:
            self._all_there.wait(self.timeout_s)
            yield
        finally:
            with self._lock:
                self.in_flight -= 1
