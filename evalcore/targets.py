"""What every stage's targets share: one registry mechanism, typed arguments, the lifecycle.

A stage lists its targets once, in a :class:`TargetRegistry` of :class:`TargetKind` entries
(name, ``args`` model, factory, deterministic?, can search?). Target names, the unknown-name
error, which batches may be cached and which retrievers can answer new questions all derive
from it. A registry is a value: :meth:`TargetRegistry.with_kind` returns a new one with one
more kind (nothing is registered as a side effect of an import).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.redact import redact_text
from evalstage.evalcore.suite import TargetSpec

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class TargetContext:
    """Where a target is built: the suite folder (relative paths and error locations)."""

    suite_root: Path | None = None

    @property
    def where(self) -> Path | None:
        """The manifest that declared the target, for error messages."""
        return self.suite_root / "suite.yaml" if self.suite_root is not None else None

    def path(self, relative: str) -> Path:
        """``relative`` resolved against the suite folder (the working folder without one)."""
        return (self.suite_root or Path.cwd()) / relative


@dataclass(frozen=True)
class TargetKind(Generic[T]):
    """One kind of target of a stage.

    ``factory(args, context)`` builds it from its validated ``args``; ``deterministic``: its
    output depends only on the suite and the spec (its batches may be cached); ``can_search``:
    it can rank documents for new queries (a retriever the generation stage can use).
    """

    name: str
    args: type[BaseModel]
    factory: Callable[[Any, TargetContext], T]
    deterministic: bool = False
    can_search: bool = False
    summary: str = ""
    check: Callable[[Any, TargetContext], None] | None = None
    """A cheaper check before a run than building the target (e.g. a big file exists)."""


class TargetRegistry(Generic[T]):
    """The targets of one stage, by name."""

    def __init__(self, stage: str, kinds: Iterable[TargetKind[T]]) -> None:
        self.stage = stage
        self.kinds: dict[str, TargetKind[T]] = {k.name: k for k in kinds}

    @property
    def names(self) -> tuple[str, ...]:
        """Every target name, in declaration order."""
        return tuple(self.kinds)

    def kind(self, name: str, where: Path | None = None) -> TargetKind[T]:
        """The kind called ``name``; an unknown name raises :class:`SuiteError` with the choices."""
        found = self.kinds.get(name)
        if found is None:
            raise SuiteError(
                f"unknown {self.stage} target '{name}'",
                path=where,
                field="target.name",
                hint=f"use one of: {', '.join(self.names)}",
            )
        return found

    def args(self, spec: TargetSpec, context: TargetContext | None = None) -> BaseModel:
        """The validated ``args`` of ``spec`` (errors name ``target.args.<field>``)."""
        where = (context or TargetContext()).where
        return target_args(self.kind(spec.name, where).args, spec, where)

    def build(self, spec: TargetSpec, context: TargetContext | None = None) -> T:
        """Build the target ``spec`` names from its validated ``args``."""
        context = context or TargetContext()
        kind = self.kind(spec.name, context.where)
        return kind.factory(target_args(kind.args, spec, context.where), context)

    def check(self, spec: TargetSpec, context: TargetContext | None = None) -> None:
        """Validate ``spec`` before a run: its name, its ``args`` and what it needs.

        The kind's own check if it has one, else the target is built (imports, files, keys)
        and closed again.
        """
        context = context or TargetContext()
        kind = self.kind(spec.name, context.where)
        args = target_args(kind.args, spec, context.where)
        if kind.check is not None:
            kind.check(args, context)
            return
        with closing_target(kind.factory(args, context)):
            pass

    def deterministic(self, name: str) -> bool:
        """Whether the target's output depends only on the suite and its spec."""
        found = self.kinds.get(name)
        return found is not None and found.deterministic

    def can_search(self, name: str) -> bool:
        """Whether the target can rank documents for new queries."""
        found = self.kinds.get(name)
        return found is not None and found.can_search

    def with_kind(self, kind: TargetKind[T]) -> TargetRegistry[T]:
        """A new registry with ``kind`` added (or replacing the kind of that name)."""
        return TargetRegistry(self.stage, [*self.kinds.values(), kind])


def target_args(model: type[M], spec: TargetSpec, where: Path | None = None) -> M:
    """Validate ``spec.args`` as ``model``; errors name ``target.args.<field>`` and the options."""
    try:
        return model.model_validate(spec.args)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        known = ", ".join(model.model_fields)
        raise SuiteError(
            str(first["msg"]),
            path=where,
            field=f"target.args.{loc}" if loc else "target.args",
            hint=f"the {spec.name} target takes: {known}",
        ) from exc


def import_roots(where: Path | None = None) -> list[str]:
    """Folders a ``module:function`` target is imported from, besides ``sys.path``.

    The suite folder (the one holding ``suite.yaml``), then the working folder: a team's
    ``my_rag.py`` beside its suite, or its own package at the root of its repository, imports
    without setting ``PYTHONPATH``. They are appended, so they never shadow an installed module.
    """
    roots = [where.parent] if where is not None else []
    return [str(p.resolve()) for p in [*roots, Path.cwd()]]


def load_callable(reference: str, where: Path | None = None) -> Callable[..., Any]:
    """Import ``module:function``; a bad reference raises :class:`SuiteError`.

    ``where`` is the manifest that names it: its folder and the working folder are on the import
    path (:func:`import_roots`).
    """
    module_name, _, attr = reference.partition(":")
    if not module_name or not attr:
        raise SuiteError(
            f"'{reference}' is not of the form module:function",
            path=where,
            field="target.args.function",
            hint="write it as package.module:function_name",
        )
    for root in import_roots(where):
        if root not in sys.path:
            sys.path.append(root)
    try:
        function = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise SuiteError(
            f"cannot import '{reference}': {exc}",
            path=where,
            field="target.args.function",
            hint="put the module beside suite.yaml, in the working folder or on PYTHONPATH, "
            "and check the function name",
        ) from exc
    if not callable(function):
        raise SuiteError(f"'{reference}' is not callable", path=where, field="target.args.function")
    return function  # type: ignore[no-any-return]


def error_text(exc: BaseException) -> str:
    """How a failure of the system under test is recorded as a case's ``error`` reason.

    Redacted (:func:`evalcore.redact.redact_text`): an exception of a callable target may quote
    a key, a URL with credentials or an echoed request.
    """
    return redact_text(f"{type(exc).__name__}: {exc}")


def describe_target(target: object, kind: str) -> dict[str, Any]:
    """The target's own ``describe()`` for run records (no secrets), else ``{"kind": kind}``."""
    describe = getattr(target, "describe", None)
    return describe() if callable(describe) else {"kind": kind}


@contextmanager
def closing_target(target: object) -> Iterator[None]:
    """Close the target (e.g. its HTTP client) when the block ends, whatever happens in it."""
    try:
        yield
    finally:
        close = getattr(target, "close", None)
        if callable(close):
            close()
