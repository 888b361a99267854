"""BFCL function descriptions -> JSON Schema and OpenAI function tools.

BFCL writes parameter types in its own vocabulary (``dict``, ``float``, ``tuple``, ``any`` and, in
its Java/JavaScript files, ``String``, ``HashMap``, ``long`` ...). :func:`bfcl_to_json_schema`
turns one such node into JSON Schema (Draft 2020-12) and keeps the original type under the vendor
key ``x-bfcl-type`` on every node, because BFCL's own checker distinguishes what JSON Schema does
not (``float`` vs ``integer`` coercion, ``tuple`` vs ``array``, ``any`` meaning "a string").
:func:`bfcl_type` reads it back (or derives it from a plain JSON Schema node).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BFCL_TYPE_KEY = "x-bfcl-type"
"""Vendor key under which the original BFCL type of a schema node is kept."""

_TO_JSON_TYPE: dict[str, str | None] = {
    # BFCL's Python vocabulary
    "dict": "object",
    "integer": "integer",
    "float": "number",
    "string": "string",
    "boolean": "boolean",
    "array": "array",
    "tuple": "array",
    "any": None,
    # BFCL's Java / JavaScript vocabulary (values are written as language literals there)
    "String": "string",
    "char": "string",
    "Array": "array",
    "ArrayList": "array",
    "List": "array",
    "Set": "array",
    "HashMap": "object",
    "Map": "object",
    "Hashtable": "object",
    "long": "integer",
    "int": "integer",
    "short": "integer",
    "byte": "integer",
    "double": "number",
    "Boolean": "boolean",
    # already JSON Schema
    "object": "object",
    "number": "number",
    "null": "null",
}

# Keywords copied as they are (they mean the same in JSON Schema); anything else that is not a
# known keyword is kept under "x-bfcl-<key>" so that nothing is lost and validators ignore it.
_PASSTHROUGH = frozenset(
    {
        "description",
        "enum",
        "const",
        "default",
        "format",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "title",
        "examples",
    }
)
_KEEP = _PASSTHROUGH | {"required", "additionalProperties"}

# JSON Schema type -> the BFCL type with the same checking rule (used for hand-written tools).
_DERIVED_FROM_JSON: dict[str, str] = {
    "object": "dict",
    "integer": "integer",
    "number": "float",
    "string": "string",
    "boolean": "boolean",
    "array": "array",
}


def bfcl_to_json_schema(node: Mapping[str, Any]) -> dict[str, Any]:
    """Convert one BFCL parameter node (and everything under it) to JSON Schema.

    ``dict`` -> ``object``, ``float``/``double`` -> ``number``, ``tuple``/``ArrayList``/``Array``
    -> ``array``, ``HashMap`` -> ``object``, ``long`` -> ``integer``, ``String`` -> ``string``,
    ``Boolean`` -> ``boolean``; ``any`` (and an unknown or empty type) gives a node without
    ``type``. ``properties``, ``items`` and ``additionalProperties`` are converted recursively;
    ``required``, ``enum``, ``default`` and ``description`` are kept. The original type is kept
    under ``x-bfcl-type``.
    """
    out: dict[str, Any] = {}
    raw_type = node.get("type")
    if isinstance(raw_type, str):
        json_type = _TO_JSON_TYPE.get(raw_type)
        if json_type is not None:
            out["type"] = json_type
        out[BFCL_TYPE_KEY] = raw_type
    elif isinstance(raw_type, list):  # already a JSON Schema type list
        out["type"] = [_TO_JSON_TYPE.get(t, t) if isinstance(t, str) else t for t in raw_type]
    for key, value in node.items():
        if key in ("type", BFCL_TYPE_KEY):
            continue
        if key == "properties" and isinstance(value, Mapping):
            out["properties"] = {
                str(name): bfcl_to_json_schema(sub) if isinstance(sub, Mapping) else {}
                for name, sub in value.items()
            }
        elif key == "items" and isinstance(value, Mapping):
            out["items"] = bfcl_to_json_schema(value)
        elif key == "additionalProperties" and isinstance(value, Mapping):
            out["additionalProperties"] = bfcl_to_json_schema(value)
        elif key in _KEEP or key.startswith("x-"):
            out[key] = value
        else:
            out[f"x-bfcl-{key}"] = value
    return out


def bfcl_function_to_tool(function: Mapping[str, Any]) -> dict[str, Any]:
    """Turn a BFCL function description into an OpenAI function tool.

    Returns ``{"type": "function", "function": {"name", "description", "parameters"}}`` where
    ``parameters`` is :func:`bfcl_to_json_schema` of BFCL's parameters with
    ``additionalProperties: false`` at the top level (BFCL never accepts an argument that the
    schema does not declare) and ``required`` always present.
    """
    name = function.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("a BFCL function needs a non-empty string 'name'")
    raw_parameters = function.get("parameters", {"type": "dict", "properties": {}})
    if not isinstance(raw_parameters, Mapping):
        raise ValueError(f"function '{name}': 'parameters' must be an object")
    parameters = bfcl_to_json_schema(raw_parameters)
    parameters.setdefault("type", "object")
    parameters.setdefault("properties", {})
    parameters.setdefault("required", [])
    parameters.setdefault("additionalProperties", False)
    description = function.get("description", "")
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description if isinstance(description, str) else str(description),
            "parameters": parameters,
        },
    }


def bfcl_type(schema: Mapping[str, Any] | None) -> str | None:
    """The BFCL type of a schema node: ``x-bfcl-type`` if present, else derived from ``type``.

    A plain JSON Schema node maps back as ``object`` -> ``dict``, ``number`` -> ``float``,
    ``integer``/``string``/``boolean``/``array`` unchanged; no type (or a list of types) gives
    ``None`` (BFCL has no equivalent; the checker then skips its type rule).
    """
    if schema is None:
        return None
    original = schema.get(BFCL_TYPE_KEY)
    if isinstance(original, str):
        return original
    json_type = schema.get("type")
    if isinstance(json_type, str):
        return _DERIVED_FROM_JSON.get(json_type)
    return None


def tool_function(tool: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The function part of a tool: ``tool["function"]`` (OpenAI shape) or the tool itself."""
    inner = tool.get("function")
    if isinstance(inner, Mapping):
        return inner
    if isinstance(tool.get("name"), str):
        return tool
    return None
