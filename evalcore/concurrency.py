"""How many requests a live target has in flight, and how fast they start.

Every live target (``openai`` generation and agent targets, ``callable`` ones) takes two args,
:class:`PoolArgs`: ``concurrency`` (default 1: one case at a time, as before) and
``requests_per_minute`` (default none: no limit). :func:`map_in_order` runs one function over
the cases on a bounded thread pool and hands back every result, or the exception it raised, in
case order, so what is stored and scored does not depend on which request finished first.
:class:`RateLimiter` spaces request starts evenly (``60 / requests_per_minute`` seconds apart),
shared by every thread of a target; the chat client waits on it before each attempt, retries
included, so a retry storm cannot break the limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextvars import copy_context
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

__all__ = ["Done", "Pool", "PoolArgs", "RateLimiter", "map_in_order"]

T = TypeVar("T")
R = TypeVar("R")


class PoolArgs(BaseModel):
    """The concurrency args every live target takes (mixed into its ``args`` model)."""

    concurrency: int = Field(
        default=1, ge=1, le=256, description="Cases in flight at once (1: one at a time)."
    )
    requests_per_minute: float | None = Field(
        default=None,
        gt=0,
        description="Most requests started per minute, retries included (null: no limit).",
    )

    def pool(self) -> Pool:
        """The :class:`Pool` these args describe."""
        limiter = RateLimiter(self.requests_per_minute) if self.requests_per_minute else None
        return Pool(self.concurrency, limiter)


class RateLimiter:
    """Starts at most ``per_minute`` requests a minute, evenly spaced; safe across threads."""

    def __init__(
        self,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("requests_per_minute must be above 0")
        self.per_minute = per_minute
        self.interval = 60.0 / per_minute
        self._clock, self._sleep = clock, sleep
        self._next: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until this caller may start its request (its slot is reserved at once)."""
        with self._lock:
            now = self._clock()
            slot = now if self._next is None else max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)


@dataclass(frozen=True)
class Pool:
    """A target's concurrency: threads in flight and the shared rate limiter (if any)."""

    concurrency: int = 1
    limiter: RateLimiter | None = None

    def describe(self) -> dict[str, Any]:
        """For run records."""
        rpm = self.limiter.per_minute if self.limiter is not None else None
        return {"concurrency": self.concurrency, "requests_per_minute": rpm}

    def wait(self) -> None:
        """Wait for a request slot (no limiter: at once)."""
        if self.limiter is not None:
            self.limiter.wait()


@dataclass(frozen=True)
class Done(Generic[R]):
    """One item's result, or the exception its call raised."""

    value: R | None = None
    error: BaseException | None = None


def _call(fn: Callable[[T], R], item: T) -> Done[R]:
    try:
        return Done(value=fn(item))
    except Exception as exc:  # the system under test failed on this item: kept, not raised
        return Done(error=exc)


def map_in_order(
    fn: Callable[[T], R],
    items: Sequence[T],
    concurrency: int = 1,
    on_done: Callable[[], None] | None = None,
) -> Iterator[Done[R]]:
    """``fn`` over ``items`` with at most ``concurrency`` calls at once; results in item order.

    An exception of ``fn`` becomes that item's :attr:`Done.error` (the others go on).
    ``on_done`` is called in the caller's thread once per finished item (progress). With
    ``concurrency`` 1 the calls run one after another in the caller's thread. Each worker call
    runs in a copy of the caller's context (context variables, e.g. progress, carry over).
    """
    if concurrency <= 1 or len(items) <= 1:
        for item in items:
            done = _call(fn, item)
            if on_done is not None:
                on_done()
            yield done
        return
    results: dict[int, Done[R]] = {}
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items))) as executor:
        pending: dict[Future[Done[R]], int] = {}
        queue = iter(enumerate(items))
        emitted = 0

        def submit() -> bool:
            nxt = next(queue, None)
            if nxt is None:
                return False
            index, item = nxt
            pending[executor.submit(copy_context().run, _call, fn, item)] = index
            return True

        for _ in range(min(concurrency, len(items))):
            submit()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                results[pending.pop(future)] = future.result()
                if on_done is not None:
                    on_done()
                submit()
            while emitted in results:
                yield results.pop(emitted)
                emitted += 1


def map_repeated(
    fn: Callable[[T], R],
    items: Sequence[T],
    repeats: int,
    concurrency: int = 1,
    on_done: Callable[[], None] | None = None,
) -> list[list[Done[R]]]:
    """``fn`` over ``items``, ``repeats`` times, all in one pool: one list of results per repeat.

    Every repeat's calls are in flight together, at most ``concurrency`` at once (the repeats
    of one item do not wait for the other items' first calls); results keep item order within
    each repeat.
    """
    calls = [item for _ in range(repeats) for item in items]
    done = list(map_in_order(fn, calls, concurrency, on_done))
    n = len(items)
    return [done[r * n : (r + 1) * n] for r in range(repeats)]
