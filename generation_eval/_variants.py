"""Case variants: the original, the retrieved, and the adversarial ones, from one registry.

Each adversarial variant is one small function in :data:`ADVERSARIAL_VARIANTS` (a
:class:`VariantRegistry`): it gets one answerable case as :class:`Shown` (its passages, the
hardest non-relevant documents, the seeded counterfactual, the settings) and returns the variant
or the reason it could not be made. Names, validation of ``options.variants`` and labels derive
from the registry. Built in:

* ``missing_context``: the gold passages are removed and replaced by the hardest non-relevant
  passages (the top-ranked non-gold documents for the question) → the generator must abstain.
* ``noisy_context``: the gold passages plus hard distractors → the answer must stay correct.
* ``contradictory_context``: a copy of a gold passage whose answer span is replaced by a
  plausible counterfactual of the same type is shown beside the original → the answer must flag
  the conflict (and must not adopt the counterfactual).
* ``counterfactual_only``: the counterfactual copy replaces the gold passage → whether the
  generator adopts the counterfactual (stays faithful to its context) is recorded.

Every variant records how it was made in ``provenance``. The same cases, corpus, ranking and
seed give the same variants.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from evalstage.generation_eval._cases import CorpusDoc, Expectation, Passage, RagCase, variant_key
from evalstage.generation_eval._counterfactual import (
    Counterfactual,
    answer_type,
    make_counterfactual,
    mentions_answer,
    seeded_rng,
)

Search = Callable[[Mapping[str, str], int], Mapping[str, Sequence[str]]]
"""``search({query_id: text}, k) -> {query_id: [doc_id, ...]}`` best first (e.g. BM25)."""


class CaseVariant(BaseModel):
    """One thing a generator is asked: a case's question over one set of passages."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    variant: str
    question: str
    passages: list[Passage]
    expect: Expectation
    answers: list[str] = Field(default_factory=list)
    counterfactual: str | None = Field(
        default=None, description="The fake value planted in the passages, if any."
    )
    provenance: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        """``case_id`` for the original, ``case_id#variant`` otherwise (unique within a run)."""
        return variant_key(self.case_id, self.variant)


class VariantSettings(BaseModel):
    """How variants are made: the seed, distractors, and the ``retrieved`` variant's depth."""

    model_config = ConfigDict(frozen=True)

    seed: int = 13
    distractors: int = Field(default=3, ge=0)
    top_k: int = Field(default=5, ge=1)
    retrieved_by: str = "the retrieval target"


def shuffled(passages: Sequence[Passage], rng: random.Random) -> list[Passage]:
    """The passages in a seeded random order."""
    out = list(passages)
    rng.shuffle(out)
    return out


@dataclass
class Shown:
    """One answerable case as a variant function sees it."""

    case: RagCase
    documents: Mapping[str, CorpusDoc]
    ranked: Sequence[str]
    pools: Mapping[str, Sequence[str]]
    settings: VariantSettings
    gold: list[Passage] = field(init=False)
    extra: list[Passage] = field(init=False)

    def __post_init__(self) -> None:
        self.gold = [self.documents[d].passage() for d in self.case.gold_doc_ids]
        self.extra = [self.documents[d].passage() for d in self.case.context_doc_ids]

    def order(self, variant: str) -> random.Random:
        """The seeded stream that orders ``variant``'s passages (one stream per variant)."""
        return seeded_rng(self.settings.seed, self.case.case_id, "order", variant)

    @cached_property
    def counterfactual(self) -> Counterfactual | str:
        """The case's counterfactual passage (made once), or why none could be made."""
        return make_counterfactual(self.case, self.documents, self.pools, self.settings.seed)

    def negatives(self, count: int) -> list[tuple[int, str]]:
        """``(rank, doc_id)`` of the top-ranked documents neither gold nor shown nor answering."""
        exclude = set(self.case.gold_doc_ids) | set(self.case.context_doc_ids)
        picked: list[tuple[int, str]] = []
        for rank, doc_id in enumerate(self.ranked, start=1):
            if doc_id in exclude or doc_id not in self.documents:
                continue
            if mentions_answer(self.documents[doc_id].text, self.case.answers):
                continue
            picked.append((rank, doc_id))
            if len(picked) == count:
                break
        return picked

    def variant(
        self, name: str, expect: Expectation, passages: Sequence[Passage], **more: Any
    ) -> CaseVariant:
        """A variant of this case, its passages in ``name``'s seeded order."""
        return CaseVariant(
            case_id=self.case.case_id,
            question=self.case.question,
            answers=more.pop("answers", self.case.answers),
            variant=name,
            expect=expect,
            passages=shuffled(passages, self.order(name)),
            **more,
        )


