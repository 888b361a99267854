"""Suite discipline: notes and categories on reviewed cases, drafts skipped, retirement recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from suite_fixtures import write_tiny_suite

from evalstage.evalcore.discipline import case_problems, parse_version
from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.suite import load_suite
from evalstage.retrieval_eval import RetrievalCase, load_retrieval_inputs


def _rewrite(folder: Path, line: int, **changes: object) -> None:
    path = folder / "retrieval.jsonl"
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    for key, value in changes.items():
        if value is None:
            rows[line - 1].pop(key, None)
        else:
            rows[line - 1][key] = value
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _load_error(folder: Path) -> SuiteError:
    with pytest.raises(SuiteError) as info:
        load_retrieval_inputs(load_suite(folder))
    return info.value


def test_a_reviewed_case_without_a_note_names_file_line_and_field(tmp_path: Path) -> None:
    folder = write_tiny_suite(tmp_path / "s")
    _rewrite(folder, 3, note=None)
    error = _load_error(folder)
    assert (error.line, error.field) == (3, "note")
    assert error.path is not None and error.path.endswith("retrieval.jsonl")
    assert "draft" in (error.hint or "")


def test_a_reviewed_case_without_a_category_is_refused(tmp_path: Path) -> None:
    folder = write_tiny_suite(tmp_path / "s")
    _rewrite(folder, 2, category=None)
    error = _load_error(folder)
    assert (error.line, error.field) == (2, "category")


def test_a_draft_needs_neither_and_is_not_run(tmp_path: Path) -> None:
    folder = write_tiny_suite(tmp_path / "s")
    _rewrite(folder, 2, note=None, category=None, draft=True)
    inputs = load_retrieval_inputs(load_suite(folder))
    assert [c.query_id for c in inputs.active_cases] == ["q1", "q3", "q4"]
    assert len(inputs.cases) == 4


def test_a_suite_of_drafts_only_says_to_review_them(tmp_path: Path) -> None:
    folder = write_tiny_suite(tmp_path / "s")
    for line in range(1, 5):
        _rewrite(folder, line, draft=True)
    error = _load_error(folder)
    assert "no active cases" in error.message
    assert "review the drafts" in (error.hint or "")


def test_retirement_needs_reason_and_date(tmp_path: Path) -> None:
    folder = write_tiny_suite(tmp_path / "s")  # suite version 0.1
    _rewrite(folder, 1, retired_in="0.1")
    assert _load_error(folder).field == "retired_reason"
    _rewrite(folder, 1, retired_reason="saturated: passed by every target for 30 runs")
    assert _load_error(folder).field == "retired_on"
    _rewrite(folder, 1, retired_on="2026-11-30")
    inputs = load_retrieval_inputs(load_suite(folder))
    assert "q1" not in [c.query_id for c in inputs.active_cases]


def test_retired_in_must_not_be_later_than_the_suite_version(tmp_path: Path) -> None:
    folder = write_tiny_suite(tmp_path / "s")  # version 0.1
    _rewrite(folder, 1, retired_in="0.10", retired_reason="r", retired_on="2026-11-30")
    error = _load_error(folder)
    assert error.field == "retired_in" and "later than" in error.message
    assert error.line == 1


@pytest.mark.parametrize(
    ("older", "newer"),
    [("0.9", "0.10"), ("1.2.0", "1.10.0"), ("1.0.0-rc.1", "1.0.0"), ("v1.0", "1.0.1"), ("2", "10")],
)
def test_versions_compare_numerically(older: str, newer: str) -> None:
    a, b = parse_version(older), parse_version(newer)
    assert a is not None and b is not None and a < b


def test_an_unreadable_retired_in_is_a_problem() -> None:
    case = RetrievalCase(
        query_id="q", query="x", relevant={}, note="n", category="c",
        retired_in="last tuesday", retired_reason="r", retired_on="2026-01-01",
    )  # fmt: skip
    assert [p.field for p in case_problems(case, "1.0")] == ["retired_in"]


def test_a_well_kept_case_has_no_problem() -> None:
    case = RetrievalCase(query_id="q", query="x", relevant={"d": 1}, note="n", category="c")
    assert case_problems(case, "1.0") == []
