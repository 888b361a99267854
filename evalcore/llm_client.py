"""A small OpenAI-compatible chat-completions client shared by the stages that call a model.

It POSTs to ``{base_url}/chat/completions`` and retries (exponential backoff, jitter) timeouts,
connection errors, HTTP 429 and 5xx — not other 4xx, nor a 5xx whose body names a request error
(:mod:`evalcore.chat_reply`). Errors carry the server's own cause. After ``circuit_failures``
requests in a row fail to reach an endpoint, the next ones fail at once (:mod:`evalcore.circuit`).
Giving up raises :class:`TargetError`, recorded as the case's ``error``. The API key is read from
the environment variable named in the config at each request, never stored. Header values may
be literal or ``{env: NAME}`` references, read the same way. Whatever comes back from the server
(error bodies, answers, tool calls) has the key and header values masked before anyone sees it
(:mod:`evalcore.redact`), so a server echoing its request cannot leak them into the store.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from evalstage.evalcore.chat_reply import (
    ChatResult,
    error_cause,
    is_request_error,
    parse_tool_calls,
)
from evalstage.evalcore.circuit import breaker_for, implausible_usage
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.llm_config import ChatConfig, EnvRef, TargetError, missing_env
from evalstage.evalcore.redact import redact_text, redact_value, register_key_vars

__all__ = [
    "ChatClient",
    "ChatConfig",
    "ChatResult",
    "EnvRef",
    "TargetError",
    "parse_tool_calls",
]

_log = logging.getLogger(__name__)

_MAX_RETRY_AFTER_S = 60.0
_BODY_SNIPPET = 2000


def _redact_url(url: str) -> str:
    """Drop user info, query and fragment from a URL (they may carry credentials)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return min(max(float(value), 0.0), _MAX_RETRY_AFTER_S)
    except ValueError:
        return None


def _snippet(response: httpx.Response, secrets: Collection[str] = ()) -> str:
    """The error body, readable: an OpenAI-style ``error.message`` (or ``detail``) first.

    Secrets are masked before the cut (a cut must not leave half a key).
    """
    text = redact_text(response.text.strip(), secrets)
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    cause = error_cause(data)
    if cause:
        text = cause
    text = " ".join(text.split())
    return text if len(text) <= _BODY_SNIPPET else text[:_BODY_SNIPPET] + "..."


_STATUS_HINTS = {
    401: "check the API key in the environment variable named by api_key_env",
    403: "check the API key's permissions for this model",
    404: "check base_url (it usually ends in /v1) and the model name",
    413: "the request is too large for the server: shorten the conversation or the tools",
    422: "the server rejected the request body: check the model's support for tools",
}


