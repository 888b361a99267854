"""The ``http`` target's client: any JSON-over-HTTP API, configured in ``suite.yaml``.

:class:`HttpServiceConfig` says where to send a request (``method``, ``url``, ``headers`` literal
or ``{env: NAME}``), what to send (a ``body`` template, :mod:`evalcore.json_path`) and how hard
to try: timeouts, connection errors, HTTP 429 and 5xx are retried with exponential backoff and
jitter, honouring ``Retry-After``, as the chat client does (:mod:`evalcore.llm_client`); other
4xx are not. Endpoints that keep failing open the same circuit breaker. Giving up raises
:class:`TargetError`, recorded as that case's ``error``. Header values are read from the
environment at each request and never recorded; whatever the server sends back has them masked.
A stage's ``http`` target adds the paths to read its answer from (:class:`HttpReply`).
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import httpx
from pydantic import ConfigDict, Field, field_validator

from evalstage.evalcore.circuit import breaker_for
from evalstage.evalcore.concurrency import Pool, PoolArgs
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.json_path import PathError, check_template, parse_path
from evalstage.evalcore.llm_client import _redact_url, _retry_after, _snippet
from evalstage.evalcore.llm_config import EnvRef, TargetError
from evalstage.evalcore.redact import redact_text, redact_value, register_key_vars
from evalstage.evalcore.targets import TargetContext

__all__ = ["HttpReply", "HttpServiceClient", "HttpServiceConfig"]

_log = logging.getLogger(__name__)


class HttpServiceConfig(PoolArgs):
    """Where and how to call a JSON-over-HTTP service (the stage adds its reply paths)."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    url: str = Field(min_length=1, description="The full URL, e.g. http://127.0.0.1:8080/answer.")
    method: Literal["POST", "PUT", "GET"] = Field(
        default="POST", description="POST or PUT send the body as JSON; GET as query parameters."
    )
    headers: dict[str, str | EnvRef] = Field(
        default_factory=dict,
        description="HTTP headers: a literal value or {env: NAME}; values are never recorded.",
    )
    body: Any = Field(
        default=None,
        description="The request body template (a JSON value; strings may hold placeholders); "
        "null: the stage's default body.",
    )
    timeout_s: float = Field(default=60.0, gt=0, description="Per-request timeout, seconds.")
    max_retries: int = Field(default=3, ge=0, description="Retries after the first attempt.")
    backoff_s: float = Field(default=1.0, ge=0, description="First retry delay; doubles.")
    backoff_max_s: float = Field(default=30.0, ge=0, description="Cap on one retry delay.")
    circuit_failures: int = Field(default=5, ge=0, description="0: no circuit breaker.")
    circuit_reset_s: float = Field(default=30.0, ge=0, description="Open circuit's pause.")
    jitter_seed: int = Field(default=0, description="Seed of the backoff jitter.")

    PLACEHOLDERS: ClassVar[dict[str, str]] = {}
    """The placeholders the stage's body may use (each stage's args name theirs)."""
    DEFAULT_BODY: ClassVar[Any] = None
    """The body sent when ``body`` is null (each stage's args name theirs)."""

    @field_validator("body")
    @classmethod
    def _body(cls, value: Any) -> Any:
        check_template(value, cls.PLACEHOLDERS, "body")
        return value

    @property
    def template(self) -> Any:
        """The body template sent (the stage's default one when ``body`` is null)."""
        return self.DEFAULT_BODY if self.body is None else self.body

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        if "@" in value.split("//", 1)[1].split("/", 1)[0]:
            raise ValueError("url holds a user name or password: send it as a {env: NAME} header")
        return value


@dataclass(frozen=True)
class HttpReply:
    """A successful reply: its parsed JSON, the request's latency and how many attempts it took."""

    data: Any
    latency_ms: float
    attempts: int


