"""Live generation targets with concurrency and requests_per_minute (a 127.0.0.1 server)."""

import threading
import time

from chat_server import FakeServer, Reply, completion
from gen_fixtures import CASES, DOCUMENTS, fake_search

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
    _answering(server, delay_s=0.05)
    began = time.perf_counter()
    one = run_generator(_spec(server), variants, suite_root=None)
    sequential = time.perf_counter() - began
    began = time.perf_counter()
    eight = run_generator(_spec(server, concurrency=8), variants, suite_root=None)
    concurrent = time.perf_counter() - began
    assert not one.errors and not eight.errors
    assert list(one.outputs) == list(eight.outputs) == [v.key for v in variants]
    assert {k: o.answer for k, o in one.outputs.items()} == {
        k: o.answer for k, o in eight.outputs.items()
    }
    assert concurrent < sequential / 2  # len(variants) x 50 ms, eight at a time
    assert eight.target["concurrency"] == 8 and "concurrency" not in one.target


def test_retries_still_happen_under_concurrency(server: FakeServer):
    variants = _variants()
    _answering(server, delay_s=0.0, fail_first=True)
    run = run_generator(_spec(server, concurrency=4), variants, suite_root=None)
    assert not run.errors and len(run.outputs) == len(variants)
    assert len(server.requests) == 2 * len(variants)  # each prompt: a 503, then its answer


def test_requests_per_minute_spaces_request_starts(server: FakeServer):
    variants = _variants()[:5]
    starts = _answering(server, delay_s=0.0)
    run = run_generator(
        _spec(server, concurrency=4, requests_per_minute=600), variants, suite_root=None
    )
    assert len(run.outputs) == 5
    gaps = [b - a for a, b in zip(sorted(starts), sorted(starts)[1:], strict=False)]
    assert min(gaps) >= 0.08  # 600 a minute: one every 0.1 s, whatever the concurrency
    assert run.target["requests_per_minute"] == 600


def slow_echo(question, passages):
    time.sleep(0.03)
    return f"{question} [1]"


def test_a_callable_target_runs_concurrently_with_the_same_results():
    variants = _variants()
    function = f"{__name__}:slow_echo"
    one = run_generator(
        TargetSpec(name="callable", args={"function": function}), variants, suite_root=None
    )
    began = time.perf_counter()
    four = run_generator(
        TargetSpec(name="callable", args={"function": function, "concurrency": 4}),
        variants,
        suite_root=None,
    )
    assert time.perf_counter() - began < 0.03 * len(variants) / 2
    assert list(four.outputs) == list(one.outputs)
    assert [o.answer for o in four.outputs.values()] == [o.answer for o in one.outputs.values()]
    assert four.target == {
        "kind": "callable",
        "function": function,
        "concurrency": 4,
        "requests_per_minute": None,
    }
