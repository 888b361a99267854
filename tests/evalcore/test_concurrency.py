"""The bounded pool and the rate limiter live targets share (evalcore.concurrency)."""

import threading
import time

import pytest
from pydantic import ValidationError

from evalstage.evalcore.concurrency import Pool, PoolArgs, RateLimiter, map_in_order


def test_results_come_back_in_item_order_whatever_finishes_first():
    def slow_first(i: int) -> int:
        time.sleep(0.05 if i == 0 else 0.0)
        return i * 10

    done = list(map_in_order(slow_first, list(range(6)), concurrency=3))
    assert [d.value for d in done] == [0, 10, 20, 30, 40, 50]


def test_an_exception_is_that_items_error_and_the_others_go_on():
    def boom(i: int) -> int:
        if i == 2:
            raise RuntimeError("item 2 failed")
        return i

    for concurrency in (1, 4):
        done = list(map_in_order(boom, [0, 1, 2, 3], concurrency=concurrency))
        assert [d.value for d in done] == [0, 1, None, 3]
        assert isinstance(done[2].error, RuntimeError) and "item 2" in str(done[2].error)


def test_no_more_than_concurrency_calls_are_in_flight():
    lock, state = threading.Lock(), {"now": 0, "most": 0}

    def work(_: int) -> None:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.02)
        with lock:
            state["now"] -= 1

    ticks: list[int] = []
    list(map_in_order(work, list(range(12)), concurrency=3, on_done=lambda: ticks.append(1)))
    assert state["most"] == 3 and len(ticks) == 12


def test_concurrency_one_runs_in_the_callers_thread():
    seen = list(map_in_order(lambda _: threading.get_ident(), [1, 2, 3], concurrency=1))
    assert {d.value for d in seen} == {threading.get_ident()}


def test_the_rate_limiter_spaces_starts_evenly():
    clock = {"t": 100.0}
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)

    limiter = RateLimiter(120, clock=lambda: clock["t"], sleep=sleep)  # one per 0.5 s
    for _ in range(3):
        limiter.wait()
    assert slept == [0.5, 1.0]  # slots at 100.0, 100.5, 101.0, reserved up front
    clock["t"] = 110.0  # long idle: no burst is banked beyond one slot
    slept.clear()
    limiter.wait()
    limiter.wait()
    assert slept == [0.5]


def test_pool_args_are_validated_and_describe_the_pool():
    assert PoolArgs().pool() == Pool()
    pool = PoolArgs(concurrency=4, requests_per_minute=600).pool()
    assert pool.describe() == {"concurrency": 4, "requests_per_minute": 600}
    with pytest.raises(ValidationError):
        PoolArgs(concurrency=0)
    with pytest.raises(ValidationError):
        PoolArgs(requests_per_minute=0)
