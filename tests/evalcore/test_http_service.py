"""The http targets' client: retries, GET query parameters, what it records."""

import httpx
import pytest

from evalstage.evalcore.http_service import HttpServiceClient, HttpServiceConfig
from evalstage.evalcore.llm_config import TargetError


def _client(handler, sleeps: list[float], **args) -> HttpServiceClient:
    config = HttpServiceConfig.model_validate({"url": "http://127.0.0.1:9/api", **args})
    return HttpServiceClient(config, transport=httpx.MockTransport(handler), sleep=sleeps.append)


def test_a_timeout_then_a_429_with_retry_after_then_success():
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        if len(calls) == 2:
            return httpx.Response(429, json={"error": "later"}, headers={"Retry-After": "7"})
        return httpx.Response(200, json={"ok": True})

    sleeps: list[float] = []
    reply = _client(handler, sleeps, backoff_s=0.01).call({"q": "x"})
    assert reply.data == {"ok": True} and reply.attempts == 3
    assert sleeps[0] < 1 and sleeps[1] == 7.0  # backoff, then what the server asked for


def test_retries_run_out_with_the_last_problem_named():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TargetError, match="failed after 2 attempts: connection error"):
        _client(handler, [], max_retries=1, backoff_s=0).call({})


def test_get_sends_the_body_as_query_parameters():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[1])

    _client(handler, [], method="GET").call({"q": "a b", "k": 3})
    assert seen[0].method == "GET" and dict(seen[0].url.params) == {"q": "a b", "k": "3"}


def test_a_non_json_reply_is_an_error_and_a_4xx_is_not_retried():
    replies = iter([httpx.Response(200, text="<html>"), httpx.Response(404, text="nope")])
    client = _client(lambda request: next(replies), [], backoff_s=0)
    with pytest.raises(TargetError, match="reply is not JSON"):
        client.call({})
    with pytest.raises(TargetError, match="HTTP 404: nope"):
        client.call({})


def test_the_record_holds_no_url_credentials_or_query():
    config = HttpServiceConfig(url="https://api.example.com/v1/answer?key=abc123")
    described = HttpServiceClient(config).describe({"q": "$question"})
    assert described["url"] == "https://api.example.com/v1/answer"
    assert described["body"] == {"q": "$question"} and described["method"] == "POST"
    with pytest.raises(ValueError, match="user name or password"):
        HttpServiceConfig(url="https://me:pw@api.example.com/")
