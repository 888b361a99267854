"""Reading what a chat server sent back: its error bodies and its assistant messages.

* :func:`error_cause`: the cause in an OpenAI-style error body (``{"error": {"message",
  "type"}}``, a bare ``{"error": "..."}`` or FastAPI's ``{"detail": ...}``);
* :func:`is_request_error`: whether a 5xx body is really a request error, not worth retrying;
* :func:`parse_tool_calls`: the tool calls of an assistant message;
* :class:`ChatResult`: one parsed answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ChatResult", "error_cause", "is_request_error", "parse_tool_calls"]


def error_cause(data: Any) -> str | None:
    """The readable cause in a decoded error body: ``error.message`` (with its type), or None."""
    error = data.get("error", data) if isinstance(data, dict) else None
    if isinstance(error, str):
        return error
    if not isinstance(error, dict):
        return None
    message = error.get("message", error.get("detail"))
    if not isinstance(message, str | list) or not message:
        return None
    text = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
    kind = error.get("type") or error.get("code")
    return f"{text} ({kind})" if isinstance(kind, str | int) and kind else text


_REQUEST_ERROR_KINDS = (
    "invalid_request_error",
    "badrequesterror",
    "bad_request",
    "validationerror",
    "validation_error",
    "400",
    "422",
)


def is_request_error(body: str) -> bool:
    """Whether a 5xx reply is a request error that a retry would only repeat.

    Some servers answer an invalid request (a chat-template or validation error) with HTTP 500
    and an error ``type``/``code`` that names a request error (``invalid_request_error``,
    ``BadRequestError``, ``ValidationError``, 400, 422).
    """
    try:
        data = json.loads(body)
    except ValueError:
        return False
    error = data.get("error", data) if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return False
    kinds = {str(error.get(k, "")).lower().replace(" ", "") for k in ("type", "code")}
    return any(kind in _REQUEST_ERROR_KINDS for kind in kinds)


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
    usage_warning: str | None = None

    @property
    def truncated(self) -> bool:
        """Whether the server stopped at the token limit (``finish_reason: "length"``)."""
        return self.finish_reason == "length"
