"""Small generation-stage fixtures: a corpus, cases and a lexical pair scorer for our protocol.

``LexicalScorer`` implements evalstage's own ``PairScorer`` protocol with a transparent rule so
that the stage's decision logic can be tested independently of the learned verifier.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from evalstage.generation_eval import CorpusDoc, RagCase

_WORD = re.compile(r"[a-z0-9]+(?:\.\d+)?")
_STOP = {"the", "a", "an", "of", "in", "and", "was", "were", "is", "are", "to", "with", "by"}


def _tokens(text: str) -> set[str]:
    return {t for t in _WORD.findall(text.lower()) if t not in _STOP}


class LexicalScorer:
    """Supported when every content word of the hypothesis is in the premise; contradicted when
    the hypothesis holds a number the premise lacks while the premise has numbers."""

    granularity = "sentence"

    def __init__(self) -> None:
        self.calls = 0

    @property
    def identity(self) -> str:
        return "test:lexical@1"

    def describe(self) -> dict[str, Any]:
        return {"kind": "lexical-test"}

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        self.calls += 1
        rows = []
        for premise, hypothesis in pairs:
            p, h = _tokens(premise), _tokens(hypothesis)
            p_nums = {t for t in p if t[0].isdigit()}
            h_nums = {t for t in h if t[0].isdigit()}
            if h and h <= p:
                rows.append([0.9, 0.05, 0.05])
            elif p_nums and h_nums - p_nums and len(h - p) <= len(h_nums - p_nums):
                rows.append([0.05, 0.9, 0.05])
            else:
                rows.append([0.05, 0.05, 0.9])
        return np.asarray(rows, dtype=np.float64).reshape(-1, 3)


DOCS = [
    CorpusDoc(
        doc_id="d1",
        title="Aspirin trial",
        text="We enrolled 412 patients. Aspirin reduced stroke risk by 32% over five years.",
        sentences=[
            "We enrolled 412 patients.",
            "Aspirin reduced stroke risk by 32% over five years.",
        ],
    ),
    CorpusDoc(
        doc_id="d2",
        title="Gene study",
        text="The BRCA1 gene was mutated in most tumours. Expression of TP53 was normal.",
        sentences=["The BRCA1 gene was mutated in most tumours.", "Expression of TP53 was normal."],
    ),
    CorpusDoc(
        doc_id="d3",
        title="Aspirin cohort",
        text="A cohort of aspirin users showed fewer strokes. Bleeding was more common.",
    ),
    CorpusDoc(
        doc_id="d4",
        title="Statin review",
        text="Statins did not reduce stroke risk in this review of 12 trials.",
        sentences=["Statins did not reduce stroke risk in this review of 12 trials."],
    ),
    CorpusDoc(doc_id="d5", title="Unrelated", text="Coral reefs bleach when water warms."),
]
DOCUMENTS = {d.doc_id: d for d in DOCS}

CASES = [
    RagCase(
        case_id="num",
        question="By how much did aspirin reduce stroke risk?",
        answers=["32%", "32 percent"],
        gold_doc_ids=["d1"],
        gold_sentences={"d1": [1]},
        category="number",
        canary=True,
    ),
    RagCase(
        case_id="ent",
        question="Which gene was mutated in most tumours?",
        answers=["BRCA1"],
        gold_doc_ids=["d2"],
        category="entity",
    ),
    RagCase(
        case_id="yn",
        question="Did statins reduce stroke risk?",
        answers=["no"],
        gold_doc_ids=["d4"],
        gold_sentences={"d4": [0]},
        category="yes_no",
    ),
    RagCase(
        case_id="abs",
        question="What dose of aspirin was used?",
        expect="abstain",
        context_doc_ids=["d3"],
        category="abstain",
    ),
]


def fake_search(queries: dict[str, str], k: int) -> dict[str, list[str]]:
    """A deterministic ranking: documents sharing most words with the query first."""
    out = {}
    for qid, text in queries.items():
        q = _tokens(text)
        ranked = sorted(DOCS, key=lambda d: (-len(q & _tokens(d.text)), d.doc_id))
        out[qid] = [d.doc_id for d in ranked][:k]
    return out
