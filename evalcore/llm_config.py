"""What the chat client is configured with and returns: :class:`ChatConfig`, its errors, results.

Split from :mod:`evalcore.llm_client` (which re-exports every name): the configuration a target
or judge spec validates, :class:`TargetError`, :class:`ChatResult` and the tool-call parser.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "ChatConfig",
    "ChatResult",
    "EnvRef",
    "TargetError",
    "missing_env",
    "parse_tool_calls",
]


class TargetError(RuntimeError):
    """The system under test failed for one request (after any retries).

    Callers turn it into that case's ``error`` outcome; the run goes on.
    """

    def __init__(self, message: str, *, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts


class EnvRef(BaseModel):
    """A secret by reference: ``{env: NAME}``, the environment variable that holds it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    env: str = Field(min_length=1, description="Name of the environment variable.")


class ChatConfig(BaseModel):
    """Where and how to call an OpenAI-compatible chat-completions endpoint.

    ``model`` is required: there is no hidden default. The key itself never appears here, only
    the name of the environment variable that holds it (``api_key_env``). Validation errors
    never quote the input (a bad ``base_url`` may hold a password).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    base_url: str = Field(
        min_length=1, description="The API root, e.g. http://127.0.0.1:8000/v1 (no trailing path)."
    )
    model: str = Field(min_length=1, description="The model name sent with every request.")
    api_key_env: str | None = Field(
        default=None,
        min_length=1,
        description="Name of the environment variable holding the API key, sent as a Bearer "
        "token; null sends no Authorization header.",
    )
    timeout_s: float = Field(default=60.0, gt=0, description="Per-request timeout, seconds.")
    max_retries: int = Field(default=3, ge=0, description="Retries after the first attempt.")
    backoff_s: float = Field(
        default=1.0, ge=0, description="First retry delay; doubles each retry, with jitter."
    )
    backoff_max_s: float = Field(default=30.0, ge=0, description="Cap on one retry delay.")
    jitter_seed: int = Field(default=0, description="Seed of the backoff jitter (deterministic).")
    temperature: float | None = Field(default=0.0, ge=0, description="null: not sent.")
    max_tokens: int | None = Field(default=None, ge=1, description="null: not sent.")
    headers: dict[str, str | EnvRef] = Field(
        default_factory=dict,
        description="Extra HTTP headers: a literal value or {env: NAME} (read from the "
        "environment at each request); their values are never recorded.",
    )
    extra_body: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra request fields, e.g. {seed: 1, parallel_tool_calls: true}; the "
        "client's own fields (model, messages, tools...) take precedence.",
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                f"base_url must start with http:// or https:// (got {value!r}); "
                "write it like http://127.0.0.1:8000/v1"
            )
        try:
            parts = urlsplit(value)
            userinfo = parts.username is not None or parts.password is not None
        except ValueError as exc:
            raise ValueError("base_url is not a valid URL") from exc
        if userinfo:
            # httpx would turn user:pass@ into Basic auth and silently drop the Bearer key
            raise ValueError(
                "base_url holds a user name or password (user:pass@host), which is refused: "
                "pass the key through api_key_env, or a header as {env: NAME}"
            )
        return value.rstrip("/")


@dataclass(frozen=True)
class ChatResult:
    """One chat-completions answer.

    ``tool_calls`` are ``{"name", "arguments"}`` with ``arguments`` raw (usually a JSON string),
    plus ``"id"`` when the server gave one. ``latency_ms`` is the duration of the successful
    attempt; ``attempts`` counts every attempt made, retries included.
    """

    content: str | None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    latency_ms: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    attempts: int = 1
    finish_reason: str | None = None


def missing_env(config: ChatConfig) -> tuple[str, str] | None:
    """The first variable the config names that is unset: ``(field, name)``."""
    if config.api_key_env is not None and not os.environ.get(config.api_key_env):
        return "target.args.api_key_env", config.api_key_env
    for header, value in config.headers.items():
        if isinstance(value, EnvRef) and not os.environ.get(value.env):
            return f"target.args.headers.{header}", value.env
    return None


def parse_tool_calls(message: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Read ``tool_calls`` (or the legacy ``function_call``) of an assistant message.

    Returns ``{"name", "arguments"}`` dicts (``"id"`` too when present), arguments left raw.
    """
    calls: list[dict[str, Any]] = []
    for item in message.get("tool_calls") or []:
        if not isinstance(item, Mapping):
            continue
        function = item.get("function")
        source = function if isinstance(function, Mapping) else item
        call: dict[str, Any] = {
            "name": str(source.get("name", "")),
            "arguments": source.get("arguments", "{}"),
        }
        if item.get("id") is not None:
            call["id"] = item["id"]
        calls.append(call)
    legacy = message.get("function_call")
    if not calls and isinstance(legacy, Mapping):
        calls.append(
            {"name": str(legacy.get("name", "")), "arguments": legacy.get("arguments", "{}")}
        )
    return calls
