"""A suite's agent stage: options and validated cases, loaded with errors that say where."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from evalstage.agent_eval._cases import AgentCase
from evalstage.agent_eval._checker._schemas import meta_schema_error, schema_key
from evalstage.agent_eval._probes import validate_agent_probes
from evalstage.evalcore.discipline import check_cases
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.loaders import load_jsonl_numbered
from evalstage.evalcore.suite import StageSpec, Suite, TargetSpec, require_active_cases

STAGE = "agent"


class AgentOptions(BaseModel):
    """The ``options`` of a suite's agent stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["strict", "bfcl"] = Field(
        default="strict", description="strict: JSON Schema + exact values; bfcl: BFCL's rules."
    )
    confidence: float = Field(default=0.95, gt=0.0, lt=1.0)
    variants: list[str] = Field(
        default_factory=list,
        description="Probe variants of the multi-step cases: injection_tool, "
        "injection_exfiltrate, or the family injection (see docs/robustness.md).",
    )
    seed: int = Field(default=13, description="Seed of the probes' canaries.")

    @field_validator("variants")
    @classmethod
    def _known_variants(cls, value: list[str]) -> list[str]:
        return validate_agent_probes(value)


class AgentInputs(BaseModel):
    """A suite's agent stage, loaded and validated."""

    suite_root: Path
    target: TargetSpec
    options: AgentOptions
    cases: list[AgentCase]

    @property
    def active_cases(self) -> list[AgentCase]:
        """Cases new runs score (retired and draft ones are skipped)."""
        return [c for c in self.cases if c.active]


def tool_name(tool: dict[str, object]) -> str | None:
    """The name of an OpenAI function tool (``{"type": "function", "function": {...}}``)."""
    function = tool.get("function")
    if isinstance(function, dict) and isinstance(function.get("name"), str):
        return str(function["name"])
    return None


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def _resolve(schema: dict[str, Any], ref: str) -> Any:
    """The node a local ``$ref`` (``#/$defs/x``) points at, or None."""
    node: Any = schema
    for part in ref[1:].split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _unresolved_ref(schema: dict[str, Any]) -> str | None:
    """The first ``$ref`` that does not point inside the schema itself, if any."""
    for ref in _refs(schema):
        if not ref.startswith("#"):
            return ref  # remote references would need the network
        if _resolve(schema, ref) is None:
            return ref
    return None


_SAME_INSTANCE_LISTS = ("allOf", "anyOf", "oneOf")
_SAME_INSTANCE_SCHEMAS = ("not", "if", "then", "else")


def _same_instance(schema: dict[str, Any], node: Any) -> list[Any]:
    """The subschemas applied to the same value as ``node`` ($ref, allOf, not, ...)."""
    if not isinstance(node, dict):
        return []
    found: list[Any] = []
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        found.append(_resolve(schema, ref))
    for key in _SAME_INSTANCE_LISTS:
        if isinstance(node.get(key), list):
            found.extend(node[key])
    found.extend(node[key] for key in _SAME_INSTANCE_SCHEMAS if key in node)
    if isinstance(node.get("dependentSchemas"), dict):
        found.extend(node["dependentSchemas"].values())
    return [item for item in found if isinstance(item, dict)]


def _ref_cycle(schema: dict[str, Any]) -> bool:
    """Whether ``$ref`` (through allOf, not, ...) leads back to itself without entering a value.

    Such a schema (``A: {$ref: B}, B: {$ref: A}``) can never be checked: validation would recurse
    forever. A recursive schema that goes through ``properties`` or ``items`` (a tree) is fine.
    """
    nodes: list[Any] = [schema]
    stack: list[Any] = [schema]
    while stack:  # every subschema, wherever it sits
        node = stack.pop()
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
        )
        for child in children:
            if isinstance(child, dict | list):
                stack.append(child)
                if isinstance(child, dict):
                    nodes.append(child)
    done: set[int] = set()
    for start in nodes:
        if id(start) in done:
            continue
        path: set[int] = set()
        work: list[tuple[Any, bool]] = [(start, False)]
        while work:
            node, leaving = work.pop()
            if leaving:
                path.discard(id(node))
                done.add(id(node))
                continue
            if id(node) in path:
                return True
            if id(node) in done:
                continue
            path.add(id(node))
            work.append((node, True))
            work.extend((child, False) for child in _same_instance(schema, node))
    return False


