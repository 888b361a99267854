from __future__ import annotations

from pathlib import Path

import pytest

from evalstage.evalcore import SuiteError, load_jsonl, load_suite
from evalstage.retrieval_eval import RetrievalCase


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_bad_json_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", '{"query_id": "1", "query": "a", "relevant": {}}\n{oops\n')
    with pytest.raises(SuiteError) as info:
        load_jsonl(path, RetrievalCase)
    assert info.value.line == 2
    assert f"{path}:2:" in str(info.value)
    assert "how to fix" in str(info.value)


def test_missing_field_names_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path / "r.jsonl", '\n{"query_id": "1", "relevant": {"d": 1}}\n')
    with pytest.raises(SuiteError) as info:
        load_jsonl(path, RetrievalCase)
    assert (info.value.line, info.value.field) == (2, "query")


def test_misspelt_field_lists_known_fields(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.jsonl", '{"query_id": "1", "query": "a", "relevant": {}, "catgory": "x"}\n'
    )
    with pytest.raises(SuiteError) as info:
        load_jsonl(path, RetrievalCase)
    assert info.value.field == "catgory"
    assert "category" in (info.value.hint or "")


def test_wrong_type_inside_nested_field(tmp_path: Path) -> None:
    path = write(
        tmp_path / "r.jsonl", '{"query_id": "1", "query": "a", "relevant": {"d1": "high"}}\n'
    )
    with pytest.raises(SuiteError) as info:
        load_jsonl(path, RetrievalCase)
    assert info.value.field == "relevant.d1"


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    line = '{"query_id": "1", "query": "a", "relevant": {}}\n'
    path = write(tmp_path / "r.jsonl", line + line)
    with pytest.raises(SuiteError) as info:
        load_jsonl(path, RetrievalCase, id_field="query_id")
    assert info.value.line == 2 and "first seen on line 1" in str(info.value)


def test_common_case_fields_default_and_retire() -> None:
    case = RetrievalCase(query_id="1", query="a", relevant={"d": 1}, retired_in="2.0")
    assert case.retired and case.category == "uncategorized" and case.canary is False


def test_manifest_error_points_at_yaml_line(tmp_path: Path) -> None:
    write(
        tmp_path / "suite.yaml",
        "name: s\nversion: '1'\nstages:\n  retrieval:\n    cases: r.jsonl\n    target:\n"
        "      name: bm25\n      argz: {}\n",
    )
    with pytest.raises(SuiteError) as info:
        load_suite(tmp_path)
    assert info.value.line == 8
    assert info.value.field == "stages.retrieval.target.argz"


def test_unknown_stage_is_rejected_with_its_line(tmp_path: Path) -> None:
    write(
        tmp_path / "suite.yaml",
        "name: s\nversion: '1'\nstages:\n  retreival:\n"
        "    cases: r.jsonl\n    target: {name: bm25}\n",
    )
    with pytest.raises(SuiteError) as info:
        load_suite(tmp_path)
    assert info.value.line == 4 and "retrieval" in (info.value.hint or "")


def test_invalid_yaml_reports_line(tmp_path: Path) -> None:
    write(tmp_path / "suite.yaml", "name: s\nversion: '1'\nstages:\n  - [unclosed\n")
    with pytest.raises(SuiteError) as info:
        load_suite(tmp_path)
    assert info.value.line is not None and "YAML" in info.value.message


def test_suite_hash_changes_with_content(tiny_suite: Path) -> None:
    first = load_suite(tiny_suite).content_hash
    assert load_suite(tiny_suite).content_hash == first
    with (tiny_suite / "retrieval.jsonl").open("a") as handle:
        handle.write('{"query_id": "q9", "query": "x", "relevant": {"d1": 1}}\n')
    assert load_suite(tiny_suite).content_hash != first