Made = CaseVariant | str
"""A variant, or the reason it could not be made for the case."""


@dataclass(frozen=True)
class VariantKind:
    """One adversarial variant: its function, its app label, whether it needs the ranking."""

    name: str
    make: Callable[[Shown], Made]
    label: str
    needs_ranking: bool = False


class VariantRegistry:
    """The adversarial variants, in the order they are made."""

    def __init__(self, kinds: Iterable[VariantKind]) -> None:
        self.kinds: dict[str, VariantKind] = {k.name: k for k in kinds}

    @property
    def names(self) -> tuple[str, ...]:
        """Every variant name."""
        return tuple(self.kinds)

    @property
    def labels(self) -> dict[str, str]:
        """Variant name -> what it tests, for the app (the original and retrieved included)."""
        return {**STRUCTURAL, **{k.name: k.label for k in self.kinds.values()}}

    def validate(self, names: Iterable[str]) -> list[str]:
        """``names`` when each is a variant here; else ValueError naming the choices."""
        out = list(names)
        unknown = [n for n in out if n not in self.kinds]
        if unknown:
            raise ValueError(f"unknown variant '{unknown[0]}'; use any of: {', '.join(self.names)}")
        return out

    def with_kind(self, kind: VariantKind) -> VariantRegistry:
        """A new registry with ``kind`` added (or replacing the kind of that name)."""
        return VariantRegistry([*self.kinds.values(), kind])


STRUCTURAL = {
    "original": "the case's own contexts (oracle)",
    "retrieved": "the retrieval stage's top-k (end to end)",
}
"""The variants every case gets, apart from the adversarial ones."""

BY_RANKER = "bm25 top non-relevant"


def missing_context(s: Shown) -> Made:
    """Gold passages swapped for the hardest non-relevant ones: the generator must abstain."""
    negatives = s.negatives(len(s.gold) + len(s.extra))
    if not negatives:
        return "no non-relevant passage was ranked"
    return s.variant(
        "missing_context",
        "abstain",
        [s.documents[d].passage() for _, d in negatives],
        answers=[],
        provenance={
            "removed": s.case.gold_doc_ids,
            "kept": s.case.context_doc_ids,
            "substitutes": [{"doc_id": d, "rank": r} for r, d in negatives],
            "ranker": BY_RANKER,
        },
    )


def noisy_context(s: Shown) -> Made:
    """Gold passages plus hard distractors: the answer must stay correct."""
    negatives = s.negatives(s.settings.distractors)
    return s.variant(
        "noisy_context",
        "answer",
        s.gold + s.extra + [s.documents[d].passage() for _, d in negatives],
        provenance={
            "distractors": [{"doc_id": d, "rank": r} for r, d in negatives],
            "ranker": BY_RANKER,
        },
    )


def contradictory_context(s: Shown) -> Made:
    """A counterfactual copy beside the gold passage: the answer must flag the conflict."""
    made = s.counterfactual
    if isinstance(made, str):
        return made
    return s.variant(
        "contradictory_context",
        "flag_conflict",
        s.gold + s.extra + [made.passage],
        counterfactual=made.substitute,
        provenance={**made.provenance, "original_value": made.original_value},
    )


def counterfactual_only(s: Shown) -> Made:
    """Every statement of the answer swapped for the counterfactual (is it adopted?)."""
    made = s.counterfactual
    if isinstance(made, str):
        return made
    swapped = [
        made.passage
        if p.doc_id == made.passage.doc_id
        else p.model_copy(update={"text": made.plant(p.text)})
        for p in s.gold + s.extra
    ]
    return s.variant(
        "counterfactual_only",
        "answer",
        swapped,
        counterfactual=made.substitute,
        provenance={**made.provenance, "original_value": made.original_value},
    )


