"""The OpenAI-compatible client against a real HTTP server on 127.0.0.1 acting as a test double."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from chat_server import FakeServer, Reply, completion
from pydantic import ValidationError

from evalstage.agent_eval._cases import AgentCase
from evalstage.agent_eval._targets import run_agent
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.llm_client import ChatClient, ChatConfig, TargetError
from evalstage.evalcore.suite import TargetSpec


def config(server: FakeServer, **overrides: Any) -> ChatConfig:
    values: dict[str, Any] = {
        "base_url": server.url,
        "model": "test-model",
        "timeout_s": 5.0,
        "max_retries": 2,
        "backoff_s": 0.01,
    }
    values.update(overrides)
    return ChatConfig(**values)


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def test_tool_calls_usage_and_request_body(server: FakeServer) -> None:
    server.script(
        Reply(
            body=completion(
                tool_calls=[{"name": "get_weather", "arguments": '{"city": "Paris"}'}],
                usage={"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49},
            )
        )
    )
    messages = [{"role": "user", "content": "weather in Paris?"}]
    with ChatClient(config(server, max_tokens=64)) as client:
        result = client.chat(messages, tools=[WEATHER], tool_choice="auto")
    assert result.tool_calls == [
        {"name": "get_weather", "arguments": '{"city": "Paris"}', "id": "call_0"}
    ]
    assert result.content is None
    assert (result.prompt_tokens, result.completion_tokens) == (42, 7)
    assert result.latency_ms > 0
    assert result.attempts == 1
    assert result.raw["id"] == "chatcmpl-1"
    (request,) = server.requests
    assert request["path"] == "/v1/chat/completions"
    body = request["body"]
    assert body["model"] == "test-model"
    assert body["messages"] == messages
    assert body["tools"] == [WEATHER]
    assert body["tool_choice"] == "auto"
    assert body["temperature"] == 0.0
    assert body["max_tokens"] == 64
    assert "authorization" not in {k.lower() for k in request["headers"]}


def test_plain_reply_without_usage(server: FakeServer) -> None:
    server.script(Reply(body=completion(content="Hello!")))
    with ChatClient(config(server, temperature=None)) as client:
        result = client.chat([{"role": "user", "content": "hi"}])
    assert result.content == "Hello!"
    assert result.tool_calls == []
    assert result.prompt_tokens is None and result.completion_tokens is None
    body = server.requests[0]["body"]
    assert "tools" not in body and "tool_choice" not in body and "temperature" not in body


def test_500_then_success_is_retried(server: FakeServer) -> None:
    server.script(
        Reply(500, {"error": "boom"}),
        Reply(body=completion(content="ok")),
    )
    with ChatClient(config(server)) as client:
        result = client.chat([{"role": "user", "content": "hi"}])
    assert result.content == "ok"
    assert result.attempts == 2
    assert len(server.requests) == 2


def test_429_is_retried(server: FakeServer) -> None:
    server.script(
        Reply(429, {"error": "slow down"}, headers={"Retry-After": "2"}),
        Reply(body=completion(content="ok")),
    )
    slept: list[float] = []
    with ChatClient(config(server), sleep=slept.append) as client:
        assert client.chat([{"role": "user", "content": "hi"}]).content == "ok"
    assert len(server.requests) == 2
    assert slept == [2.0]  # the server's Retry-After, longer than the backoff


def test_5xx_exhausting_retries_raises_target_error(server: FakeServer) -> None:
    server.script(*[Reply(503, {"error": "down"}) for _ in range(3)])
    with ChatClient(config(server, max_retries=2)) as client, pytest.raises(TargetError) as info:
        client.chat([{"role": "user", "content": "hi"}])
    assert len(server.requests) == 3
    assert info.value.attempts == 3
    assert info.value.status == 503
    assert "after 3 attempts" in str(info.value) and "503" in str(info.value)


def test_timeouts_exhaust_retries(server: FakeServer) -> None:
    server.script(*[Reply(body=completion(content="late"), delay_s=1.0) for _ in range(2)])
    client = ChatClient(config(server, timeout_s=0.2, max_retries=1))
    with client, pytest.raises(TargetError, match="timed out"):
        client.chat([{"role": "user", "content": "hi"}])
    assert len(server.requests) == 2


def test_400_is_not_retried(server: FakeServer) -> None:
    server.script(Reply(400, {"error": {"message": "tools not supported"}}))
    with ChatClient(config(server, max_retries=3)) as client, pytest.raises(TargetError) as info:
        client.chat([{"role": "user", "content": "hi"}])
    assert len(server.requests) == 1
    assert info.value.status == 400
    assert "tools not supported" in str(info.value)


def test_connection_refused_is_retried_then_fails() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cfg = ChatConfig(
        base_url=f"http://127.0.0.1:{port}/v1", model="m", max_retries=2, backoff_s=0.0
    )
    slept: list[float] = []
    with ChatClient(cfg, sleep=slept.append) as client, pytest.raises(TargetError) as info:
        client.chat([{"role": "user", "content": "hi"}])
    assert "connection error" in str(info.value)
    assert info.value.attempts == 3
    assert len(slept) == 2


def test_backoff_grows_and_is_deterministic() -> None:
    cfg = ChatConfig(base_url="http://127.0.0.1:9/v1", model="m", backoff_s=1.0, jitter_seed=3)
    first = ChatClient(cfg)
    second = ChatClient(cfg)
    delays = [first._delay(i) for i in range(4)]
    assert delays == [second._delay(i) for i in range(4)]
    for retry, delay in enumerate(delays):
        assert 0.5 * 2**retry <= delay < 1.5 * 2**retry
    first.close()
    second.close()


def test_api_key_sent_as_bearer_and_never_described(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-SECRET-123"
    monkeypatch.setenv("EVALSTAGE_TEST_KEY", secret)
    server.script(Reply(body=completion(content="ok")))
    cfg = config(server, api_key_env="EVALSTAGE_TEST_KEY", headers={"X-Org": "org-secret"})
    with ChatClient(cfg) as client:
        client.chat([{"role": "user", "content": "hi"}])
        described = json.dumps(client.describe())
        shown = repr(client) + repr(cfg) + cfg.model_dump_json()
    headers = {k.lower(): v for k, v in server.requests[0]["headers"].items()}
    assert headers["authorization"] == f"Bearer {secret}"
    assert headers["x-org"] == "org-secret"
    assert secret not in described and secret not in shown
    assert "org-secret" not in described
    assert "EVALSTAGE_TEST_KEY" in described  # the variable's name is fine to record
    assert "X-Org" in described


def test_describe_redacts_url_query_tokens() -> None:
    cfg = ChatConfig(base_url="https://api.example.com/v1?key=abc", model="m")
    with ChatClient(cfg) as client:
        described = client.describe()
    assert described["base_url"] == "https://api.example.com/v1"
    assert "abc" not in json.dumps(described)


@pytest.mark.parametrize("url", ["https://user:pw@api.example.com/v1", "http://user@h/v1"])
def test_url_credentials_are_refused_not_swapped_for_the_key(url: str) -> None:
    # httpx would send user:pass@ as Basic auth in place of the Bearer key: refused, unquoted
    with pytest.raises(ValidationError) as info:
        ChatConfig(base_url=url, model="m", api_key_env="EVALSTAGE_TEST_KEY")
    assert "user:pass@host" in str(info.value) and "api_key_env" in str(info.value)
    assert "pw" not in str(info.value) and "user@" not in str(info.value)


def test_missing_named_env_var_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVALSTAGE_TEST_MISSING_KEY", raising=False)
    cfg = ChatConfig(
        base_url="http://127.0.0.1:9/v1", model="m", api_key_env="EVALSTAGE_TEST_MISSING_KEY"
    )
    with pytest.raises(SuiteError) as info:
        ChatClient(cfg)
    assert "EVALSTAGE_TEST_MISSING_KEY" in str(info.value)
    assert info.value.field == "target.args.api_key_env"


def test_config_requires_model_and_http_url() -> None:
    with pytest.raises(ValueError, match="model"):
        ChatConfig(base_url="http://127.0.0.1:9/v1")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="http"):
        ChatConfig(base_url="127.0.0.1:9/v1", model="m")
    with pytest.raises(ValueError):
        ChatConfig(base_url="http://x/v1", model="m", retries=3)  # type: ignore[call-arg]


# ------------------------------------------------------------------ through run_agent
def test_openai_target_drives_cases_and_records_errors(server: FakeServer, tmp_path: Path) -> None:
    server.script(
        Reply(
            body=completion(
                tool_calls=[{"name": "get_weather", "arguments": '{"city": "Paris"}'}],
                usage={"prompt_tokens": 10, "completion_tokens": 3},
            )
        ),
        Reply(401, {"error": "bad key"}),
    )
    cases = [
        AgentCase(
            case_id=f"c{i}",
            messages=[{"role": "user", "content": "weather in Paris?"}],
            tools=[WEATHER],
            expected_calls=[{"name": "get_weather", "arguments": {"city": ["Paris"]}}],
        )
        for i in range(2)
    ]
    spec = TargetSpec(
        name="openai",
        args={"base_url": server.url, "model": "test-model", "max_retries": 0},
    )
    run = run_agent(spec, cases, suite_root=tmp_path)
    (turn,) = run.turns["c0"]
    assert turn.tool_calls[0].name == "get_weather"
    assert turn.tool_calls[0].arguments == '{"city": "Paris"}'
    assert (turn.prompt_tokens, turn.completion_tokens) == (10, 3)
    assert turn.latency_ms is not None and turn.latency_ms > 0
    assert "c1" not in run.turns
    assert "HTTP 401" in run.errors["c1"]
    assert run.target["model"] == "test-model"


def test_openai_target_without_model_is_a_suite_error(tmp_path: Path) -> None:
    spec = TargetSpec(name="openai", args={"base_url": "http://127.0.0.1:9/v1"})
    with pytest.raises(SuiteError) as info:
        run_agent(spec, [], suite_root=tmp_path)
    assert info.value.field == "target.args.model"
    assert str(tmp_path / "suite.yaml") in str(info.value)


def test_key_with_newline_fails_at_once_without_leaking(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-SECRET-crlf"
    monkeypatch.setenv("EVALSTAGE_TEST_KEY", secret + "\r")  # a CRLF .env file
    server.script(Reply(body=completion(content="ok")))
    with (
        ChatClient(config(server, api_key_env="EVALSTAGE_TEST_KEY")) as client,
        pytest.raises(TargetError) as info,
    ):
        client.chat([{"role": "user", "content": "hi"}])
    assert info.value.attempts == 1  # not retried: it can never succeed
    assert secret not in str(info.value) and secret not in caplog.text
    assert server.requests == []