class HttpServiceClient:
    """Sends one templated request per call, with bounded, selective retries; thread-safe."""

    def __init__(
        self,
        config: HttpServiceConfig,
        *,
        pool: Pool | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.pool = pool or config.pool()
        register_key_vars(v.env for v in config.headers.values() if isinstance(v, EnvRef))
        for header, value in config.headers.items():
            if isinstance(value, EnvRef) and not os.environ.get(value.env):
                raise SuiteError(
                    f"the environment variable '{value.env}' named by header '{header}' is not "
                    "set (or is empty)",
                    field=f"target.args.headers.{header}",
                    hint=f"export {value.env}=<value> before the run",
                )
        self._sleep = sleep
        self._random = random.Random(config.jitter_seed)
        self._http = httpx.Client(
            timeout=httpx.Timeout(config.timeout_s),
            transport=transport,
            headers={"Accept": "application/json"},
        )

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def describe(self, body: Any = None) -> dict[str, Any]:
        """For run records: redacted URL, header names only, the body template sent (masked).

        ``body``: the template the stage sends when ``config.body`` is null (its default).
        """
        c = self.config
        found = {
            "kind": "http",
            "method": c.method,
            "url": _redact_url(c.url),
            "headers": sorted(c.headers),
            "timeout_s": c.timeout_s,
            "max_retries": c.max_retries,
            "body": redact_value(c.body if body is None else body, self._secrets()),
        }
        if self.pool != Pool():
            found.update(self.pool.describe())
        return found

    def _secrets(self) -> set[str]:
        found = {v for v in self.config.headers.values() if isinstance(v, str)}
        found |= {
            os.environ.get(v.env) or ""
            for v in self.config.headers.values()
            if isinstance(v, EnvRef)
        }
        return {s for s in found if s}

    def scrub(self, text: str) -> str:
        """``text`` with every header value (and credential-looking text) masked."""
        return redact_text(text, self._secrets())

    def _headers(self) -> dict[str, str]:
        headers = {
            name: os.environ.get(value.env, "") if isinstance(value, EnvRef) else value
            for name, value in self.config.headers.items()
        }
        for name, value in headers.items():
            if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
                raise TargetError(f"header '{name}' holds a control character; not shown")
        return headers

    def _send(self, body: Any) -> httpx.Response:
        c = self.config
        if c.method == "GET":
            params = {} if body is None else body
            if not isinstance(params, Mapping):
                raise TargetError("a GET request's body template must be an object (query)")
            query = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            return self._http.get(c.url, params=query, headers=self._headers())
        return self._http.request(c.method, c.url, json=body, headers=self._headers())

    def call(self, body: Any) -> HttpReply:
        """Send ``body`` (already rendered); the reply's JSON, or :class:`TargetError`."""
        try:
            return self._call(body)
        except TargetError as exc:
            raise TargetError(
                self.scrub(str(exc)), status=exc.status, attempts=exc.attempts
            ) from None

    def _call(self, body: Any) -> HttpReply:
        c = self.config
        where = f"{c.method} {_redact_url(c.url)}"
        allowed = c.max_retries + 1
        breaker = breaker_for(c.url)
        if not breaker.allow(c.circuit_failures, c.circuit_reset_s, time.monotonic()):
            raise TargetError(f"{where}: {breaker.refusal()}", attempts=0)
        problem, status, server_wait = "", None, 0.0
        for attempt in range(allowed):
            if attempt:
                base = c.backoff_s * (2 ** (attempt - 1)) * (0.5 + self._random.random())
                wait = max(min(base, c.backoff_max_s), server_wait)
                _log.warning("retrying %s after %s; waiting %.2fs", where, problem, wait)
                self._sleep(wait)
            server_wait = 0.0
            self.pool.wait()
            began = time.perf_counter()
            try:
                response = self._send(body)
            except httpx.TimeoutException:
                problem, status = f"timed out after {c.timeout_s:g}s", None
                continue
            except (httpx.LocalProtocolError, httpx.UnsupportedProtocol):
                raise TargetError(
                    f"{where} could not be sent; check url", attempts=attempt + 1
                ) from None
            except httpx.TransportError as exc:
                problem, status = f"connection error ({type(exc).__name__})", None
                continue
            latency_ms = (time.perf_counter() - began) * 1000.0
            breaker.record(True, c.circuit_failures, time.monotonic())
            status = response.status_code
            snippet = _snippet(response, self._secrets())
            if status == 429 or status >= 500:
                problem, server_wait = f"HTTP {status}: {snippet}", _retry_after(response) or 0.0
                continue
            if status >= 400:
                raise TargetError(
                    f"{where} failed with HTTP {status}: {snippet} (not retried)",
                    status=status,
                    attempts=attempt + 1,
                )
            try:
                data = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise TargetError(
                    f"{where}: HTTP {status} reply is not JSON: {snippet}",
                    status=status,
                    attempts=attempt + 1,
                ) from None
            return HttpReply(
                redact_value(data, self._secrets(), patterns=False, keys=False),
                latency_ms,
                attempt + 1,
            )
        if status is None:
            breaker.record(False, c.circuit_failures, time.monotonic())
        raise TargetError(
            f"{where} failed after {allowed} attempt{'s' if allowed > 1 else ''}: {problem}",
            status=status,
            attempts=allowed,
        )


def check_paths(*paths: str | None) -> None:
    """Parse every reply path given (a :class:`~evalcore.json_path.PathError` names a bad one)."""
    for path in paths:
        if path is not None:
            parse_path(path)


def token_count(value: Any, path: str | None) -> int | None:
    """A token count read from a reply (None: none there); a PathError when it is not one."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PathError(f"{path} is not a token count (a whole number): {value!r}")
    return value


class HttpTarget:
    """What every stage's ``http`` target shares: its client and pool, closing, the run record."""

    def __init__(self, args: Any, client: HttpServiceClient) -> None:
        self.args = args
        self.client = client
        self.pool = client.pool

    def paths(self) -> dict[str, Any]:
        """The reply paths this target reads, for the run record."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """For run records (no header values)."""
        return {**self.client.describe(self.args.template), "paths": self.paths()}

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    @classmethod
    def build(cls, args: Any, context: TargetContext) -> Any:
        """The target for ``args``; a bad config names the suite.yaml that declared it."""
        try:
            client = HttpServiceClient(args)
        except SuiteError as exc:
            raise SuiteError(
                exc.message, path=context.where, field=exc.field, hint=exc.hint
            ) from exc
        return cls(args, client)
