"""Progress of long stage work, reported to whoever listens (the CLI); nothing is printed here.

Stage code marks its long loops with :func:`track` (cases done of a known total) and its long
single steps with :func:`step` (indexing a corpus). Without a listener both cost nothing. The
CLI installs one with :func:`reporting` (a rich progress display on a terminal, plain lines in
CI logs, nothing with ``--quiet``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol, TypeVar

T = TypeVar("T")


class Reporter(Protocol):
    """What listens to progress: a labelled piece of work starts, advances, finishes."""

    def start(self, label: str, total: int | None) -> None:
        """``label`` began; ``total`` units of work (None: not counted)."""

    def advance(self, label: str, done: int) -> None:
        """``done`` more units of ``label`` are finished."""

    def finish(self, label: str) -> None:
        """``label`` ended (finished or failed)."""


_REPORTER: ContextVar[Reporter | None] = ContextVar("evalstage_progress", default=None)


@contextmanager
def reporting(reporter: Reporter | None) -> Iterator[None]:
    """Send the progress of the work inside the block to ``reporter`` (None: to nobody)."""
    token = _REPORTER.set(reporter)
    try:
        yield
    finally:
        _REPORTER.reset(token)


def track(label: str, items: Iterable[T], total: int | None = None) -> Iterator[T]:
    """Yield ``items``, reporting one unit of ``label`` done per item."""
    reporter = _REPORTER.get()
    if reporter is None:
        yield from items
        return
    if total is None and isinstance(items, Sized):
        total = len(items)
    reporter.start(label, total)
    try:
        for item in items:
            yield item
            reporter.advance(label, 1)
    finally:
        reporter.finish(label)


@contextmanager
def step(label: str) -> Iterator[None]:
    """Report ``label`` as one uncounted piece of work for the length of the block."""
    reporter = _REPORTER.get()
    if reporter is None:
        yield
        return
    reporter.start(label, None)
    try:
        yield
    finally:
        reporter.finish(label)


@contextmanager
def counting(label: str, total: int) -> Iterator[Callable[[], None]]:
    """Report ``label`` with ``total`` units; the block gets a function marking one unit done.

    For work whose units finish out of order (a thread pool): call it as each one finishes.
    """
    reporter = _REPORTER.get()
    if reporter is None:
        yield lambda: None
        return
    reporter.start(label, total)
    try:
        yield lambda: reporter.advance(label, 1)
    finally:
        reporter.finish(label)
