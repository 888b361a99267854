"""The chat client against a server that echoes its requests: keys and header values stay out."""

from __future__ import annotations

import json
import logging

import pytest
from chat_server import FakeServer, Reply, completion
from echo_server import echo_server

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.llm_client import ChatClient, ChatConfig, TargetError

KEY = "sk-unit-KEY-a1b2c3d4e5"
HEADER = "hdr-unit-VALUE-f6e5d4"
LITERAL = "hdr-unit-LITERAL-0a9b8c"


def config(url: str, **extra: object) -> ChatConfig:
    return ChatConfig.model_validate(
        {
            "base_url": url,
            "model": "m",
            "api_key_env": "UNIT_ECHO_KEY",
            "headers": {"X-Ref": {"env": "UNIT_ECHO_HEADER"}, "X-Literal": LITERAL},
            "max_retries": 1,
            "backoff_s": 0,
            **extra,
        }
    )


@pytest.fixture(autouse=True)
def _keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIT_ECHO_KEY", KEY)
    monkeypatch.setenv("UNIT_ECHO_HEADER", HEADER)


def test_header_references_are_sent_and_answers_echoing_them_are_masked() -> None:
    with echo_server() as echo, ChatClient(config(echo.url)) as client:
        result = client.chat([{"role": "user", "content": "hello"}])
    sent = echo.seen[0]["headers"]
    assert sent["Authorization"] == f"Bearer {KEY}" and sent["X-Ref"] == HEADER
    assert sent["X-Literal"] == LITERAL
    shown = (result.content or "") + json.dumps(result.raw)
    assert "hello" in shown and "***" in shown
    assert KEY not in shown and HEADER not in shown and LITERAL not in shown


@pytest.mark.parametrize("word", ["FAIL", "BUSY"])
def test_echoed_error_bodies_and_retry_lines_are_masked(
    word: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="evalstage.evalcore.llm_client")
    with (
        echo_server() as echo,
        ChatClient(config(echo.url)) as client,
        pytest.raises(TargetError) as info,
    ):
        client.chat([{"role": "user", "content": word}])
    message = str(info.value)
    assert "HTTP 400" in message if word == "FAIL" else "HTTP 503" in message
    assert "***" in message  # the echoed headers were in the snippet, masked
    for text in (message, caplog.text):
        assert KEY not in text and HEADER not in text and LITERAL not in text
        assert KEY[:12] not in text  # no half key where the snippet was cut
    if word == "BUSY":
        assert "retrying" in caplog.text


def test_an_unset_header_variable_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNIT_ECHO_HEADER")
    with pytest.raises(SuiteError) as info:
        ChatClient(config("http://127.0.0.1:9/v1"))
    assert (
        info.value.field == "target.args.headers.X-Ref" and "UNIT_ECHO_HEADER" in info.value.message
    )


def test_describe_names_headers_never_their_values() -> None:
    with ChatClient(config("http://127.0.0.1:9/v1", extra_body={"api_key": "zzz-123456"})) as c:
        described = json.dumps(c.describe())
    assert "X-Ref" in described and "X-Literal" in described
    for secret in (KEY, HEADER, LITERAL, "zzz-123456"):
        assert secret not in described


def test_tool_call_arguments_named_like_secrets_are_data_not_masked(server: FakeServer) -> None:
    call = {"name": "login", "arguments": {"user": "ann", "password": "1234-open", "token": KEY}}
    server.script(Reply(body=completion(tool_calls=[call])))
    with ChatClient(config(server.url)) as client:
        result = client.chat([{"role": "user", "content": "log in"}])
    (got,) = result.tool_calls
    # the tool's own password is what the checker compares; only the client's key is masked
    assert got["arguments"] == {"user": "ann", "password": "1234-open", "token": "***"}


def test_a_judge_identity_never_holds_a_secret_from_extra_body() -> None:
    from evalstage.generation_eval.judge._backends import ChatBackend

    cfg = config("http://127.0.0.1:9/v1", extra_body={"seed": 3, "api_key": "zzz-judge-99"})
    backend = ChatBackend(cfg)
    try:
        assert backend.params["seed"] == 3 and backend.params["api_key"] == "***"
        assert backend._client.config.extra_body["api_key"] == "zzz-judge-99"  # still sent
    finally:
        backend._client.close()
