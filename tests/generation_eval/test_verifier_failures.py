"""The LLM verifier against a local server (127.0.0.1) that fails the way real ones did."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chat_server import FakeServer, Reply, completion
from gen_fixtures import CASES, DOCUMENTS, fake_search
from typer.testing import CliRunner

from evalstage.cli import app
from evalstage.generation_eval import (
    ADVERSARIAL,
    Generation,
    GenerationContext,
    build_variants,
    score_generation,
)
from evalstage.generation_eval.verifier import PairCache, Verifier
from evalstage.generation_eval.verifier._llm import LLMScorer, parse_verdict

SUPPORTED = '{"label": "supported", "confidence": 0.9}'
REQUEST_ERROR = Reply(500, {"error": {"message": "bad template", "type": "BadRequestError"}})


def scorer(server: FakeServer, **overrides: Any) -> LLMScorer:
    args = {"base_url": server.url, "model": "judge", "max_retries": 1, "backoff_s": 0.0}
    return LLMScorer(**(args | overrides))


def fail_on(word: str) -> Any:
    """A server that rejects requests whose claim holds ``word`` and supports every other."""

    def check(body: dict[str, Any]) -> Reply:
        if word in body["messages"][-1]["content"].split("Claim:")[-1]:
            return REQUEST_ERROR
        return Reply(body=completion(content=SUPPORTED))

    return check


def items(n: int) -> list[tuple[str, list[str]]]:
    return [(f"Claim number {i} holds.", [f"Passage {i} says claim {i} holds."]) for i in range(n)]


def test_one_failed_pair_becomes_an_error_verdict_and_is_not_cached(
    server: FakeServer, tmp_path: Path
) -> None:
    server.check = fail_on("number 1")
    cache = PairCache(tmp_path / "pairs.sqlite")
    verdicts = Verifier(scorer(server), cache=cache).verify(items(3))
    assert [v.label for v in verdicts] == ["supported", "unsupported", "supported"]
    assert "error" not in verdicts[0].checks and "bad template" in verdicts[1].checks["error"]
    assert len(server.requests) == 3  # a request error is not retried
    server.check = fail_on("nothing")
    again = Verifier(scorer(server), cache=cache).verify(items(3))
    assert len(server.requests) == 4  # only the failed pair is asked again
    assert [v.label for v in again] == ["supported"] * 3


def test_each_pair_is_cached_as_it_arrives(server: FakeServer, tmp_path: Path) -> None:
    server.check = fail_on("nothing")
    cache = PairCache(tmp_path / "pairs.sqlite")
    judge = scorer(server)
    real_chat, calls = judge.client.chat, []

    def killed_on_the_third(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the run is killed mid-batch
        return real_chat(*args, **kwargs)

    judge.client.chat = killed_on_the_third  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        Verifier(judge, cache=cache).verify(items(4))
    sent = len(server.requests)
    assert sent == 2
    Verifier(scorer(server), cache=cache).verify(items(4))
    assert len(server.requests) == sent + 2  # the first two came from the cache


def test_unreadable_replies_are_counted_and_not_cached(server: FakeServer, tmp_path: Path) -> None:
    cache = PairCache(tmp_path / "pairs.sqlite")
    server.script(Reply(body=completion(content="Hmm, hard to say.")))
    judge = scorer(server)
    (verdict,) = Verifier(judge, cache=cache).verify(items(1))
    assert verdict.label == "unsupported" and judge.parse_failures == 1
    server.script(Reply(body=completion(content=SUPPORTED)))
    (verdict,) = Verifier(scorer(server), cache=cache).verify(items(1))
    assert verdict.label == "supported" and len(server.requests) == 2


def test_a_verdict_cut_at_max_tokens_is_read_leniently(server: FakeServer) -> None:
    body = completion(content='{"label": "supported", "confid')
    body["choices"][0]["finish_reason"] = "length"
    server.script(Reply(body=body))
    (verdict,) = Verifier(scorer(server, max_tokens=8)).verify(items(1))
    assert verdict.label == "supported"
    cut_reason = '{"label": "contradicted", "confidence": 0.8, "why": "passage 2 sa'
    assert parse_verdict(cut_reason) == ("contradicted", 0.8)
    cut_number = '{"label": "contradicted", "confidence": 0.8'  # maybe 0.85: not read
    assert parse_verdict(cut_number) == ("contradicted", 1.0)
    assert parse_verdict('{"label": "supp') is None  # the label itself was cut: unreadable


@pytest.mark.parametrize(
    "change", [{"temperature": 0.7}, {"max_tokens": 5}, {"model": "other"}, {"base_url": "alt"}]
)
def test_cache_key_follows_the_endpoint_and_sampling(
    server: FakeServer, tmp_path: Path, change: dict[str, Any]
) -> None:
    server.check = fail_on("nothing")
    cache = PairCache(tmp_path / "pairs.sqlite")
    Verifier(scorer(server), cache=cache).verify(items(1))
    Verifier(scorer(server), cache=cache).verify(items(1))
    assert len(server.requests) == 1
    if change.get("base_url") == "alt":
        change = {"base_url": server.url.replace("127.0.0.1", "localhost")}
    Verifier(scorer(server, **change), cache=cache).verify(items(1))
    assert len(server.requests) == 2


def test_generation_run_goes_on_when_one_case_cannot_be_verified(server: FakeServer) -> None:
    variants, _ = build_variants(CASES, DOCUMENTS, variants=ADVERSARIAL, search=fake_search)
    originals = [v for v in variants if v.variant == "original"][:2]
    assert len(originals) == 2
    answers = {
        originals[0].key: "The passages answer this clearly [1].",
        originals[1].key: "Zebras FAILME here [1].",
    }
    server.check = fail_on("FAILME")
    context = GenerationContext(
        cases=CASES,
        variants=originals,
        outputs={k: Generation(answer=a) for k, a in answers.items()},
    )
    report = score_generation(context, Verifier(scorer(server)))
    results = {r.key: r for r in report.results}
    failed = results[originals[1].key]
    assert failed.outcome.value == "unmeasured" and "verifier failed" in failed.reason
    assert "bad template" in failed.reason
    assert results[originals[0].key].outcome.value in ("pass", "fail")


def test_generation_verify_writes_error_lines_and_goes_on(
    server: FakeServer, tmp_path: Path
) -> None:
    server.check = fail_on("number 1")
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": f"r{i}", "claim": claim, "context": ctx}) + "\n"
            for i, (claim, ctx) in enumerate(items(3))
        )
    )
    args = json.dumps({"base_url": server.url, "model": "judge", "max_retries": 0})
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app,
        ["generation", "verify", "--input", str(source), "--output", str(out),
         "--verifier", "llm", "--verifier-args", args],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["label"] for r in rows] == ["supported", "error", "supported"]
    assert rows[1]["support"] is None and "bad template" in rows[1]["error"]
    assert "1 pairs not judged" in result.output


def test_generation_verify_exits_1_when_nothing_was_judged(
    server: FakeServer, tmp_path: Path
) -> None:
    server.check = fail_on("Claim")
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": f"r{i}", "claim": claim, "context": ctx}) + "\n"
            for i, (claim, ctx) in enumerate(items(2))
        )
    )
    args = json.dumps({"base_url": server.url, "model": "judge", "max_retries": 0})
    result = CliRunner().invoke(
        app,
        ["generation", "verify", "--input", str(source), "--output", str(tmp_path / "o.jsonl"),
         "--verifier", "llm", "--verifier-args", args],
    )  # fmt: skip
    assert result.exit_code == 1 and "2 pairs not judged" in result.output