_REF_PROBLEMS: dict[str, tuple[str | None, bool]] = {}


def _ref_problems(schema: Any, key: str | None) -> tuple[str | None, bool]:
    """A dict schema's first unresolvable ``$ref`` and whether it has a ``$ref`` cycle.

    Cached by ``key`` (:func:`schema_key`) like the meta-schema check.
    """
    if key is not None and key in _REF_PROBLEMS:
        return _REF_PROBLEMS[key]
    if not isinstance(schema, dict):
        return None, False
    dangling = _unresolved_ref(schema)
    found = (dangling, dangling is None and _ref_cycle(schema))
    if key is not None:
        if len(_REF_PROBLEMS) >= 8192:
            _REF_PROBLEMS.clear()
        _REF_PROBLEMS[key] = found
    return found


def validate_case(case: AgentCase, path: Path, line: int) -> None:
    """Reject tools without names, invalid JSON Schemas and expected calls to unknown tools."""
    names: set[str] = set()
    for i, tool in enumerate(case.tools):
        name = tool_name(tool)
        if name is None:
            raise SuiteError(
                "a tool needs a function name",
                path=path,
                line=line,
                field=f"tools.{i}.function.name",
                hint='write tools as {"type": "function", "function": {"name", "description", '
                '"parameters"}}',
            )
        if name in names:
            raise SuiteError(
                f"tool '{name}' is offered twice",
                path=path,
                line=line,
                field=f"tools.{i}",
                hint="give each tool a unique name",
            )
        names.add(name)
        schema = tool["function"].get("parameters", {})
        key = schema_key(schema)
        exc = meta_schema_error(schema, key)
        if exc is not None:
            where = ".".join(str(p) for p in exc.path)
            raise SuiteError(
                f"tool '{name}' has an invalid JSON Schema: {exc.message}",
                path=path,
                line=line,
                field=f"tools.{i}.function.parameters{'.' + where if where else ''}",
                hint="fix the schema (JSON Schema draft 2020-12)",
            ) from exc
        dangling, cycle = _ref_problems(schema, key)
        if dangling is not None:
            raise SuiteError(
                f"tool '{name}' has a $ref that does not resolve: {dangling}",
                path=path,
                line=line,
                field=f"tools.{i}.function.parameters",
                hint="point $ref at a definition inside the schema, e.g. #/$defs/Location",
            )
        if cycle:
            raise SuiteError(
                f"tool '{name}' has a $ref cycle: a $ref leads back to itself without "
                "entering a property or an item, so no value could ever be checked",
                path=path,
                line=line,
                field=f"tools.{i}.function.parameters",
                hint="make each recursive $ref go through 'properties' or 'items'",
            )
    for t, turn in enumerate(case.expected_turns()):
        for c, call in enumerate(turn.calls):
            if call.name not in names:
                field = (
                    f"turns.{t}.calls.{c}.name"
                    if case.turns is not None
                    else f"expected_calls.{c}.name"
                )
                raise SuiteError(
                    f"expected call to '{call.name}', which is not among the case's tools",
                    path=path,
                    line=line,
                    field=field,
                    hint=f"use one of: {', '.join(sorted(names)) or '(no tools offered)'}",
                )


def load_agent_cases(path: Path) -> list[AgentCase]:
    """Load and check an ``agent.jsonl`` file."""
    return [case for _, case in load_agent_numbered(path)]


def load_agent_numbered(path: Path) -> list[tuple[int, AgentCase]]:
    """Load and check an ``agent.jsonl`` file, each case with its line number."""
    numbered = load_jsonl_numbered(path, AgentCase, id_field="case_id")
    for line, case in numbered:
        validate_case(case, path, line)
    return numbered


def load_agent_inputs(suite: Suite, spec: StageSpec | None = None) -> AgentInputs:
    """Load the agent stage of ``suite``: options and checked cases."""
    spec, options = suite.stage(STAGE, AgentOptions, spec)
    path = suite.path(spec.cases)
    numbered = load_agent_numbered(path)
    check_cases(numbered, path, suite.manifest.version)
    cases = [case for _, case in numbered]
    require_active_cases(STAGE, sum(c.active for c in cases), len(cases), suite.path(spec.cases))
    return AgentInputs(suite_root=suite.root, target=spec.target, options=options, cases=cases)
