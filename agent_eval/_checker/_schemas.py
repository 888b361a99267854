"""JSON Schema work done once per distinct schema: meta-schema checks and compiled validators.

A suite of BFCL cases offers the same few tools over and over, each case with its own copy of
the schema. Checking a schema against the Draft 2020-12 meta-schema and building a validator are
by far the most expensive steps of loading and checking such a suite, so both are cached by the
schema's *content*: its JSON text with the key order kept (``json.dumps`` without
``sort_keys``, so a cached result is the one the same schema written the same way would give,
error messages and their order included). A schema that cannot be written as JSON (built in code
with non-JSON values) is not cached. Each cache holds at most :data:`MAX_ENTRIES` schemas and is
emptied when full.

:func:`schema_caching` turns the content caches off (for the benchmark that compares both ways):
then every schema is checked again and a validator is built per schema object, as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]
from jsonschema.exceptions import SchemaError

__all__ = [
    "MAX_ENTRIES",
    "clear_schema_caches",
    "meta_schema_error",
    "schema_caching",
    "schema_key",
    "schema_validator",
]

MAX_ENTRIES = 8192

_enabled = True
_meta_errors: dict[str, SchemaError | None] = {}
_validators: dict[str, Any] = {}
_by_identity: dict[int, tuple[Mapping[str, Any], Any]] = {}


def schema_key(schema: Any) -> str | None:
    """The cache key of ``schema`` (its order-preserving JSON text), or None when uncacheable."""
    if not _enabled:
        return None
    try:
        return json.dumps(schema, ensure_ascii=False, separators=(",", ":"), allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        return None


def _bounded_put(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = value


def meta_schema_error(schema: Any, key: str | None = None) -> SchemaError | None:
    """The :class:`SchemaError` of ``schema`` against the Draft 2020-12 meta-schema, or None.

    ``key`` is :func:`schema_key` of ``schema`` when the caller already has it.
    """
    key = schema_key(schema) if key is None else key
    if key is not None and key in _meta_errors:
        return _meta_errors[key]
    try:
        Draft202012Validator.check_schema(schema)
        found: SchemaError | None = None
    except SchemaError as exc:
        found = exc
    if key is not None:
        _bounded_put(_meta_errors, key, found)
    return found


def schema_validator(schema: Mapping[str, Any]) -> Any:
    """A Draft 2020-12 validator for ``schema``: one per distinct schema content.

    The same schema object is found by identity first (a reference is kept, so the id stays
    valid); another object with the same content shares the validator.
    """
    hit = _by_identity.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    key = schema_key(schema)
    validator = _validators.get(key) if key is not None else None
    if validator is None:
        validator = Draft202012Validator(schema)
        if key is not None:
            _bounded_put(_validators, key, validator)
    _bounded_put(_by_identity, id(schema), (schema, validator))
    return validator


def clear_schema_caches() -> None:
    """Forget every cached check and validator."""
    _meta_errors.clear()
    _validators.clear()
    _by_identity.clear()


@contextmanager
def schema_caching(enabled: bool) -> Iterator[None]:
    """Within the block, cache schema work (``True``) or redo it every time (``False``)."""
    global _enabled
    before = _enabled
    _enabled = enabled
    clear_schema_caches()
    try:
        yield
    finally:
        _enabled = before
        clear_schema_caches()
