"""The variant types every variant function shares: the variant, its settings, the shown case.

A variant function (a :class:`VariantKind`) gets one answerable case as :class:`Shown` and
returns a :class:`CaseVariant` or the reason it could not be made; :class:`VariantRegistry`
holds the kinds in the order they are made (see :mod:`generation_eval._variants`).
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
    position_distractors: int = Field(default=4, ge=2)
    context_budget_words: int = Field(default=2000, ge=1)
    probe_cases: int | None = Field(
        default=None, ge=1, description="Make the probe variants from this many seeded cases."
    )


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
    """One adversarial variant: its function, app label, whether it needs the ranking, family."""

    name: str
    make: Callable[[Shown], Made]
    label: str
    needs_ranking: bool = False
    family: str | None = None


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

    @property
    def families(self) -> dict[str, list[str]]:
        """Family -> its variant names (the probe variants; see :mod:`generation_eval._probes`)."""
        out: dict[str, list[str]] = {}
        for kind in self.kinds.values():
            if kind.family is not None:
                out.setdefault(kind.family, []).append(kind.name)
        return out

    def validate(self, names: Iterable[str]) -> list[str]:
        """``names`` (a family name stands for its variants) when each is a variant here.

        Else ValueError naming the choices.
        """
        families = self.families
        out = list(dict.fromkeys(v for n in names for v in families.get(n, [n])))
        unknown = [n for n in out if n not in self.kinds]
        if unknown:
            raise ValueError(
                f"unknown variant '{unknown[0]}'; use any of: {', '.join(self.names)}, "
                f"or a family: {', '.join(families)}"
            )
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
