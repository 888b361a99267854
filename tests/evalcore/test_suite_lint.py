"""``suite lint`` findings: duplicates, near-duplicates, balance, drafts, discipline."""

from __future__ import annotations

from evalstage.evalcore.suite_lint import LintCase, lint_cases
from evalstage.retrieval_eval import RetrievalCase


def _case(qid: str, query: str, category: str = "c", **extra: object) -> LintCase:
    fields: dict = {"note": "n", "category": category} | extra
    case = RetrievalCase(query_id=qid, query=query, relevant={"d": 1}, **fields)
    return LintCase("retrieval", qid, "r.jsonl", int(qid[1:]), query, case)


def test_exact_duplicates_are_errors_and_near_duplicates_warnings() -> None:
    report = lint_cases("s", "1.0", [
        _case("q1", "does aspirin prevent heart attacks", "a"),
        _case("q2", "Does aspirin prevent heart attacks?", "b"),
        _case("q3", "does aspirin prevent heart attacks in adults", "c"),
        _case("q4", "statins and cholesterol", "d"),
    ])  # fmt: skip
    rules = {(f.rule, f.severity, tuple(f.case_ids)) for f in report.findings}
    assert ("duplicate", "error", ("q1", "q2")) in rules
    near = [f for f in report.findings if f.rule == "near_duplicate"]
    assert [f.case_ids for f in near] == [["q1", "q3"]]
    assert report.errors == 1


def test_a_dominant_category_and_single_case_categories_are_reported() -> None:
    cases = [_case(f"q{i}", f"question number {i} about topic{i}", "big") for i in range(1, 9)]
    cases.append(_case("q9", "something else entirely", "small"))
    report = lint_cases("s", "1.0", cases)
    balance = [f.message for f in report.findings if f.rule == "balance"]
    assert any("'big' holds 8 of 9" in m for m in balance)
    assert any("single case: small" in m for m in balance)
    assert report.errors == 0
    assert report.stages["retrieval"].categories == {"big": 8, "small": 1}


def test_drafts_are_counted_and_missing_notes_are_errors() -> None:
    draft = _case("q1", "a draft question", draft=True, note="")
    bare = LintCase(
        "retrieval", "q2", "r.jsonl", 2, "no note here",
        RetrievalCase(query_id="q2", query="no note here", relevant={}),
    )  # fmt: skip
    report = lint_cases("s", "1.0", [draft, bare])
    assert report.stages["retrieval"].drafts == 1
    assert {f.rule for f in report.findings} >= {"draft", "missing_note", "missing_category"}
    assert report.summary() == "2 errors, 1 warning, 1 draft waiting for review"


def test_an_invalid_line_is_an_error_with_its_line() -> None:
    bad = LintCase("retrieval", "q7", "r.jsonl", 7, "", None, "Field required")
    report = lint_cases("s", "1.0", [bad])
    assert [(f.rule, f.line) for f in report.findings] == [("invalid", 7)]
