"""Schema checks and validators cached by content: same answers, done once per distinct schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalstage.agent_eval import AgentTurn, ToolCall, check_case, import_bfcl, load_agent_cases
from evalstage.agent_eval._checker import _schemas
from evalstage.agent_eval._checker._schemas import (
    meta_schema_error,
    schema_caching,
    schema_key,
    schema_validator,
)
from evalstage.evalcore.errors import SuiteError

BFCL = Path(__file__).resolve().parents[1] / "data" / "bfcl"


def _schema() -> dict[str, object]:
    return {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}


def test_equal_content_shares_one_validator_and_key_order_matters() -> None:
    with schema_caching(True):
        first, second = _schema(), _schema()
        assert first is not second
        assert schema_validator(first) is schema_validator(second)
        reordered = {"required": ["x"], "type": "object", "properties": {"x": {"type": "integer"}}}
        assert schema_key(reordered) != schema_key(first)
        assert schema_validator(reordered) is not schema_validator(first)
        assert [e.message for e in schema_validator(second).iter_errors({"x": "1"})] == [
            "'1' is not of type 'integer'"
        ]


def test_meta_schema_check_runs_once_per_content(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = _schemas.Draft202012Validator.check_schema

    def counting(schema: object) -> None:
        calls.append(schema)
        real(schema)

    monkeypatch.setattr(_schemas.Draft202012Validator, "check_schema", counting)
    with schema_caching(True):
        for _ in range(5):
            assert meta_schema_error(_schema()) is None
            error = meta_schema_error({"type": 5})
            assert error is not None and "5 is not valid" in error.message
        assert len(calls) == 2
    with schema_caching(False):
        for _ in range(3):
            assert meta_schema_error(_schema()) is None
        assert len(calls) == 5


def test_uncacheable_schema_is_still_checked() -> None:
    odd = {"type": "object", "properties": {"x": {"enum": [{1, 2}]}}}  # a set is not JSON
    with schema_caching(True):
        assert schema_key(odd) is None
        assert meta_schema_error(odd) is None
        assert [e.validator for e in schema_validator(odd).iter_errors({"x": 3})] == ["enum"]
        assert schema_validator(odd) is schema_validator(odd)  # same object: found by identity


def _case_line(case_id: str, parameters: object) -> str:
    return json.dumps(
        {
            "case_id": case_id,
            "messages": [{"role": "user", "content": "hi"}],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": parameters}}],
            "expected_calls": [{"name": "f", "arguments": {}}],
        }
    )


def test_cached_invalid_schema_is_reported_on_every_file(tmp_path: Path) -> None:
    bad = {"type": "object", "required": "x"}
    messages = []
    for n in range(2):
        path = tmp_path / f"agent{n}.jsonl"
        lines = [_case_line(f"ok{i}", _schema()) for i in range(n)] + [_case_line("bad", bad)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with schema_caching(True), pytest.raises(SuiteError) as info:
            load_agent_cases(path)
        assert info.value.line == n + 1
        messages.append(info.value.message)
    assert messages[0] == messages[1]
    assert "'x' is not of type 'array'" in messages[0]


@pytest.mark.parametrize("mode", ["strict", "bfcl"])
def test_verdicts_identical_with_and_without_caching(mode: str) -> None:
    cases = import_bfcl(
        BFCL / "BFCL_v4_multiple.json", BFCL / "possible_answer" / "BFCL_v4_multiple.json"
    )[:60]
    outputs = []
    for k, case in enumerate(cases):
        call = case.expected_turns()[0].calls[0]
        args = {name: ok[0] for name, ok in call.arguments.items() if ok and k % 2}
        if k % 3 == 0:
            args = {name: "wrong" for name in call.arguments}
        outputs.append([AgentTurn(tool_calls=[ToolCall(name=call.name, arguments=args)])])
    runs = []
    for enabled in (False, True, True):
        with schema_caching(enabled):
            pairs = zip(cases, outputs, strict=True)
            runs.append([check_case(c, t, mode).model_dump_json() for c, t in pairs])
    assert runs[0] == runs[1] == runs[2]
    assert any('"passed":false' in v for v in runs[0])
    assert any('"passed":true' in v for v in runs[0])
