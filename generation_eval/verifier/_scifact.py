"""SciFact claims for training and validating the verifier: splits, pairs and claim-level items.

Claims come from the packaged copy in ``data/`` (CC BY 4.0, see ``data/README.md``); abstracts
from a SciFact corpus JSONL (``doc_id``, ``sentences``). Claims are split train/dev/test by
connected groups of cited abstracts, so no abstract is shared across splits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evalcore.loaders import iter_jsonl
from generation_eval.verifier._protocol import Label
from generation_eval.verifier._windows import lexical_overlap

__all__ = [
    "CLAIMS_PATH",
    "Claim",
    "ClaimItem",
    "Example",
    "claim_items",
    "load_claims",
    "load_corpus",
    "real_pairs",
    "split_claims",
]

CLAIMS_PATH = Path(__file__).resolve().parent / "data" / "scifact_claims_train.jsonl"
SPLIT_SHARES = (60, 20, 20)
_LABEL = {"SUPPORT": "supported", "CONTRADICT": "contradicted"}


@dataclass(frozen=True)
class Claim:
    """A SciFact claim: evidence maps a doc id to its rationale sets ``(label, indices)``."""

    id: int
    text: str
    cited: tuple[str, ...]
    evidence: dict[str, list[tuple[Label, tuple[int, ...]]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Example:
    """A training or evaluation pair with its label, weight and where it came from."""

    premise: str
    hypothesis: str
    label: Label
    weight: float
    source: str


@dataclass(frozen=True)
class ClaimItem:
    """A claim against one whole cited abstract, with the gold label for that abstract."""

    claim_id: int
    claim: str
    doc_id: str
    abstract: str
    label: Label


def _iter_json(path: Path) -> Iterator[dict[str, Any]]:
    for _, row in iter_jsonl(path):  # plain or gzipped; bad bytes are a SuiteError
        yield row


def load_claims(path: Path = CLAIMS_PATH) -> list[Claim]:
    """Load SciFact claims (the original ``claims_*.jsonl`` schema)."""
    claims = []
    for row in _iter_json(path):
        evidence: dict[str, list[tuple[Label, tuple[int, ...]]]] = {}
        for doc, sets in row["evidence"].items():
            evidence[str(doc)] = [(_LABEL[s["label"]], tuple(s["sentences"])) for s in sets]  # type: ignore[misc]
        cited = tuple(dict.fromkeys([str(d) for d in row["cited_doc_ids"]] + list(evidence)))
        claims.append(Claim(int(row["id"]), row["claim"], cited, evidence))
    return claims


def load_corpus(path: Path) -> dict[str, list[str]]:
    """``doc_id -> sentences`` from a SciFact corpus JSONL (``sentences`` or ``abstract``)."""
    corpus: dict[str, list[str]] = {}
    for row in _iter_json(path):
        sentences = row.get("sentences") or row.get("abstract") or []
        corpus[str(row["doc_id"])] = [str(s).strip() for s in sentences]
    return corpus


def split_claims(claims: Sequence[Claim], seed: int = 13) -> dict[str, list[Claim]]:
    """Deterministic ~60/20/20 train/dev/test split by connected groups of cited abstracts."""
    parent: dict[str, str] = {}

    def find(doc: str) -> str:
        while parent.setdefault(doc, doc) != doc:
            parent[doc] = parent[parent[doc]]
            doc = parent[doc]
        return doc

    for claim in claims:
        for doc in claim.cited:
            parent[find(doc)] = find(claim.cited[0])
    root_name: dict[str, str] = {}
    for doc in sorted(parent):
        root_name.setdefault(find(doc), doc)
    splits: dict[str, list[Claim]] = {"train": [], "dev": [], "test": []}
    for claim in claims:
        name = root_name[find(claim.cited[0])]
        bucket = int(hashlib.sha256(f"{seed}:{name}".encode()).hexdigest(), 16) % 100
        train, dev, _ = SPLIT_SHARES
        split = "train" if bucket < train else "dev" if bucket < train + dev else "test"
        splits[split].append(claim)
    return splits


def _top_sentences(claim: str, sentences: Sequence[str], exclude: set[int], k: int) -> list[int]:
    candidates = [i for i in range(len(sentences)) if i not in exclude]
    ranked = sorted(candidates, key=lambda i: (-lexical_overlap(claim, sentences[i]), i))
    return ranked[:k]


def real_pairs(claims: Sequence[Claim], corpus: dict[str, list[str]]) -> list[Example]:
    """Labelled pairs from SciFact annotations.

    Each rationale set (joined in order) against its claim, labelled by the annotation; for
    claims without evidence, the two most similar sentences of each cited abstract
    (unsupported); for claims with evidence, the most similar non-rationale sentence of the
    abstract (unsupported, weight 0.5: such sentences are sometimes partial support).
    """
    examples: list[Example] = []
    for claim in claims:
        for doc in claim.cited:
            sentences = corpus.get(doc, [])
            if not sentences:
                continue
            sets = claim.evidence.get(doc, [])
            seen: set[tuple[int, ...]] = set()
            for label, indices in sets:
                key = tuple(sorted(set(indices)))
                if key in seen or not key:
                    continue
                seen.add(key)
                premise = " ".join(sentences[i] for i in key)
                examples.append(Example(premise, claim.text, label, 1.0, "scifact"))
            rationale = {i for _, indices in sets for i in indices}
            if sets:
                for i in _top_sentences(claim.text, sentences, rationale, 1):
                    examples.append(
                        Example(sentences[i], claim.text, "unsupported", 0.5, "scifact-hard")
                    )
            else:
                for i in _top_sentences(claim.text, sentences, set(), 2):
                    examples.append(
                        Example(sentences[i], claim.text, "unsupported", 1.0, "scifact-nei")
                    )
    return examples


def claim_items(claims: Sequence[Claim], corpus: dict[str, list[str]]) -> list[ClaimItem]:
    """One item per (claim, cited abstract): the realistic verification unit."""
    items = []
    for claim in claims:
        for doc in claim.cited:
            sentences = corpus.get(doc)
            if not sentences:
                continue
            sets = claim.evidence.get(doc, [])
            label: Label = sets[0][0] if sets else "unsupported"
            items.append(ClaimItem(claim.id, claim.text, doc, " ".join(sentences), label))
    return items