ADVERSARIAL_VARIANTS = VariantRegistry(
    [
        VariantKind("missing_context", missing_context, "gold removed: must abstain", True),
        VariantKind("noisy_context", noisy_context, "hard distractors added: stay right", True),
        VariantKind(
            "contradictory_context", contradictory_context, "a contradicting copy: flag it"
        ),
        VariantKind("counterfactual_only", counterfactual_only, "only a counterfactual: adopted?"),
    ]
)
"""The built-in adversarial variants."""

ADVERSARIAL = ADVERSARIAL_VARIANTS.names
VARIANTS = (*STRUCTURAL, *ADVERSARIAL)
"""Every built-in variant name: the original, the retrieved, then the adversarial ones."""


def _structural(
    case: RagCase,
    documents: Mapping[str, CorpusDoc],
    settings: VariantSettings,
    retrieved: Mapping[str, Sequence[str]] | None,
) -> list[CaseVariant]:
    """The case's ``original`` (oracle contexts) and, with a ranking, its ``retrieved``."""
    common: dict[str, Any] = {
        "case_id": case.case_id,
        "question": case.question,
        "answers": case.answers,
        "expect": case.expect,
    }
    shown = [documents[d].passage() for d in [*case.gold_doc_ids, *case.context_doc_ids]]
    out = [
        CaseVariant(
            **common,
            variant="original",
            passages=shuffled(shown, seeded_rng(settings.seed, case.case_id, "order", "original")),
            provenance={"contexts": "oracle", "gold_doc_ids": case.gold_doc_ids},
        )
    ]
    if retrieved is not None:
        top = list(retrieved.get(case.case_id, []))[: settings.top_k]
        out.append(
            CaseVariant(
                **common,
                variant="retrieved",
                passages=[documents[d].passage() for d in top if d in documents],
                provenance={
                    "contexts": "retrieved",
                    "retriever": settings.retrieved_by,
                    "doc_ids": top,
                    "gold_retrieved": sorted(set(top) & set(case.gold_doc_ids)),
                },
            )
        )
    return out


def build_variants(
    cases: Sequence[RagCase],
    documents: Mapping[str, CorpusDoc],
    *,
    variants: Sequence[str],
    search: Search | None,
    settings: VariantSettings | None = None,
    retrieved: Mapping[str, Sequence[str]] | None = None,
    registry: VariantRegistry = ADVERSARIAL_VARIANTS,
) -> tuple[list[CaseVariant], dict[str, str]]:
    """Every case's ``original`` plus the requested variants; and the variants not made.

    ``search`` ranks the corpus for the hardest non-relevant passages (for the variants that
    need a ranking). ``retrieved`` (case id -> ranked doc ids from the retrieval target) adds a
    ``retrieved`` variant with the top ``settings.top_k``. The second value maps
    ``case_id#variant`` to why that variant could not be made for that case.
    """
    settings = settings or VariantSettings()
    wanted = [k for k in registry.kinds.values() if k.name in set(registry.validate(variants))]
    depth = (
        10
        + settings.distractors
        + max((len(c.gold_doc_ids) + len(c.context_doc_ids) for c in cases), default=0)
    )
    ranking: Mapping[str, Sequence[str]] = (
        search({c.case_id: c.question for c in cases if c.expect == "answer"}, depth)
        if search is not None and any(k.needs_ranking for k in wanted)
        else {}
    )
    pools: dict[str, list[str]] = {}
    for case in cases:
        if case.answers:
            pools.setdefault(answer_type(case.answers[0]), []).append(case.answers[0])
    out: list[CaseVariant] = []
    skipped: dict[str, str] = {}
    for case in cases:
        out.extend(_structural(case, documents, settings, retrieved))
        if case.expect != "answer":
            continue
        shown = Shown(case, documents, ranking.get(case.case_id, []), pools, settings)
        for kind in wanted:
            made = kind.make(shown)
            if isinstance(made, str):
                skipped[variant_key(case.case_id, kind.name)] = made
            else:
                out.append(made)
    return out, skipped
