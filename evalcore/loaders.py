"""JSONL and YAML loading into pydantic models, with errors that say file, line and field."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml
from pydantic import BaseModel, ValidationError

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import iter_lines, read_text

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
    """Yield the lines of a text file (plain or ``*.gz``), without their line ends.

    A thin wrapper of :func:`evalcore.files.iter_lines`, which gives the line numbers too.
    """
    for _, text in iter_lines(path):
        yield text


MAX_JSON_DEPTH = 100
"""JSON nested deeper than this (objects and lists) is refused at load time."""

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


class _NotFinite(ValueError):
    pass


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _reject_constant(text: str) -> float:
    raise _NotFinite(text)


def json_too_deep(text: str) -> bool:
    """Whether objects and lists nest more than :data:`MAX_JSON_DEPTH` deep (strings aside)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return False  # the common case, decided at C speed
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            return True
    return False


def parse_json(text: str, path: Path | None = None, line: int | None = None) -> Any:
    """``json.loads`` for user input: numbers must be finite and nesting is bounded.

    Bad JSON, ``NaN``/``Infinity`` (or a number too large for a float), an integer too long to
    convert and nesting deeper than :data:`MAX_JSON_DEPTH` raise :class:`SuiteError`.
    """
    if json_too_deep(text):
        raise SuiteError(
            f"JSON nested more than {MAX_JSON_DEPTH} levels deep",
            path=path,
            line=line,
            hint=f"flatten the record: at most {MAX_JSON_DEPTH} levels of objects and lists",
        )
    try:
        value = json.loads(text, parse_float=_finite_float, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise SuiteError(
            f"not valid JSON ({exc.msg} at column {exc.colno})",
            path=path,
            line=line,
            hint="each line must be one JSON object; check quotes, commas and brackets",
        ) from None
    except _NotFinite as exc:
        raise SuiteError(
            f"the number {exc} is not finite",
            path=path,
            line=line,
            hint="write an ordinary number such as 0.5 (NaN and infinities are not allowed)",
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4300 digits
        raise SuiteError(
            f"not valid JSON ({exc})",
            path=path,
            line=line,
            hint="write ordinary numbers, strings, lists and objects",
        ) from None
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise SuiteError(
            "a string holds half of a UTF-16 surrogate pair (an escape \\ud800-\\udfff alone)",
            path=path,
            line=line,
            hint="write the character itself, or both halves of the pair",
        )
    return value


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(value: Any) -> bool:
    """Whether a string in ``value`` (keys included) cannot be encoded as UTF-8."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for each non-blank line; bad JSON raises SuiteError.

    Lines are read by :func:`evalcore.files.iter_lines` (BOM, CRLF, non-UTF-8 and gzip errors)
    and parsed by :func:`parse_json` (finite numbers, bounded nesting).
    """
    for number, raw in iter_lines(path, hint="check the path in suite.yaml"):
        text = raw.strip()
        if not text:
            continue
        value = parse_json(text, path, number)
        if not isinstance(value, dict):
            raise SuiteError(
                f"expected a JSON object, got {type(value).__name__}",
                path=path,
                line=number,
                hint="write one {...} object per line",
            )
        yield number, value


def _noun(name: str) -> str:
    if name.endswith("Case"):
        return "cases"
    return "documents" if "Doc" in name else "records"


def load_jsonl(
    path: Path,
    model: type[M],
    *,
    id_field: str | None = None,
    allow_empty: bool = False,
    noun: str | None = None,
) -> list[M]:
    """Load every line of ``path`` as ``model``; with ``id_field``, ids must be unique.

    A file without records is an error ("no cases") unless ``allow_empty``; ``noun`` names what
    the records are in that message (default: "cases" for a ``*Case`` model, else "records").
    """
    numbered = load_jsonl_numbered(
        path, model, id_field=id_field, allow_empty=allow_empty, noun=noun
    )
    return [record for _, record in numbered]


def load_jsonl_numbered(
    path: Path,
    model: type[M],
    *,
    id_field: str | None = None,
    allow_empty: bool = False,
    noun: str | None = None,
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
    if not records and not allow_empty:
        what = noun or _noun(model.__name__)
        raise SuiteError(
            f"no {what}: the file is empty (or holds only blank lines)",
            path=path,
            hint=f"write one JSON object per line; a stage needs at least one of its {what}",
        )
    return records


MAX_YAML_DEPTH = 100
"""YAML nested deeper than this (counting through aliases) is refused."""
MAX_YAML_NODES = 100_000
"""A YAML document that expands (through its aliases) to more nodes than this is refused."""
MAX_YAML_ALIASES = 1_000
"""At most this many alias uses (``*name``) in one YAML document."""


class _TooLarge(yaml.composer.ComposerError):
    """A YAML document beyond the bounds: too deep, too many aliases, or expanding too far."""


class _BadValue(yaml.constructor.ConstructorError):
    """A scalar that cannot be read as its type, or a number that is not finite."""


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with composition bounded: nesting, alias uses, finite numbers.

    PyYAML itself shares an aliased node instead of copying it, so an "alias bomb" (each anchor
    holding ten aliases of the one before) loads instantly; the copy happens later, when the data
    is validated or serialized. So the composed node graph is measured, expansion included,
    before anything is built from it.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = cast("yaml.Mark | None", event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                raise _TooLarge(None, None, f"more than {MAX_YAML_ALIASES} aliases", mark)
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                raise _TooLarge(None, None, f"nested more than {MAX_YAML_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            value = super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:  # int() of 5000 digits, a bad date…
            raise _BadValue(None, None, f"cannot read the value: {exc}", node.start_mark) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise _BadValue(
                None,
                None,
                f"the number {node.value} is not finite",
                node.start_mark,
            )
        return value


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a node graph whose expansion is too large or too deep, or that refers to itself."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    entered: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            height[key] = 1 + max((height[id(k)] for k in kids), default=0)
            entered.discard(key)
            if size[key] > MAX_YAML_NODES:
                problem = f"expands (through its aliases) to more than {MAX_YAML_NODES} values"
            elif height[key] > MAX_YAML_DEPTH:
                problem = f"nested (through its aliases) more than {MAX_YAML_DEPTH} levels"
            else:
                continue
            raise _TooLarge(None, None, problem, node.start_mark)
        if key in size:
            continue
        if key in entered:
            raise _TooLarge(
                None, None, "an alias refers to the node that holds it", node.start_mark
            )
        entered.add(key)
        stack.append((node, True))
        stack.extend((kid, False) for kid in _children(node))


def _compose(text: str) -> tuple[_BoundedLoader, yaml.Node | None]:
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_expansion(node)
    except BaseException:
        loader.dispose()
        raise
    return loader, node


def _yaml_error(exc: yaml.YAMLError, path: Path | None, text: str) -> SuiteError:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None)
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        problem = f"character #x{exc.character:04x} is not allowed"
    hint = (
        "write the values out plainly: no deep nesting, no anchor (&name) used inside itself "
        "or repeated to build a huge value"
        if isinstance(exc, _TooLarge)
        else "write an ordinary number (no .nan or .inf), or quote the value to keep it text"
        if isinstance(exc, _BadValue)
        else "check indentation and quoting"
    )
    return SuiteError(f"not valid YAML: {problem or exc}", path=path, line=line, hint=hint)


def safe_load_yaml(text: str, path: Path | None = None) -> Any:
    """``yaml.safe_load`` for user input, bounded (see :class:`_BoundedLoader`).

    Any YAML problem, an alias bomb, nesting deeper than :data:`MAX_YAML_DEPTH` and non-finite
    numbers (``.nan``, ``.inf``) raise :class:`SuiteError` with the line.
    """
    try:
        loader, node = _compose(text)
        try:
            return None if node is None else loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path, text) from None


def yaml_line(path: Path, text: str, keys: tuple[int | str, ...]) -> int | None:
    """Return the 1-based line of the YAML node at ``keys`` (or its nearest parent)."""
    try:
        loader, node = _compose(text)
        loader.dispose()
    except (yaml.YAMLError, RecursionError):
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
        error = validation_error(exc, model, path, yaml_line(path, read_text(path), loc))
        error.field = _field_path(loc)
        raise SuiteError(
            error.message, path=path, line=error.line, field=error.field, hint=error.hint
        ) from exc


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Load a YAML file as ``model``; errors name the line of the offending key.

    The file is read by :func:`evalcore.files.read_text` and parsed by :func:`safe_load_yaml`.
    """
    text = read_text(path, hint=f"create {path.name}")
    data = safe_load_yaml(text, path)
    if not isinstance(data, dict):
        raise SuiteError(
            "expected a mapping at the top level",
            path=path,
            line=1,
            hint="write 'key: value' lines, e.g. 'name: my-suite'",
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        loc = tuple(exc.errors()[0]["loc"])
        raise validation_error(exc, model, path, yaml_line(path, text, loc)) from exc
