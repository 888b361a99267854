"""Small suites written to disk for tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TINY_DOCS = [
    ("d1", "Aspirin", "Aspirin reduces the risk of heart attack in adults."),
    ("d2", "Statins", "Statins lower cholesterol and cardiovascular events."),
    ("d3", "Vitamin D", "Vitamin D supplements do not prevent fractures in older adults."),
    ("d4", "Sleep", "Short sleep duration is associated with obesity in children."),
    ("d5", "Coffee", "Coffee consumption is linked to lower risk of liver disease."),
]
TINY_QUERIES = [
    ("q1", "does aspirin prevent heart attack", {"d1": 1}, "cardio"),
    ("q2", "cholesterol lowering statins", {"d2": 2, "d1": 0}, "cardio"),
    ("q3", "vitamin d fractures", {"d3": 1}, "bones"),
    ("q4", "sleep and obesity in children", {"d4": 1}, "sleep"),
]


def write_tiny_suite(folder: Path, target: str = "bm25", extra_options: str = "") -> Path:
    """A four-query suite over five documents."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "corpus.jsonl").open("w") as handle:
        for doc_id, title, text in TINY_DOCS:
            handle.write(json.dumps({"doc_id": doc_id, "title": title, "text": text}) + "\n")
    with (folder / "retrieval.jsonl").open("w") as handle:
        for qid, query, relevant, category in TINY_QUERIES:
            record = {
                "query_id": qid,
                "query": query,
                "relevant": relevant,
                "category": category,
                "note": f"guards {category}",
            }
            handle.write(json.dumps(record) + "\n")
    (folder / "suite.yaml").write_text(
        "name: tiny\n"
        "version: '0.1'\n"
        "stages:\n"
        "  retrieval:\n"
        "    cases: retrieval.jsonl\n"
        "    target:\n"
        f"      name: {target}\n"
        "    options:\n"
        "      depth: 5\n"
        "      measures: [ndcg@3, recall@3, mrr]\n"
        "      pass_measure: hit@1\n"
        f"{extra_options}"
    )
    return folder


TINY_RAG = [
    {
        "case_id": "g1",
        "note": "guards g1",
        "question": "What does aspirin reduce in adults?",
        "answers": ["the risk of heart attack", "heart attack risk"],
        "gold_doc_ids": ["d1"],
        "category": "entity",
        "canary": True,
    },
    {
        "case_id": "g2",
        "note": "guards g2",
        "question": "Do vitamin D supplements prevent fractures in older adults?",
        "answers": ["no"],
        "gold_doc_ids": ["d3"],
        "gold_sentences": {"d3": [0]},
        "category": "yes_no",
    },
    {
        "case_id": "g3",
        "note": "guards g3",
        "question": "Which drug class lowers cholesterol?",
        "answers": ["Statins"],
        "gold_doc_ids": ["d2"],
        "category": "entity",
    },
    {
        "case_id": "g4",
        "note": "guards g4",
        "question": "What dose of coffee protects the liver?",
        "expect": "abstain",
        "context_doc_ids": ["d5"],
        "category": "abstain",
    },
]


def write_tiny_rag_suite(folder: Path, target: str = "extractive", target_args: str = "") -> Path:
    """The tiny suite plus a generation stage of four cases over its five documents."""
    write_tiny_suite(folder)
    with (folder / "rag.jsonl").open("w") as handle:
        for case in TINY_RAG:
            handle.write(json.dumps({**case, "note": f"guards {case['category']}"}) + "\n")
    with (folder / "suite.yaml").open("a") as handle:
        handle.write(
            "  generation:\n"
            "    cases: rag.jsonl\n"
            "    target:\n"
            f"      name: {target}\n"
            f"{target_args}"
            "    options:\n"
            "      contexts: end_to_end\n"
            "      top_k: 2\n"
            "      distractors: 1\n"
        )
    return folder


def write_beir_suite(root: Path) -> Path:
    """A retrieval-only suite whose cases are a three-document BEIR folder (``beir/``)."""
    beir = root / "beir"
    (beir / "qrels").mkdir(parents=True)
    (beir / "corpus.jsonl").write_text(
        '{"_id": "d1", "title": "Aspirin", "text": "aspirin prevents heart attacks"}\n'
        '{"_id": "d2", "title": "Statins", "text": "statins lower cholesterol"}\n'
        '{"_id": "d3", "title": "Sleep", "text": "sleep and obesity"}\n'
    )
    (beir / "queries.jsonl").write_text(
        '{"_id": "q1", "text": "heart attack aspirin"}\n{"_id": "q2", "text": "cholesterol"}\n'
    )
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n")
    (root / "suite.yaml").write_text(
        "name: b\nversion: '1'\nstages:\n  retrieval:\n    cases: beir\n"
        "    target: {name: bm25}\n    options: {beir: beir, measures: [mrr]}\n"
    )
    return root


def write_rag_questions_as_retrieval(folder: Path) -> None:
    """retrieval.jsonl holding the tiny RAG questions, their gold documents as the qrels.

    An end-to-end system answers both stages from one call per question.
    """
    with (folder / "retrieval.jsonl").open("w") as handle:
        for case in TINY_RAG:
            relevant = {d: 1 for d in case.get("gold_doc_ids") or case["context_doc_ids"]}
            record = {"query_id": case["case_id"], "query": case["question"], "relevant": relevant}
            reviewed = {"category": case["category"], "note": f"guards {case['case_id']}"}
            handle.write(json.dumps(record | reviewed) + "\n")


def reviewed(cases: list[dict[str, Any]], category: str = "tools") -> list[dict[str, Any]]:
    """``cases`` with the note and category a reviewed case needs (where they have none)."""
    return [{"category": category, "note": f"guards {c['case_id']}"} | c for c in cases]


def string_tool(name: str) -> dict[str, Any]:
    """An OpenAI-style tool ``name`` taking one required string argument ``x``."""
    parameters = {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}
    function = {"name": name, "description": name, "parameters": parameters}
    return {"type": "function", "function": function}
