"""Input hygiene: BOM, CRLF and gzip read right; the bounds leave ordinary files alone."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from suite_fixtures import write_tiny_suite
from typer.testing import CliRunner

from evalstage.cli.main import app
from evalstage.evalcore import SuiteError, load_jsonl, load_suite
from evalstage.evalcore.files import iter_lines, read_text
from evalstage.evalcore.loaders import MAX_JSON_DEPTH, parse_json, safe_load_yaml
from evalstage.retrieval_eval import (
    EvalOptions,
    RetrievalCase,
    evaluate,
    parse_measures,
    read_qrels,
    read_run,
)

BOM = b"\xef\xbb\xbf"


def test_a_bom_does_not_eat_the_first_qrels_line(tmp_path: Path) -> None:
    """The issue's case: with a BOM the first query's judgements were dropped (map 1.0, not 0.5)."""
    qrels = tmp_path / "q.qrels"
    qrels.write_bytes(BOM + b"q1 0 d1 1\r\nq2 0 d2 1\r\n")
    run = tmp_path / "r.run"
    run.write_bytes(b"q1 Q0 d9 1 2 r\nq1 Q0 d1 2 1 r\nq2 Q0 d2 1 1 r\n")
    judgments = read_qrels(qrels)
    assert judgments == {"q1": {"d1": 1}, "q2": {"d2": 1}}
    ranking, _ = read_run(run)
    (ap,) = parse_measures("map")
    result = evaluate(judgments, ranking, [ap], EvalOptions())
    assert result.aggregate(ap) == pytest.approx(0.75)


def test_bom_crlf_and_gzip_read_the_same_lines(tmp_path: Path) -> None:
    text = (
        b'{"query_id": "q1", "query": "a", "relevant": {}}\n\n'
        b'{"query_id": "q2", "query": "b", "relevant": {}}\n'
    )
    plain = tmp_path / "r.jsonl"
    plain.write_bytes(text)
    variants = {
        "bom.jsonl": BOM + text,
        "crlf.jsonl": text.replace(b"\n", b"\r\n"),
        "r.jsonl.gz": gzip.compress(BOM + text.replace(b"\n", b"\r\n")),
    }
    expected = load_jsonl(plain, RetrievalCase)
    for name, data in variants.items():
        (tmp_path / name).write_bytes(data)
        assert load_jsonl(tmp_path / name, RetrievalCase) == expected, name
        assert [n for n, _ in iter_lines(tmp_path / name)] == [1, 2, 3]
    assert read_text(tmp_path / "crlf.jsonl") == text.decode()


def test_a_suite_with_bom_and_crlf_loads(tmp_path: Path) -> None:
    write_tiny_suite(tmp_path)
    manifest = tmp_path / "suite.yaml"
    manifest.write_bytes(BOM + manifest.read_bytes().replace(b"\n", b"\r\n"))
    assert load_suite(tmp_path).manifest.name == "tiny"


def test_ordinary_anchors_and_aliases_are_fine() -> None:
    text = "base: &t {name: bm25, args: {k1: 1.2}}\nstages: {a: *t, b: *t}\nlist: [&x 1, *x]\n"
    data = safe_load_yaml(text)
    assert data["stages"]["a"] == data["stages"]["b"] == {"name": "bm25", "args": {"k1": 1.2}}
    assert data["list"] == [1, 1]


def test_an_alias_bomb_is_refused_before_expansion() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]")
    with pytest.raises(SuiteError, match="expands") as info:  # before building 10**9 strings
        safe_load_yaml("\n".join(lines), Path("suite.yaml"))
    assert info.value.line is not None and "anchor" in (info.value.hint or "")


@pytest.mark.parametrize("text", [".nan", ".inf", "-.Inf", "1.0e+999"])
def test_yaml_numbers_must_be_finite(text: str) -> None:
    with pytest.raises(SuiteError, match="not finite") as info:
        safe_load_yaml(f"a: 1\nb: {text}\n", Path("s.yaml"))
    assert info.value.line == 2


def test_json_depth_limit_is_exact() -> None:
    ok = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json(ok) is not None
    assert parse_json('{"a": "' + "[" * 500 + '"}') == {"a": "[" * 500}  # brackets in strings
    with pytest.raises(SuiteError, match="nested more than"):
        parse_json("[" + ok + "]")


def test_empty_cases_file_is_no_cases(tmp_path: Path) -> None:
    write_tiny_suite(tmp_path)
    (tmp_path / "retrieval.jsonl").write_text("\n")
    with pytest.raises(SuiteError, match="no cases"):
        load_jsonl(tmp_path / "retrieval.jsonl", RetrievalCase)
    assert load_jsonl(tmp_path / "retrieval.jsonl", RetrievalCase, allow_empty=True) == []


def test_score_max_docs_must_be_positive(tmp_path: Path) -> None:
    (tmp_path / "q").write_text("q1 0 d1 1\n")
    (tmp_path / "r").write_text("q1 Q0 d1 1 1 r\n")
    args = ["retrieval", "score", "--qrels", str(tmp_path / "q"), "--run", str(tmp_path / "r")]
    result = CliRunner().invoke(app, [*args, "-M", "-1"])
    assert result.exit_code == 2 and "-M" in result.output
    assert CliRunner().invoke(app, [*args, "-M", "1"]).exit_code == 0


def test_a_file_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_bytes(
        json.dumps({"query_id": "q1", "query": "a", "relevant": {}}).encode()
        + b"\n"
        + b'{"q": "\xe9"}\n'
    )
    with pytest.raises(SuiteError) as info:
        load_jsonl(path, RetrievalCase)
    assert info.value.line == 2 and "UTF-8" in info.value.render()


def _agent_case(parameters: dict[str, object]) -> dict[str, object]:
    tool = {"type": "function", "function": {"name": "f", "parameters": parameters}}
    return {
        "case_id": "c1",
        "messages": [{"role": "user", "content": "x"}],
        "tools": [tool],
        "expected_calls": [{"name": "f", "arguments": {"a": [1]}}],
    }


def test_a_ref_cycle_is_refused_but_a_recursive_tree_is_fine(tmp_path: Path) -> None:
    from evalstage.agent_eval import load_agent_cases

    tree = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
            }
        },
        "type": "object",
        "properties": {"a": {"type": "integer"}, "t": {"$ref": "#/$defs/Node"}},
    }
    path = tmp_path / "agent.jsonl"
    path.write_text(json.dumps(_agent_case(tree)) + "\n")
    assert len(load_agent_cases(path)) == 1
    path.write_text(json.dumps(_agent_case({"type": "object", "not": {"$ref": "#"}})) + "\n")
    with pytest.raises(SuiteError, match=r"\$ref cycle"):
        load_agent_cases(path)


def test_deeply_nested_string_arguments_fail_that_case_only(tmp_path: Path) -> None:
    from evalstage.agent_eval import AgentContext, load_agent_cases, load_outputs, score_agent

    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    cases = tmp_path / "agent.jsonl"
    cases.write_text(json.dumps(_agent_case(schema)) + "\n")
    raw = '{"a": 1, "x": ' + "[" * 3000 + "]" * 3000 + "}"
    outputs = tmp_path / "out.jsonl"
    outputs.write_text(
        json.dumps({"case_id": "c1", "tool_calls": [{"name": "f", "arguments": raw}]})
    )
    context = AgentContext(
        cases=load_agent_cases(cases), turns=load_outputs(outputs), errors={}, mode="strict"
    )
    (result,) = score_agent(context).results
    assert result.outcome != "pass"
