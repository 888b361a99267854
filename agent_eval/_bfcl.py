"""Import BFCL (Berkeley Function Calling Leaderboard) single-turn data as :class:`AgentCase` s.

A BFCL question file has one JSON object per line (``id``, ``question``, ``function``); its
possible-answer file maps the same ids to ``ground_truth``: a list of ``{function: {param:
[acceptable values]}}`` where ``""`` in a list means "may be omitted". See
``tests/data/bfcl/PROVENANCE.txt`` for the formats and BFCL's checking rules.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from evalstage.agent_eval._cases import AgentCase, ExpectedCall
from evalstage.agent_eval._schema import bfcl_function_to_tool, bfcl_type
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.files import write_text_atomic
from evalstage.evalcore.loaders import iter_jsonl

_ID = re.compile(r"^(?P<category>.+?)_(?P<number>\d+(?:-\d+)*)$")
MAX_DICT_EXPANSION = 4096
"""Most literal values one BFCL dict pattern may expand to (see :func:`expand_dict_pattern`)."""

_OMIT = object()


def bfcl_category(bfcl_id: str) -> str:
    """The category of a BFCL id: the id without its trailing ``_<number>`` part.

    ``simple_python_12`` -> ``simple_python``; ``live_simple_0-0-0`` -> ``live_simple``.
    """
    match = _ID.match(bfcl_id)
    if match is None:
        raise ValueError(f"'{bfcl_id}' does not look like a BFCL id (<category>_<number>)")
    return match.group("category")


def expand_dict_pattern(pattern: Mapping[str, Any]) -> list[dict[str, Any]]:
    """All literal dicts a BFCL dict answer accepts.

    BFCL writes a dict-typed answer as a pattern ``{key: [acceptable values]}`` (``""`` in a list:
    the key may be left out). Expanding it gives plain JSON values, which is what
    :class:`ExpectedCall` holds. ``{"a": [1, 2], "b": ["x", ""]}`` gives ``{"a": 1, "b": "x"}``,
    ``{"a": 1}``, ``{"a": 2, "b": "x"}``, ``{"a": 2}``.
    """
    keys = list(pattern)
    choices: list[list[Any]] = []
    total = 1
    for key in keys:
        acceptable = pattern[key]
        values = acceptable if isinstance(acceptable, list) else [acceptable]
        options: list[Any] = [v for v in values if not _is_marker(v)]
        if any(_is_marker(v) for v in values):
            options.append(_OMIT)
        choices.append(options)
        total *= len(options)
        if total > MAX_DICT_EXPANSION:
            raise ValueError(
                f"the dict answer expands to more than {MAX_DICT_EXPANSION} literal values"
            )
    return [
        {key: value for key, value in zip(keys, combo, strict=True) if value is not _OMIT}
        for combo in itertools.product(*choices)
    ]


def _is_marker(value: Any) -> bool:
    return isinstance(value, str) and value == ""


def _expand_answer(value: Any, schema: Mapping[str, Any] | None) -> list[Any]:
    """The literal values one acceptable answer stands for (dict patterns expanded)."""
    kind = bfcl_type(schema)
    if kind == "dict" and isinstance(value, dict):
        return list(expand_dict_pattern(value))
    items = schema.get("items") if schema is not None else None
    if (
        kind in ("array", "tuple")
        and isinstance(items, Mapping)
        and bfcl_type(items) == "dict"
        and isinstance(value, list)
        and value
        and all(isinstance(element, dict) for element in value)
    ):
        per_element = [expand_dict_pattern(element) for element in value]
        size = 1
        for options in per_element:
            size *= len(options)
        if size > MAX_DICT_EXPANSION:
            raise ValueError(
                f"the list-of-dicts answer expands to more than {MAX_DICT_EXPANSION} values"
            )
        return [list(combo) for combo in itertools.product(*per_element)]
    return [value]


def expected_call_from_bfcl(
    name: str, params: Mapping[str, Any], properties: Mapping[str, Any]
) -> ExpectedCall:
    """One BFCL ground-truth call as an :class:`ExpectedCall`.

    ``""`` in an acceptable list puts the argument in ``optional`` and is dropped from the list;
    every other value (``null`` included) is kept. Dict-typed answers (BFCL patterns) are
    expanded to literal dicts with :func:`expand_dict_pattern`.
    """
    arguments: dict[str, list[Any]] = {}
    optional: list[str] = []
    for param, acceptable in params.items():
        if not isinstance(acceptable, list):
            raise ValueError(f"argument '{param}' must map to a list of acceptable values")
        schema = properties.get(param)
        schema = schema if isinstance(schema, Mapping) else None
        values: list[Any] = []
        for value in acceptable:
            if _is_marker(value):
                if param not in optional:
                    optional.append(param)
                continue
            values.extend(_expand_answer(value, schema))
        arguments[param] = values
    return ExpectedCall(name=name, arguments=arguments, optional=optional)


def _short_path(path: Path | None) -> str:
    path = Path(path or "")
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _fail(message: str, path: Path, line: int, field: str, hint: str) -> SuiteError:
    return SuiteError(message, path=path, line=line, field=field, hint=hint)


def _read_answers(path: Path) -> dict[str, tuple[int, list[dict[str, Any]]]]:
    answers: dict[str, tuple[int, list[dict[str, Any]]]] = {}
    for number, record in iter_jsonl(path):
        bfcl_id = record.get("id")
        if not isinstance(bfcl_id, str) or not bfcl_id:
            raise _fail(
                "missing or empty 'id'", path, number, "id", "each answer line needs its BFCL id"
            )
        if bfcl_id in answers:
            raise _fail(
                f"duplicate id '{bfcl_id}' (first on line {answers[bfcl_id][0]})",
                path,
                number,
                "id",
                "keep one answer line per id",
            )
        truth = record.get("ground_truth")
        if not isinstance(truth, list):
            raise _fail(
                "'ground_truth' must be a list of calls",
                path,
                number,
                "ground_truth",
                'write [{"function_name": {"param": [acceptable values]}}, ...]',
            )
        for index, call in enumerate(truth):
            ok = (
                isinstance(call, dict)
                and len(call) == 1
                and isinstance(next(iter(call.values())), dict)
            )
            if not ok:
                raise _fail(
                    "each ground-truth call must be one {function_name: {param: [...]}} object",
                    path,
                    number,
                    f"ground_truth.{index}",
                    'write {"function_name": {"param": [acceptable values]}}',
                )
        answers[bfcl_id] = (number, truth)
    return answers


def _check_question(record: dict[str, Any], path: Path, number: int) -> str:
    bfcl_id = record.get("id")
    if not isinstance(bfcl_id, str) or not bfcl_id:
        raise _fail("missing or empty 'id'", path, number, "id", "give each question its BFCL id")
    if _ID.match(bfcl_id) is None:
        raise _fail(
            f"'{bfcl_id}' does not look like a BFCL id",
            path,
            number,
            "id",
            "BFCL ids are <category>_<number>, e.g. simple_python_0",
        )
    question = record.get("question")
    if not isinstance(question, list) or not question:
        raise _fail(
            "'question' must be a non-empty list of turns",
            path,
            number,
            "question",
            'write [[{"role": "user", "content": "..."}]]',
        )
    if len(question) != 1:
        raise _fail(
            f"'question' has {len(question)} turns; only single-turn BFCL data can be imported",
            path,
            number,
            "question",
            "import the single-turn categories (simple, multiple, parallel, irrelevance, live_*)",
        )
    messages = question[0]
    if (
        not isinstance(messages, list)
        or not messages
        or not all(isinstance(m, dict) and "role" in m for m in messages)
    ):
        raise _fail(
            "'question[0]' must be a non-empty list of {role, content} messages",
            path,
            number,
            "question.0",
            'write [{"role": "user", "content": "..."}]',
        )
    functions = record.get("function")
    if not isinstance(functions, list):
        raise _fail(
            "'function' must be a list of function descriptions",
            path,
            number,
            "function",
            'write [{"name": ..., "description": ..., "parameters": {...}}]',
        )
    return bfcl_id


def _tools(record: dict[str, Any], path: Path, number: int) -> list[dict[str, Any]]:
    tools: list[dict[str, Any]] = []
    for index, function in enumerate(record["function"]):
        if not isinstance(function, dict):
            raise _fail(
                "a function description must be an object",
                path,
                number,
                f"function.{index}",
                'write {"name": ..., "description": ..., "parameters": {...}}',
            )
        try:
            tools.append(bfcl_function_to_tool(function))
        except ValueError as exc:
            raise _fail(
                str(exc),
                path,
                number,
                f"function.{index}",
                "give the function a name and a 'parameters' object",
            ) from exc
    return tools


def import_bfcl(questions: Path, possible_answers: Path | None) -> list[AgentCase]:
    """Read a BFCL question file (and its possible answers) as one :class:`AgentCase` per line.

    ``case_id`` is the BFCL id; ``messages`` is ``question[0]``; ``tools`` are the functions as
    OpenAI function tools (:func:`bfcl_function_to_tool`); ``expected_calls`` come from the
    ground truth (:func:`expected_call_from_bfcl`); ``order`` is ``any`` for the ``parallel``
    categories (BFCL checks them order-free) and ``ordered`` otherwise; ``category`` is the BFCL
    category and ``source`` holds ``bfcl_id``, ``bfcl_category`` and ``bfcl_ground_truth`` (BFCL's
    answer key, verbatim, which the ``bfcl`` checker mode grades against). Without a possible-answer
    file (the irrelevance categories) every case expects no call.

    Raises :class:`SuiteError` naming the file, line and field of bad input.
    """
    questions = Path(questions)
    answers = _read_answers(Path(possible_answers)) if possible_answers is not None else None
    cases: list[AgentCase] = []
    seen: dict[str, int] = {}
    for number, record in iter_jsonl(questions):
        bfcl_id = _check_question(record, questions, number)
        if bfcl_id in seen:
            raise _fail(
                f"duplicate id '{bfcl_id}' (first on line {seen[bfcl_id]})",
                questions,
                number,
                "id",
                "keep one line per id",
            )
        seen[bfcl_id] = number
        category = bfcl_category(bfcl_id)
        tools = _tools(record, questions, number)
        source: dict[str, Any] = {"bfcl_id": bfcl_id, "bfcl_category": category}
        note = f"BFCL {category} case {bfcl_id}, imported from {questions.name}"
        common: dict[str, Any] = {
            "case_id": bfcl_id,
            "messages": record["question"][0],
            "tools": tools,
            "category": category,
            "tags": ["bfcl"],
        }
        if answers is None:
            if "irrelevance" not in category:
                raise _fail(
                    f"no possible-answer file given for category '{category}'",
                    questions,
                    number,
                    "id",
                    "pass the matching possible_answer file (only irrelevance categories have "
                    "none; live_relevance cannot be imported)",
                )
            cases.append(
                AgentCase(
                    **common,
                    expect="no_call",
                    source=source,
                    note=f"{note}; BFCL expects no call",
                )
            )
            continue
        if bfcl_id not in answers:
            raise _fail(
                f"no ground truth for '{bfcl_id}' in {Path(possible_answers or '').name}",
                questions,
                number,
                "id",
                "pass the possible_answer file of the same category",
            )
        answer_line, truth = answers[bfcl_id]
        properties = {
            tool["function"]["name"]: tool["function"]["parameters"].get("properties", {})
            for tool in tools
        }
        expected: list[ExpectedCall] = []
        for index, call in enumerate(truth):
            name, params = next(iter(call.items()))
            try:
                expected.append(expected_call_from_bfcl(name, params, properties.get(name, {})))
            except ValueError as exc:
                raise _fail(
                    str(exc),
                    Path(possible_answers or ""),
                    answer_line,
                    f"ground_truth.{index}.{name}",
                    "each argument maps to a list of acceptable values ('' = may be omitted)",
                ) from exc
        if not expected:
            raise _fail(
                "'ground_truth' is empty",
                Path(possible_answers or ""),
                answer_line,
                "ground_truth",
                "list at least one expected call",
            )
        source["bfcl_ground_truth"] = truth
        cases.append(
            AgentCase(
                **common,
                expected_calls=expected,
                order="any" if "parallel" in category else "ordered",
                source=source,
                note=f"{note}, answers from {_short_path(possible_answers)}",
            )
        )
    if answers is not None:
        for bfcl_id, (line, _) in answers.items():
            if bfcl_id not in seen:
                raise _fail(
                    f"ground truth for '{bfcl_id}', which is not in {questions.name}",
                    Path(possible_answers or ""),
                    line,
                    "id",
                    "pass the question file that matches this possible_answer file",
                )
    return cases


def write_cases_jsonl(cases: Iterable[AgentCase], path: Path) -> Path:
    """Write ``cases`` to ``path`` as JSON Lines, atomically (a temp file, then a rename).

    The file loads back with ``evalcore.load_jsonl(path, AgentCase, id_field="case_id")``.
    """
    text = "".join(case.model_dump_json(exclude_defaults=True) + "\n" for case in cases)
    return write_text_atomic(path, text)
