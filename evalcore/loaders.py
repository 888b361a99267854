"""JSONL and YAML loading into pydantic models, with errors that say file, line and field."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from evalcore.errors import SuiteError

M = TypeVar("M", bound=BaseModel)


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(record)"


def _hint_for(error: dict[str, Any], model: type[BaseModel]) -> str:
    kind = error["type"]
    field = str(error["loc"][0]) if error["loc"] else ""
    if kind == "missing":
        return f"add the required field '{_field_path(error['loc'])}'"
    if kind == "extra_forbidden":
        known = ", ".join(sorted(model.model_fields))
        return f"remove or rename '{field}'; known fields are: {known}"
    where = _field_path(error["loc"])
    for prefix, advice in _TYPE_ADVICE:
        if kind.startswith(prefix):
            return f"{advice} for '{where}'"
    return f"change '{where}' so that it is valid"


_TYPE_ADVICE = (
    ("int_", "write an integer such as 0, 1 or 2"),
    ("float_", "write a number"),
    ("bool_", "write true or false"),
    ("string_", "write a string in double quotes"),
    ("dict_", 'write an object such as {"key": value}'),
    ("list_", "write a list such as [a, b]"),
    ("literal_", "use one of the values listed in the message"),
    ("greater_than", "use a larger value"),
    ("less_than", "use a smaller value"),
)


def validation_error(
    exc: ValidationError, model: type[BaseModel], path: Path, line: int | None
) -> SuiteError:
    """Turn a pydantic error into a :class:`SuiteError` that names the first bad field."""
    first = exc.errors()[0]
    more = len(exc.errors()) - 1
    extra = f" (and {more} more problem{'s' if more > 1 else ''} in this record)" if more else ""
    cause = first.get("ctx", {}).get("error")
    field = _field_path(first["loc"])
    if isinstance(cause, SuiteError):  # a validator's own error already says how to fix it
        message, hint = cause.message, cause.hint
        field = cause.field or field
    else:
        message, hint = first["msg"], _hint_for(dict(first), model)
    return SuiteError(f"{message}{extra}", path=path, line=line, field=field, hint=hint)


def open_text(path: Path) -> Iterator[str]:
    """Yield the lines of a text file, transparently gunzipping ``*.gz``."""
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            yield from handle
    else:
        with path.open(encoding="utf-8") as handle:
            yield from handle


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line; bad JSON raises SuiteError."""
    if not path.is_file():
        raise SuiteError("file not found", path=path, hint="check the path in suite.yaml")
    for number, raw in enumerate(open_text(path), start=1):
        text = raw.strip()
        if not text:
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SuiteError(
                f"not valid JSON ({exc.msg} at column {exc.colno})",
                path=path,
                line=number,
                hint="each line must be one JSON object; check quotes, commas and brackets",
            ) from exc
        if not isinstance(value, dict):
            raise SuiteError(
                f"expected a JSON object, got {type(value).__name__}",
                path=path,
                line=number,
                hint="write one {...} object per line",
            )
        yield number, value


def load_jsonl(path: Path, model: type[M], *, id_field: str | None = None) -> list[M]:
    """Load every line of ``path`` as ``model``; with ``id_field``, ids must be unique."""
    return [record for _, record in load_jsonl_numbered(path, model, id_field=id_field)]


def load_jsonl_numbered(
    path: Path, model: type[M], *, id_field: str | None = None
) -> list[tuple[int, M]]:
    """As :func:`load_jsonl`, each record with its line number (for later checks' errors)."""
    records: list[tuple[int, M]] = []
    seen: dict[str, int] = {}
    for number, value in iter_jsonl(path):
        try:
            record = model.model_validate(value)
        except ValidationError as exc:
            raise validation_error(exc, model, path, number) from exc
        if id_field is not None:
            key = str(getattr(record, id_field))
            if key in seen:
                raise SuiteError(
                    f"duplicate id '{key}' (first seen on line {seen[key]})",
                    path=path,
                    line=number,
                    field=id_field,
                    hint=f"give every record a unique '{id_field}'",
                )
            seen[key] = number
        records.append((number, record))
    return records


def yaml_line(path: Path, text: str, keys: tuple[int | str, ...]) -> int | None:
    """Return the 1-based line of the YAML node at ``keys`` (or its nearest parent)."""
    try:
        node: yaml.Node | None = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(key)), None)
            if pair is None:
                return line
            line = pair[0].start_mark.line + 1  # the line where the key is written
            node = pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def validate_yaml_section(
    model: type[M], data: Any, path: Path, prefix: tuple[int | str, ...]
) -> M:
    """Validate ``data`` (found at ``prefix`` in the YAML file ``path``) as ``model``.

    Errors name the full dotted field (``stages.retrieval.options.depth``) and its line.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        loc = (*prefix, *exc.errors()[0]["loc"])
        error = validation_error(exc, model, path, yaml_line(path, path.read_text("utf-8"), loc))
        error.field = _field_path(loc)
        raise SuiteError(
            error.message, path=path, line=error.line, field=error.field, hint=error.hint
        ) from exc


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Load a YAML file as ``model``; errors name the line of the offending key."""
    if not path.is_file():
        raise SuiteError("file not found", path=path, hint=f"create {path.name}")
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SuiteError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            path=path,
            line=mark.line + 1 if mark is not None else None,
            hint="check indentation and quoting",
        ) from exc
    if not isinstance(data, dict):
        raise SuiteError("expected a mapping at the top level", path=path, line=1)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        loc = tuple(exc.errors()[0]["loc"])
        raise validation_error(exc, model, path, yaml_line(path, text, loc)) from exc
