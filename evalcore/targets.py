"""Helpers shared by every stage's targets: typed arguments, ``module:function``, lifecycle."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from evalcore.errors import SuiteError
from evalcore.suite import TargetSpec

M = TypeVar("M", bound=BaseModel)


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


def load_callable(reference: str, where: Path | None = None) -> Callable[..., Any]:
    """Import ``module:function``; a bad reference raises :class:`SuiteError`."""
    module_name, _, attr = reference.partition(":")
    if not module_name or not attr:
        raise SuiteError(
            f"'{reference}' is not of the form module:function",
            path=where,
            field="target.args.function",
            hint="write it as package.module:function_name",
        )
    try:
        function = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise SuiteError(
            f"cannot import '{reference}': {exc}",
            path=where,
            field="target.args.function",
            hint="make the module importable (on PYTHONPATH) and check the function name",
        ) from exc
    if not callable(function):
        raise SuiteError(f"'{reference}' is not callable", path=where, field="target.args.function")
    return function  # type: ignore[no-any-return]


def error_text(exc: BaseException) -> str:
    """How a failure of the system under test is recorded as a case's ``error`` reason."""
    return f"{type(exc).__name__}: {exc}"


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
