"""The target adapters every stage offers, written once: ``callable``, ``openai``, ``recorded``.

A stage subclasses :class:`CallableTarget` and :class:`OpenAITarget` with the one method its
protocol asks for (``search``, ``generate``, ``respond``) and registers the three kinds with
:func:`callable_kind`, :func:`openai_kind` and :func:`recorded_kind`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from evalstage.evalcore.concurrency import Pool, PoolArgs
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.llm_client import ChatClient, ChatConfig
from evalstage.evalcore.suite import TargetSpec
from evalstage.evalcore.targets import TargetContext, TargetKind, TargetRegistry, load_callable

T = TypeVar("T")
C = TypeVar("C", bound="CallableTarget")
H = TypeVar("H", bound="OpenAITarget")


class CallableArgs(BaseModel):
    """Arguments of the ``callable`` target."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    function: str = Field(min_length=1, description="module:function, the system under test.")


class LiveCallableArgs(CallableArgs, PoolArgs):
    """Arguments of a live stage's ``callable`` target: the function and its concurrency."""


class LiveChatConfig(ChatConfig, PoolArgs):
    """Arguments of an ``openai`` target: the chat config and its concurrency."""


def chat_config(args: ChatConfig) -> ChatConfig:
    """The plain :class:`ChatConfig` of a target's ``args`` (its own fields dropped)."""
    return ChatConfig.model_validate(args.model_dump(include=set(ChatConfig.model_fields)))


def pool_of(args: BaseModel) -> Pool:
    """The :class:`Pool` a target's ``args`` ask for (one at a time when they have none)."""
    return args.pool() if isinstance(args, PoolArgs) else Pool()


def pool_description(pool: Pool) -> dict[str, Any]:
    """The pool for a target's record; nothing when it is the default (one at a time)."""
    return pool.describe() if pool != Pool() else {}


class RecordedArgs(BaseModel):
    """Arguments of the ``recorded`` target."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(min_length=1, description="Outputs JSONL, relative to the suite folder.")


class CallableTarget:
    """A Python function as the system under test (the stage's subclass calls it)."""

    def __init__(
        self, function: Callable[..., Any], reference: str = "", pool: Pool | None = None
    ) -> None:
        self.function = function
        self.reference = reference
        self.pool = pool or Pool()

    def describe(self) -> dict[str, Any]:
        """A description for run records."""
        return {"kind": "callable", "function": self.reference, **pool_description(self.pool)}

    def call(self, *args: Any) -> Any:
        """Call the function, after waiting for a slot of ``requests_per_minute``."""
        self.pool.wait()
        return self.function(*args)


class OpenAITarget:
    """A system behind an OpenAI-compatible chat-completions endpoint."""

    def __init__(self, client: ChatClient, pool: Pool | None = None) -> None:
        self.client = client
        self.pool = pool or Pool()

    def describe(self) -> dict[str, Any]:
        """A description for run records (redacted: no key, no header values)."""
        return {**self.client.describe(), **pool_description(self.pool)}

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()


def open_client(
    config: ChatConfig, where: Path | None = None, pool: Pool | None = None
) -> ChatClient:
    """The chat client of ``config``; a bad configuration names the manifest.

    ``pool``: every request attempt first waits for a slot of its rate limiter.
    """
    try:
        return ChatClient(chat_config(config), before_request=(pool or Pool()).wait)
    except SuiteError as exc:
        raise SuiteError(
            exc.message, path=where, line=exc.line, field=exc.field, hint=exc.hint
        ) from exc


class Recorded(Generic[T]):
    """Outputs produced elsewhere, by key (case id, or case id and variant), replayed."""

    def __init__(
        self,
        outputs: Mapping[str, T],
        source: str = "the recorded outputs",
        args: Mapping[str, Any] | None = None,
    ) -> None:
        self.outputs = outputs
        self.source = source
        self.args = dict(args or {})

    def describe(self) -> dict[str, Any]:
        """A description for run records."""
        return {"kind": "recorded", **self.args}

    def replay(self, keys: Iterable[str], what: str) -> tuple[dict[str, T], dict[str, str]]:
        """The recorded output of each key, or the error ``no recorded <what> ...`` for it.

        ``what`` is a template with ``{key}``, e.g. ``"answer for '{key}'"``.
        """
        found: dict[str, T] = {}
        errors: dict[str, str] = {}
        for key in keys:
            value = self.outputs.get(key)
            if value:
                found[key] = value
            else:
                errors[key] = f"no recorded {what.format(key=key)} in {self.source}"
        return found, errors


def callable_kind(
    target: type[C],
    summary: str,
    *,
    can_search: bool = False,
    args: type[CallableArgs] = CallableArgs,
) -> TargetKind[Any]:
    """The ``callable`` kind building ``target`` around ``args.function``.

    ``args``: :class:`LiveCallableArgs` for a stage that runs cases concurrently.
    """

    def build(spec: CallableArgs, context: TargetContext) -> C:
        function = load_callable(spec.function, context.where)
        return target(function, spec.function, pool_of(spec))

    return TargetKind(
        name="callable", args=args, factory=build, can_search=can_search, summary=summary
    )


def openai_kind(target: type[H], summary: str) -> TargetKind[Any]:
    """The ``openai`` kind building ``target`` around a chat client of ``args``."""

    def build(args: LiveChatConfig, context: TargetContext) -> H:
        pool = pool_of(args)
        return target(open_client(args, context.where, pool), pool)

    return TargetKind(name="openai", args=LiveChatConfig, factory=build, summary=summary)


def recorded_kind(load: Callable[[Path], Mapping[str, T]], summary: str) -> TargetKind[Any]:
    """The ``recorded`` kind: ``load(path)`` reads the outputs file named by ``args.path``."""

    def build(args: RecordedArgs, context: TargetContext) -> Recorded[T]:
        path = context.path(args.path)
        return Recorded(load(path), str(path), args.model_dump())

    return TargetKind(
        name="recorded", args=RecordedArgs, factory=build, deterministic=True, summary=summary
    )


def open_target(
    registry: TargetRegistry[Any],
    spec: TargetSpec,
    suite_root: Path | None,
    recorded: Mapping[str, Any] | None = None,
) -> Any:
    """The target ``spec`` names; ``recorded`` (outputs already loaded) serves ``recorded``."""
    if spec.name == "recorded" and recorded is not None:
        return Recorded(dict(recorded), args=spec.args)
    return registry.build(spec, TargetContext(suite_root))


def live_target(registry: TargetRegistry[Any], spec: TargetSpec, where: Path | None) -> Any:
    """The live system ``spec`` names (not a replay of recorded outputs)."""
    target = registry.build(spec, TargetContext(where.parent if where else None))
    if isinstance(target, Recorded):
        raise SuiteError(
            f"the recorded target replays outputs; it is not a live {registry.stage} target",
            path=where,
            field="target.name",
        )
    return target
