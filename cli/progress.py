"""Progress on the terminal while a run works: a live display on a TTY, plain lines in CI logs.

Stage code reports through :mod:`evalcore.progress`; this module only listens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from evalstage.evalcore.progress import Reporter, reporting

LINE_EVERY = 30.0
"""Seconds between two progress lines of one piece of work when not on a terminal."""


class RateColumn(ProgressColumn):
    """Units done per second, once there is a measured rate."""

    def render(self, task: Task) -> Text:
        """The task's rate, e.g. ``12.5/s``."""
        return Text(f"{task.speed:.1f}/s" if task.speed else "", style="progress.data.speed")


class LiveReporter:
    """A rich progress display: per piece of work, done/total, rate, elapsed and ETA."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def start(self, label: str, total: int | None) -> None:
        """Show ``label`` (again, from zero, if it ran before)."""
        task = self.tasks.get(label)
        if task is None:
            self.tasks[label] = self.progress.add_task(label, total=total)
        else:
            self.progress.reset(task, total=total, visible=True)

    def advance(self, label: str, done: int) -> None:
        """Move ``label``'s bar."""
        self.progress.advance(self.tasks[label], done)

    def finish(self, label: str) -> None:
        """Complete ``label``'s bar (an uncounted step shows as done)."""
        task = self.tasks[label]
        shown = self.progress.tasks[self.progress.task_ids.index(task)]
        self.progress.update(task, total=shown.total or 1, completed=shown.total or 1)


@dataclass
class _Work:
    total: int | None
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    last_line: float = field(default_factory=time.monotonic)


class LineReporter:
    """One line when a piece of work starts and ends, and one every ``LINE_EVERY`` s between."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.work: dict[str, _Work] = {}
        self.lock = threading.Lock()

    def start(self, label: str, total: int | None) -> None:
        """Print that ``label`` started."""
        with self.lock:
            self.work[label] = _Work(total)
        self._line(f"{label}: started" + (f", {total} to do" if total is not None else ""))

    def advance(self, label: str, done: int) -> None:
        """Count; print a line when the last one is older than ``LINE_EVERY``."""
        with self.lock:
            work = self.work[label]
            work.done += done
            now = time.monotonic()
            if now - work.last_line < LINE_EVERY:
                return
            work.last_line = now
        self._line(f"{label}: {self._figures(work)}")

    def finish(self, label: str) -> None:
        """Print how much was done, how fast."""
        with self.lock:
            work = self.work.pop(label)
        self._line(f"{label}: finished, {self._figures(work, final=True)}")

    @staticmethod
    def _figures(work: _Work, final: bool = False) -> str:
        elapsed = time.monotonic() - work.started
        rate = work.done / elapsed if elapsed > 0 else 0.0
        if work.total is None:
            return f"{elapsed:.1f}s"
        text = f"{work.done}/{work.total} in {elapsed:.1f}s ({rate:.1f}/s)"
        if not final and rate > 0 and work.total > work.done:
            text += f", about {(work.total - work.done) / rate:.0f}s left"
        return text

    def _line(self, text: str) -> None:
        self.console.print(text, highlight=False, markup=False, soft_wrap=True)


@contextmanager
def showing_progress(console: Console, quiet: bool = False) -> Iterator[None]:
    """Report the progress of the work inside the block on ``console`` (unless ``quiet``)."""
    if quiet:
        with reporting(None):
            yield
        return
    if not console.is_terminal:
        reporter: Reporter = LineReporter(console)
        with reporting(reporter):
            yield
        return
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    with progress, reporting(LiveReporter(progress)):
        yield
