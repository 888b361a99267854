"""Bad rag.jsonl lines and generation options get errors that name file, line and field."""

import json
from pathlib import Path

import pytest

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.suite import load_suite
from evalstage.generation_eval import load_generation_inputs

DOCS = [
    {"doc_id": "d1", "title": "T", "text": "Aspirin cut risk by 32%.", "sentences": ["x"]},
    {"doc_id": "d2", "title": "U", "text": "Unrelated."},
]
GOOD = {
    "case_id": "c1", "question": "How much?", "answers": ["32%"], "gold_doc_ids": ["d1"],
    "note": "the percentage", "category": "number",
}  # fmt: skip


def _suite(tmp_path: Path, cases: list[dict], options: str = "") -> Path:
    (tmp_path / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in DOCS) + "\n")
    (tmp_path / "rag.jsonl").write_text("\n".join(json.dumps(c) for c in cases) + "\n")
    (tmp_path / "suite.yaml").write_text(
        "name: t\nversion: '1'\nstages:\n  generation:\n    cases: rag.jsonl\n"
        f"    target:\n      name: extractive\n    options:\n      corpus: corpus.jsonl\n{options}"
    )
    return tmp_path


def test_a_good_suite_loads(tmp_path: Path):
    inputs = load_generation_inputs(load_suite(_suite(tmp_path, [GOOD])))
    assert [c.case_id for c in inputs.cases] == ["c1"] and set(inputs.documents) == {"d1", "d2"}


@pytest.mark.parametrize(
    ("bad", "field", "hint"),
    [
        ({**GOOD, "answers": []}, "answers", "acceptable answers"),
        ({**GOOD, "gold_doc_ids": []}, "gold_doc_ids", "gold_doc_ids"),
        ({**GOOD, "gold_doc_ids": ["nope"]}, "gold_doc_ids.0", "not in the corpus"),
        ({**GOOD, "expect": "maybe"}, "expect", "one of"),
        ({**GOOD, "gold_sentences": {"d1": [4]}}, "gold_sentences.d1.0", "below 1"),
        ({**GOOD, "gold_sentences": {"d2": [0]}}, "gold_sentences.d2", "gold_doc_ids"),
        ({**GOOD, "expect": "abstain", "gold_doc_ids": [], "answers": []}, "context_doc_ids", ""),
        ({**GOOD, "expect": "flag_conflict"}, "gold_doc_ids", "disagree"),
        ({**GOOD, "answer": "32%"}, "answer", "known fields"),
    ],
)
def test_bad_case_lines_say_where_and_how_to_fix(tmp_path: Path, bad, field, hint):
    with pytest.raises(SuiteError) as info:
        load_generation_inputs(load_suite(_suite(tmp_path, [GOOD, {**bad, "case_id": "c2"}])))
    error = info.value
    assert error.path and error.path.endswith("rag.jsonl") and error.line == 2
    assert error.field == field
    assert hint in (error.message + (error.hint or ""))


def test_duplicate_ids_and_bad_options(tmp_path: Path):
    with pytest.raises(SuiteError) as info:
        load_generation_inputs(load_suite(_suite(tmp_path, [GOOD, GOOD])))
    assert info.value.line == 2 and "duplicate" in info.value.message
    with pytest.raises(SuiteError) as info:
        load_generation_inputs(
            load_suite(_suite(tmp_path, [GOOD], "      variants: [missing, noisy_context]\n"))
        )
    assert info.value.field and info.value.field.startswith("stages.generation.options.variants")
