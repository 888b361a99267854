"""The chat client against a real local server (127.0.0.1) that fails the way real ones did."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from chat_server import FakeServer, Reply, completion

from evalstage.evalcore.llm_client import ChatClient, ChatConfig, TargetError

USER = [{"role": "user", "content": "hello"}]


def config(url: str, **overrides: Any) -> ChatConfig:
    values: dict[str, Any] = {
        "base_url": url,
        "model": "m",
        "timeout_s": 5.0,
        "max_retries": 2,
        "backoff_s": 0.0,
    }
    return ChatConfig(**(values | overrides))


def dead_url() -> str:
    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_validation_error_behind_a_500_is_shown_whole_and_not_retried(server: FakeServer) -> None:
    cause = "x" * 350 + " messages.1.content: Input should be a valid string"
    server.script(Reply(500, {"error": {"message": cause, "type": "BadRequestError"}}))
    with ChatClient(config(server.url)) as client, pytest.raises(TargetError) as info:
        client.chat(USER)
    assert len(server.requests) == 1
    assert "Input should be a valid string" in str(info.value)
    assert "(BadRequestError)" in str(info.value) and "not retried" in str(info.value)
    assert info.value.status == 500 and info.value.attempts == 1


def test_a_plain_500_is_still_retried(server: FakeServer) -> None:
    server.script(Reply(500, {"error": {"message": "overloaded", "type": "server_error"}}))
    server.script(Reply(body=completion(content="ok")))
    with ChatClient(config(server.url)) as client:
        assert client.chat(USER).content == "ok"
    assert len(server.requests) == 2


def test_4xx_body_cause_is_readable(server: FakeServer) -> None:
    server.script(Reply(400, {"detail": [{"loc": ["body", "tools"], "msg": "field required"}]}))
    with ChatClient(config(server.url)) as client, pytest.raises(TargetError) as info:
        client.chat(USER)
    assert "field required" in str(info.value) and len(server.requests) == 1


def test_circuit_opens_after_k_unreachable_requests_and_fails_fast() -> None:
    url = dead_url()
    with ChatClient(config(url, max_retries=1, circuit_failures=3)) as client:
        for _ in range(3):
            with pytest.raises(TargetError, match="connection error"):
                client.chat(USER)
        with pytest.raises(TargetError, match=r"endpoint unreachable \(circuit open"):
            client.chat(USER)  # refused before any connection attempt (no retries, no backoff)
    # another client of the same endpoint shares the open circuit
    other = ChatClient(config(url, circuit_failures=3))
    with other, pytest.raises(TargetError, match="circuit open"):
        other.chat(USER)


def test_an_answer_resets_the_count_and_half_open_lets_one_through(server: FakeServer) -> None:
    cfg = config(server.url, timeout_s=0.2, max_retries=0, circuit_failures=2, circuit_reset_s=0.3)
    slow = Reply(body=completion(content="late"), delay_s=0.6)
    server.script(slow, Reply(body=completion(content="ok")), slow, slow)
    with ChatClient(cfg) as client:
        with pytest.raises(TargetError, match="timed out"):
            client.chat(USER)
        assert client.chat(USER).content == "ok"  # resets the count
        for _ in range(2):
            with pytest.raises(TargetError, match="timed out"):
                client.chat(USER)
        with pytest.raises(TargetError, match="circuit open"):
            client.chat(USER)
        sent = len(server.requests)
        time.sleep(0.35)
        server.script(Reply(body=completion(content="back")))
        assert client.chat(USER).content == "back"  # the trial request closes it
        assert len(server.requests) == sent + 1


def test_circuit_breaker_can_be_turned_off() -> None:
    with ChatClient(config(dead_url(), max_retries=0, circuit_failures=0)) as client:
        for _ in range(7):
            with pytest.raises(TargetError, match="connection error"):
                client.chat(USER)


def test_implausible_token_counts_are_flagged_and_dropped(server: FakeServer) -> None:
    long_prompt = [{"role": "user", "content": "word " * 600}]  # 3,000 characters
    for prompt_tokens in (3, 700):
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": 1}
        server.script(Reply(body=completion(content="fine", usage=usage)))
    with ChatClient(config(server.url)) as client:
        bad = client.chat(long_prompt)
        good = client.chat(long_prompt)
    assert bad.usage_warning is not None and "prompt_tokens 3 < 250" in bad.usage_warning
    assert (bad.prompt_tokens, bad.completion_tokens) == (None, None)
    assert good.usage_warning is None and (good.prompt_tokens, good.completion_tokens) == (700, 1)


def test_finish_reason_length_marks_the_result_truncated(server: FakeServer) -> None:
    body = completion(content="The answer is")
    body["choices"][0]["finish_reason"] = "length"
    server.script(Reply(body=body), Reply(body=completion(content="done")))
    with ChatClient(config(server.url)) as client:
        assert client.chat(USER).truncated is True
        assert client.chat(USER).truncated is False
