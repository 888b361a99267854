"""Where verdicts come from: a live OpenAI-compatible endpoint, or a recording replayed offline.

Both take one request (item id, presentation order, the hash of what is shown, the messages)
and give a :class:`Reply`. A transport failure is a reply with ``error`` set, never an
exception: the judgement becomes ``unmeasured``. Only the live client retries, and only on
timeouts, connection errors, 429 and 5xx.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import write_text_atomic
from evalstage.evalcore.llm_client import ChatClient, ChatConfig, TargetError
from evalstage.evalcore.loaders import iter_jsonl, validation_error
from evalstage.evalcore.redact import redact_value
from evalstage.generation_eval.judge._models import JudgeIdentity, Order


@dataclass(frozen=True)
class Reply:
    """The judge's raw reply, or the transport error that stopped it."""

    text: str | None
    error: str | None = None
    latency_ms: float = 0.0
    attempts: int = 1


class JudgeBackend(Protocol):
    """Serves judge requests. ``model`` and ``params`` are part of the judge's identity."""

    kind: str
    model: str
    params: dict[str, Any]

    def complete(
        self, item_id: str, order: Order, input_sha256: str, messages: Sequence[Mapping[str, str]]
    ) -> Reply:
        """One judge request."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class ChatBackend:
    """A live judge behind an OpenAI-compatible chat-completions endpoint (model explicit)."""

    kind = "openai"

    def __init__(self, config: ChatConfig, **client_kwargs: Any) -> None:
        self.config = config
        self.model = config.model
        # the judge's identity, recorded with calibrations and recordings: redacted (a secret
        # in extra_body is sent, never written down)
        self.params: dict[str, Any] = {
            "temperature": config.temperature,
            "max_tokens": config.max_tokens,
            **redact_value(dict(config.extra_body)),
        }
        self._client = ChatClient(config, **client_kwargs)

    def complete(
        self, item_id: str, order: Order, input_sha256: str, messages: Sequence[Mapping[str, str]]
    ) -> Reply:
        """Send the messages; a :class:`TargetError` (after retries) becomes ``Reply.error``."""
        try:
            result = self._client.chat(messages)
        except TargetError as exc:
            return Reply(text=None, error=str(exc), attempts=exc.attempts)
        return Reply(text=result.content, latency_ms=result.latency_ms, attempts=result.attempts)

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()


class RecordingMeta(BaseModel):
    """First line of a recording: the judge that produced it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    model: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)
    prompt_name: str = Field(min_length=1)
    prompt_sha256: str = Field(min_length=64, max_length=64)
    source: str = ""


class RecordedVerdict(BaseModel):
    """One recorded judge reply."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    order: Order
    input_sha256: str = Field(min_length=64, max_length=64)
    raw: str | None


class RecordedBackend:
    """Replays recorded judge replies keyed by item id and order (offline, reproducible).

    A request with no recording, or whose shown content hashes differently from the recording,
    gets an error reply (the judgement is ``unmeasured``), never someone else's verdict.
    """

    kind = "recorded"

    def __init__(self, path: Path) -> None:
        self.path = path
        rows = iter(iter_jsonl(path))
        first = next(rows, None)
        if first is None or "meta" not in first[1]:
            raise SuiteError(
                'a judge recording starts with a {"meta": {...}} line',
                path=path,
                line=1,
                hint="write the judge's model, params, prompt_name and prompt_sha256 first",
            )
        try:
            self.meta = RecordingMeta.model_validate(first[1]["meta"])
        except ValidationError as exc:
            raise validation_error(exc, RecordingMeta, path, first[0]) from exc
        self.model = self.meta.model
        self.params = dict(self.meta.params)
        self._replies: dict[tuple[str, str], RecordedVerdict] = {}
        for number, value in rows:
            try:
                row = RecordedVerdict.model_validate(value)
            except ValidationError as exc:
                raise validation_error(exc, RecordedVerdict, path, number) from exc
            self._replies[(row.id, row.order)] = row

    def complete(
        self, item_id: str, order: Order, input_sha256: str, messages: Sequence[Mapping[str, str]]
    ) -> Reply:
        """The recorded reply for ``(item_id, order)``."""
        row = self._replies.get((item_id, order))
        if row is None:
            return Reply(text=None, error=f"no recorded verdict for {item_id} ({order})")
        if row.input_sha256 != input_sha256:
            return Reply(
                text=None,
                error=f"the recording of {item_id} ({order}) was made for other content",
            )
        return Reply(text=row.raw)

    def close(self) -> None:
        """Nothing to release."""


def write_recording(
    path: Path, identity: JudgeIdentity, rows: Iterable[RecordedVerdict], source: str = ""
) -> Path:
    """Write a recording that :class:`RecordedBackend` replays as the same judge."""
    meta = RecordingMeta(
        model=identity.model,
        params=identity.params,
        prompt_name=identity.prompt_name,
        prompt_sha256=identity.prompt_sha256,
        source=source,
    )
    lines = [json.dumps({"meta": meta.model_dump(mode="json")}, ensure_ascii=False)]
    lines += [json.dumps(r.model_dump(mode="json"), ensure_ascii=False) for r in rows]
    return write_text_atomic(path, "\n".join(lines) + "\n")