class ChatClient:
    """An OpenAI-compatible chat-completions client with bounded, selective retries.

    ``sleep`` is injectable so tests need not wait; ``before_request`` is called before every
    attempt (a rate limiter); the client may be used as a context manager (or closed with
    :meth:`close`). One client may be used from several threads at once.
    """

    def __init__(
        self,
        config: ChatConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        before_request: Callable[[], None] | None = None,
    ) -> None:
        self.config = config
        self._before_request = before_request
        register_key_vars(
            [v.env for v in config.headers.values() if isinstance(v, EnvRef)]
            + ([config.api_key_env] if config.api_key_env else [])
        )
        missing = missing_env(config)
        if missing is not None:
            where, name = missing
            raise SuiteError(
                f"the environment variable '{name}' named by {where.rsplit('.', 1)[-1]} is not "
                "set (or is empty)",
                field=where,
                hint=f"export {name}=<your key> before the run, or remove it from the target "
                "if the server needs no key",
            )
        self._sleep = sleep
        self._random = random.Random(config.jitter_seed)
        self._http = httpx.Client(
            timeout=httpx.Timeout(config.timeout_s),
            transport=transport,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        self.url = f"{config.base_url}/chat/completions"

    # ---------------------------------------------------------------- lifecycle
    def close(self) -> None:
        """Close the underlying HTTP connections."""
        self._http.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ChatClient({self.describe()!r})"

    # ---------------------------------------------------------------- records
    def describe(self) -> dict[str, Any]:
        """A description for run records: no key, no header values, no URL credentials."""
        c = self.config
        return {
            "kind": "openai-chat",
            "base_url": _redact_url(c.base_url),
            "model": c.model,
            "api_key_env": c.api_key_env,
            "timeout_s": c.timeout_s,
            "max_retries": c.max_retries,
            "backoff_s": c.backoff_s,
            "temperature": c.temperature,
            "max_tokens": c.max_tokens,
            "headers": sorted(c.headers),
            "extra_body": redact_value(dict(c.extra_body), self._secrets()),
        }

    def _secrets(self) -> set[str]:
        """The literal secrets this client sends: the key, every header value."""
        found = {v for v in self.config.headers.values() if isinstance(v, str)}
        names = [v.env for v in self.config.headers.values() if isinstance(v, EnvRef)]
        if self.config.api_key_env is not None:
            names.append(self.config.api_key_env)
        found |= {os.environ.get(name) or "" for name in names}
        return {s for s in found if s}

    def scrub(self, text: str, *, patterns: bool = True) -> str:
        """``text`` with this client's secrets (and every configured key) masked.

        ``patterns``: also credential-looking text (for errors and logs, not for answers).
        """
        return redact_text(text, self._secrets(), patterns=patterns)

    # ---------------------------------------------------------------- requests
    def _request_headers(self) -> dict[str, str]:
        headers = {
            name: os.environ.get(value.env, "") if isinstance(value, EnvRef) else value
            for name, value in self.config.headers.items()
        }
        if self.config.api_key_env is not None:
            key = os.environ.get(self.config.api_key_env)
            if not key:
                raise TargetError(
                    f"the environment variable '{self.config.api_key_env}' is no longer set"
                )
            headers["Authorization"] = f"Bearer {key}"
        for name, value in headers.items():
            if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
                raise TargetError(
                    f"header '{name}' holds a control character (a stray newline or carriage "
                    "return?); its value is not shown"
                )
        return headers

    def _body(
        self,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] | None,
        tool_choice: str | Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        c = self.config
        body: dict[str, Any] = dict(c.extra_body)
        body["model"] = c.model
        body["messages"] = [dict(m) for m in messages]
        if c.temperature is not None:
            body["temperature"] = c.temperature
        if c.max_tokens is not None:
            body["max_tokens"] = c.max_tokens
        if tools:
            body["tools"] = [dict(t) for t in tools]
        if tool_choice is not None:
            body["tool_choice"] = tool_choice if isinstance(tool_choice, str) else dict(tool_choice)
        return body

    def _delay(self, retry: int) -> float:
        """Exponential backoff with (seeded) jitter: ``backoff_s * 2**retry * [0.5, 1.5)``.

        A ``Retry-After`` the server sent (capped at 60 s) is waited instead when it is longer.
        """
        base = self.config.backoff_s * (2**retry)
        return float(min(base * (0.5 + self._random.random()), self.config.backoff_max_s))

    def chat(
        self,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
    ) -> ChatResult:
        """Send one chat-completions request and parse the first choice.

        Raises :class:`TargetError` on a non-retryable error or once retries run out. The
        error's message and the result (content, tool calls, raw reply) never hold the key or a
        header value, even when the server echoes them.
        """
        try:
            result = self._chat(messages, tools, tool_choice)
        except TargetError as exc:
            raise TargetError(
                self.scrub(str(exc)), status=exc.status, attempts=exc.attempts
            ) from None
        secrets = self._secrets()
        return replace(
            result,
            content=None if result.content is None else self.scrub(result.content, patterns=False),
            # known values only: a tool's own "password" argument is data the checker compares
            tool_calls=redact_value(result.tool_calls, secrets, patterns=False, keys=False),
            raw=redact_value(result.raw, secrets, patterns=False, keys=False),
        )

    def _chat(
        self,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] | None,
        tool_choice: str | Mapping[str, Any] | None,
    ) -> ChatResult:
        body = self._body(messages, tools, tool_choice)
        attempts_allowed = self.config.max_retries + 1
        last_problem = ""
        last_status: int | None = None
        breaker, limit = breaker_for(self.url), self.config.circuit_failures
        if not breaker.allow(limit, self.config.circuit_reset_s, time.monotonic()):
            raise TargetError(f"POST {_redact_url(self.url)}: {breaker.refusal()}", attempts=0)
        server_wait = 0.0  # what the server asked for in Retry-After
        for attempt in range(attempts_allowed):
            if attempt:
                wait = max(self._delay(attempt - 1), server_wait)
                _log.warning(
                    "retrying %s (attempt %d of %d) after %s; waiting %.2fs",
                    _redact_url(self.url),
                    attempt + 1,
                    attempts_allowed,
                    self.scrub(last_problem),
                    wait,
                )
                self._sleep(wait)
            server_wait = 0.0
            if self._before_request is not None:  # e.g. a requests_per_minute limiter
                self._before_request()
            began = time.perf_counter()
            try:
                response = self._http.post(self.url, json=body, headers=self._request_headers())
            except httpx.TimeoutException as exc:
                last_problem = f"timed out after {self.config.timeout_s:g}s ({type(exc).__name__})"
                last_status = None
                continue
            except (httpx.LocalProtocolError, httpx.UnsupportedProtocol) as exc:
                # the request itself is malformed (e.g. a header value with a newline): retrying
                # cannot help, and the library's message may quote a header, i.e. the API key
                raise TargetError(
                    f"POST {_redact_url(self.url)} could not be sent ({type(exc).__name__}); "
                    "check base_url and that the API key and headers hold no control characters",
                    attempts=attempt + 1,
                ) from None
            except httpx.TransportError as exc:
                last_problem = f"connection error ({type(exc).__name__})"
                last_status = None
                continue
            latency_ms = (time.perf_counter() - began) * 1000.0
            breaker.record(True, limit, time.monotonic())
            status = response.status_code
            if status >= 500 and is_request_error(response.text):
                raise TargetError(
                    f"POST {_redact_url(self.url)} failed with HTTP {status}: "
                    f"{_snippet(response, self._secrets())} (a request error: not retried)",
                    status=status,
                    attempts=attempt + 1,
                )
            if status == 429 or status >= 500:
                last_problem = f"HTTP {status}: {_snippet(response, self._secrets())}"
                last_status = status
                server_wait = _retry_after(response) or 0.0
                continue
            if status >= 400:
                hint = _STATUS_HINTS.get(status, "the request was rejected; it is not retried")
                raise TargetError(
                    f"POST {_redact_url(self.url)} failed with HTTP {status}: "
                    f"{_snippet(response, self._secrets())} ({hint})",
                    status=status,
                    attempts=attempt + 1,
                )
            return self._parse(response, latency_ms, attempt + 1, messages)
        if last_status is None:
            breaker.record(False, limit, time.monotonic())
        raise TargetError(
            f"POST {_redact_url(self.url)} failed after {attempts_allowed} attempt"
            f"{'s' if attempts_allowed > 1 else ''}: {last_problem}",
            status=last_status,
            attempts=attempts_allowed,
        )

    def _parse(
        self,
        response: httpx.Response,
        latency_ms: float,
        attempts: int,
        messages: Sequence[Mapping[str, Any]] = (),
    ) -> ChatResult:
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise TargetError(
                f"HTTP {response.status_code} response is not JSON: "
                f"{_snippet(response, self._secrets())}",
                status=response.status_code,
                attempts=attempts,
            ) from exc
        choices = data.get("choices") if isinstance(data, dict) else None
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise TargetError(
                f"response has no 'choices': {_snippet(response, self._secrets())}",
                status=response.status_code,
                attempts=attempts,
            )
        choice = choices[0]
        message = choice.get("message")
        if not isinstance(message, dict):
            message = {}
        content = message.get("content")
        usage = data.get("usage")
        usage = usage if isinstance(usage, dict) else {}
        finish = choice.get("finish_reason")
        content = content if isinstance(content, str) else None
        calls = parse_tool_calls(message)
        prompt, completion = (_as_int(usage.get(k)) for k in ("prompt_tokens", "completion_tokens"))
        reply_chars = len(content or "") + sum(len(str(c["arguments"])) for c in calls)
        warning = implausible_usage(messages, prompt, reply_chars, completion)
        if warning is not None:  # flagged, and not passed on as if true
            _log.warning("%s from %s (counts dropped)", warning, _redact_url(self.url))
            prompt = completion = None
        return ChatResult(
            content=content,
            tool_calls=calls,
            latency_ms=latency_ms,
            prompt_tokens=prompt,
            completion_tokens=completion,
            raw=data,
            attempts=attempts,
            finish_reason=finish if isinstance(finish, str) else None,
            usage_warning=warning,
        )
