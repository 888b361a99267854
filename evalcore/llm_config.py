"""What the chat client is configured with and returns: :class:`ChatConfig`, its errors, results.

Split from :mod:`evalcore.llm_client` (which re-exports every name): the configuration a target
or judge spec validates, :class:`TargetError`, :class:`ChatResult` and the tool-call parser.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from evalstage.evalcore.chat_reply import ChatResult, parse_tool_calls

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
    circuit_failures: int = Field(
        default=5,
        ge=0,
        description="After this many requests in a row fail to reach the endpoint (after "
        "retries), later ones fail at once (circuit open); 0: never.",
    )
    circuit_reset_s: float = Field(
        default=30.0, ge=0, description="How long an open circuit stays open before one trial."
    )
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


def missing_env(config: ChatConfig) -> tuple[str, str] | None:
    """The first variable the config names that is unset: ``(field, name)``."""
    if config.api_key_env is not None and not os.environ.get(config.api_key_env):
        return "target.args.api_key_env", config.api_key_env
    for header, value in config.headers.items():
        if isinstance(value, EnvRef) and not os.environ.get(value.env):
            return f"target.args.headers.{header}", value.env
    return None
