"""Turn scrubbed exchanges into a draft suite folder: cases per stage, a corpus, a manifest.

Every case is written ``"draft": true`` with what the system did kept under ``source``
(``retrieved``, ``answer_given``, ``calls_made``): a person reviews it, writes the expected
behaviour (``relevant``, ``answers``/``gold_doc_ids``, ``expected_calls``), a note and a
category, and removes the draft flag. Until then runs skip it (``evalstage suite lint`` lists
the drafts waiting).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import BaseModel, Field

from evalstage.evalcore.traffic._record import Exchange
from evalstage.evalcore.traffic._select import Picked


class DraftSuite(BaseModel):
    """The files of an imported suite, as text, before anything is written."""

    files: dict[str, str] = Field(description="Relative path -> content.")
    cases: dict[str, int] = Field(description="Stage -> draft cases written.")


def _doc_id(doc_id: str, text: str) -> str:
    return doc_id or "doc-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def _jsonl(rows: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def _tools(exchange: Exchange) -> list[dict[str, Any]]:
    if exchange.tools:
        return exchange.tools
    names = dict.fromkeys(call.name for call in exchange.tool_calls if call.name)
    return [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": "(imported: only the name was logged; paste the real definition)",
                "parameters": {"type": "object", "properties": {}},
            },
        }
        for name in names
    ]


def build_draft_suite(
    name: str,
    exchanges: Sequence[Exchange],
    picked: Sequence[Picked | None],
    description: str,
) -> DraftSuite:
    """Draft cases for every exchange (already scrubbed), with the suite.yaml to run them."""
    retrieval: list[dict[str, Any]] = []
    rag: list[dict[str, Any]] = []
    agent: list[dict[str, Any]] = []
    corpus: dict[str, str] = {}
    width = max(4, len(str(len(exchanges))))
    for number, (e, pick) in enumerate(zip(exchanges, picked, strict=True), start=1):
        case_id = f"imp-{number:0{width}d}"
        source: dict[str, Any] = {"origin": e.origin, "request_id": e.record_id}
        if pick is not None:
            source["selection"] = {
                "cluster": pick.cluster,
                "stands_for": pick.cluster_size,
                "near_duplicates": pick.near_duplicates,
            }
        signals = list(pick.signals) if pick is not None else []
        if e.error:
            source["error"] = e.error
        if e.feedback is not None:
            source["feedback"] = e.feedback
        if e.latency_ms is not None:
            source["latency_ms"] = round(e.latency_ms, 1)
        base = {"draft": True, "tags": ["imported", *signals], "source": source}
        retrieved = []
        for c in e.contexts:
            doc_id = _doc_id(c.doc_id, c.text)
            if c.text or doc_id not in corpus:
                corpus[doc_id] = corpus.get(doc_id) or c.text
            retrieved.append({"doc_id": doc_id, "score": c.score})
        if retrieved:
            retrieval.append(
                {"query_id": case_id, "query": e.question, "relevant": {}, **base,
                 "source": source | {"retrieved": retrieved}}
            )  # fmt: skip
        if e.answer is not None or retrieved:
            rag.append(
                {"case_id": case_id, "question": e.question, "answers": [], "gold_doc_ids": [],
                 "context_doc_ids": list(dict.fromkeys(r["doc_id"] for r in retrieved)), **base,
                 "source": source | {"answer_given": e.answer, "retrieved": retrieved}}
            )  # fmt: skip
        if e.tool_calls or e.tools:
            messages = e.messages or [{"role": "user", "content": e.question}]
            calls = [{"name": c.name, "arguments": c.arguments} for c in e.tool_calls]
            agent.append(
                {"case_id": case_id, "messages": messages, "tools": _tools(e),
                 "expect": "call" if calls else "no_call", "expected_calls": [], **base,
                 "source": source | {"calls_made": calls, "answer_given": e.answer}}
            )  # fmt: skip
    files: dict[str, str] = {}
    stages: dict[str, Any] = {}
    if corpus:
        files["corpus.jsonl"] = _jsonl(
            [{"doc_id": k, "title": "", "text": v} for k, v in corpus.items()]
        )
    if retrieval:
        files["retrieval.jsonl"] = _jsonl(retrieval)
        stages["retrieval"] = {
            "cases": "retrieval.jsonl",
            "target": {"name": "bm25"},
            "options": {"corpus": "corpus.jsonl", "depth": 10, "pass_measure": "hit@10"},
        }
    if rag:
        files["rag.jsonl"] = _jsonl(rag)
        stages["generation"] = {
            "cases": "rag.jsonl",
            "target": {"name": "extractive"},
            "options": {"corpus": "corpus.jsonl", "variants": []},
        }
        if not corpus:
            files["corpus.jsonl"] = ""
    if agent:
        files["agent.jsonl"] = _jsonl(agent)
        stages["agent"] = {"cases": "agent.jsonl", "target": {"name": "baseline"}}
    manifest = {"name": name, "version": "0.1.0", "description": description, "stages": stages}
    files["suite.yaml"] = (
        "# Imported from traffic by `evalstage suite import`: every case is a draft. Review\n"
        '# each one (expected behaviour, note, category; remove "draft": true), then point\n'
        "# the targets at your system. See docs/traffic.md.\n"
        + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)
    )
    return DraftSuite(
        files=files,
        cases={"retrieval": len(retrieval), "generation": len(rag), "agent": len(agent)},
    )
