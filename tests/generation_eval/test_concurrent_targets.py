"""Live generation targets with concurrency and requests_per_minute (a 127.0.0.1 server)."""

import threading
import time

from chat_server import FakeServer, Reply, completion
from gen_fixtures import CASES, DOCUMENTS, fake_search
from overlap import Overlap

from evalstage.evalcore.suite import TargetSpec
from evalstage.generation_eval import ADVERSARIAL, build_variants, run_generator


def _variants():
    variants, _ = build_variants(CASES, DOCUMENTS, variants=ADVERSARIAL, search=fake_search)
    return variants


def _answering(server: FakeServer, delay_s: float, fail_first: bool = False) -> list[float]:
    """Reply to each prompt with its own question after ``delay_s``; starts are returned."""
    seen: set[str] = set()
    starts: list[float] = []
    lock = threading.Lock()

    def check(body):
        prompt = body["messages"][-1]["content"]
        with lock:
            starts.append(time.monotonic())
            first = prompt not in seen
            seen.add(prompt)
        if fail_first and first:
            return Reply(503, {"error": "busy"})
        question = prompt.rsplit("Question: ", 1)[1].split("\n")[0]
        n = prompt.count("\n[")
        return Reply(body=completion(content=f"{question} {n} [1]."), delay_s=delay_s)

    server.check = check
    return starts


def _spec(server: FakeServer, **args) -> TargetSpec:
    base = {"base_url": server.url, "model": "m", "max_retries": 2, "backoff_s": 0.01}
    return TargetSpec(name="openai", args={**base, **args})


def test_concurrent_answers_equal_sequential_ones_in_variant_order(server: FakeServer):
    variants = _variants()
    _answering(server, delay_s=0.0)
    one = run_generator(_spec(server), variants, suite_root=None)
    overlap = Overlap(needed=8)  # each reply waits until eight requests are in flight
    server.around_reply = overlap.enter
    eight = run_generator(_spec(server, concurrency=8), variants, suite_root=None)
    assert not one.errors and not eight.errors
    assert list(one.outputs) == list(eight.outputs) == [v.key for v in variants]
    assert {k: o.answer for k, o in one.outputs.items()} == {
        k: o.answer for k, o in eight.outputs.items()
    }
    assert overlap.reached and overlap.most == 8  # eight in flight at once, never more
    assert eight.target["concurrency"] == 8 and "concurrency" not in one.target


def test_retries_still_happen_under_concurrency(server: FakeServer):
    variants = _variants()
    _answering(server, delay_s=0.0, fail_first=True)
    run = run_generator(_spec(server, concurrency=4), variants, suite_root=None)
    assert not run.errors and len(run.outputs) == len(variants)
    assert len(server.requests) == 2 * len(variants)  # each prompt: a 503, then its answer


def test_requests_per_minute_spaces_request_starts(server: FakeServer):
    variants = _variants()[:5]
    _answering(server, delay_s=0.0)
    began = time.monotonic()
    run = run_generator(
        _spec(server, concurrency=4, requests_per_minute=600), variants, suite_root=None
    )
    assert len(run.outputs) == 5
    # 600 a minute: the fifth request may not start before 4 x 0.1 s after the first, whatever
    # the concurrency (a lower bound: a slow machine only makes it later; the limiter's spacing
    # itself is tested with a fake clock in tests/evalcore/test_concurrency.py)
    assert time.monotonic() - began >= 0.4
    assert run.target["requests_per_minute"] == 600


ECHO_OVERLAP = Overlap(needed=4)


def overlapping_echo(question, passages):
    with ECHO_OVERLAP.enter():
        return f"{question} [1]"


def test_a_callable_target_runs_concurrently_with_the_same_results():
    variants = _variants()
    function = f"{__name__}:overlapping_echo"
    ECHO_OVERLAP.timeout_s = 0.0  # one at a time: nothing to wait for
    one = run_generator(
        TargetSpec(name="callable", args={"function": function}), variants, suite_root=None
    )
    ECHO_OVERLAP.timeout_s = 20.0
    four = run_generator(
        TargetSpec(name="callable", args={"function": function, "concurrency": 4}),
        variants,
        suite_root=None,
    )
    assert ECHO_OVERLAP.reached and ECHO_OVERLAP.most == 4
    assert list(four.outputs) == list(one.outputs)
    assert [o.answer for o in four.outputs.values()] == [o.answer for o in one.outputs.values()]
    assert four.target == {
        "kind": "callable",
        "function": function,
        "concurrency": 4,
        "requests_per_minute": None,
    }
