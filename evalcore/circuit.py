"""A per-endpoint circuit breaker for the chat client, and the plausibility rule for token counts.

Circuit breaker: every :class:`~evalcore.llm_client.ChatClient` request that fails for good at
the transport level (timeouts and connection errors, after the client's retries) counts against
its endpoint (the URL it posts to, shared by every client in the process); any answer from the
server resets the count. After ``circuit_failures`` such failures in a row the circuit *opens*:
the next requests to that endpoint fail at once with "endpoint unreachable (circuit open)"
instead of spending the whole retry budget each. After ``circuit_reset_s`` one request is let
through again (half-open): an answer closes the circuit, a failure opens it for another period.

Token counts: a server's ``usage`` is checked against the request and the reply (see
:func:`implausible_usage`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["CHARS_PER_TOKEN_MAX", "Breaker", "breaker_for", "implausible_usage", "reset_breakers"]


@dataclass
class Breaker:
    """The state of one endpoint's circuit."""

    failures: int = 0
    opened_at: float | None = None

    def allow(self, threshold: int, reset_s: float, now: float) -> bool:
        """Whether a request may be sent now (``threshold`` 0 turns the breaker off)."""
        if threshold <= 0 or self.opened_at is None:
            return True
        return now - self.opened_at >= reset_s  # half-open: one trial request

    def refusal(self) -> str:
        """What a request refused by the open circuit fails with."""
        return (
            f"endpoint unreachable (circuit open: {self.failures} requests in a row failed to "
            "reach it; not sent)"
        )

    def record(self, ok: bool, threshold: int, now: float) -> None:
        """Count one request's outcome (``ok``: the server answered, whatever the status)."""
        if ok:
            self.failures = 0
            self.opened_at = None
            return
        self.failures += 1
        if threshold > 0 and self.failures >= threshold:
            self.opened_at = now


_breakers: dict[str, Breaker] = {}
_lock = threading.Lock()


def breaker_for(url: str) -> Breaker:
    """The breaker of the endpoint ``url`` (created closed)."""
    with _lock:
        return _breakers.setdefault(url, Breaker())


def reset_breakers() -> None:
    """Close every circuit (tests; a new run in a long-lived process)."""
    with _lock:
        _breakers.clear()


CHARS_PER_TOKEN_MAX = 12
"""No tokenizer in use packs more than this many characters of ordinary text into one token."""


def _text_of(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        return sum(_text_of(v) for v in value.values())
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        return sum(_text_of(v) for v in value)
    return 0


def implausible_usage(
    messages: Sequence[Mapping[str, Any]],
    prompt_tokens: int | None,
    reply_chars: int,
    completion_tokens: int | None,
) -> str | None:
    """Why the reported token counts cannot be right, or None when they may be.

    Rule: a count is implausible when it is smaller than the characters it covers divided by
    :data:`CHARS_PER_TOKEN_MAX` (12; real tokenizers average about 4 characters a token on
    English text and stay well under 12 even on numbers and URLs). The prompt covers every
    string in the messages (roles, contents, tool calls); the completion covers the reply's
    text and tool-call arguments. The tools' schemas are not counted (servers differ in how
    they render them), so the bound stays a lower bound.
    """
    problems = []
    prompt_chars = _text_of(list(messages))
    if prompt_tokens is not None and prompt_tokens < prompt_chars // CHARS_PER_TOKEN_MAX:
        problems.append(
            f"prompt_tokens {prompt_tokens} < {prompt_chars // CHARS_PER_TOKEN_MAX} "
            f"(the request's {prompt_chars} characters / {CHARS_PER_TOKEN_MAX})"
        )
    if completion_tokens is not None and completion_tokens < reply_chars // CHARS_PER_TOKEN_MAX:
        problems.append(
            f"completion_tokens {completion_tokens} < {reply_chars // CHARS_PER_TOKEN_MAX} "
            f"(the reply's {reply_chars} characters / {CHARS_PER_TOKEN_MAX})"
        )
    return "implausible token counts: " + "; ".join(problems) if problems else None
