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

Then the robustness and safety probes (:mod:`generation_eval._probes`: ``prompt_*``,
``position_*``, ``length_*``, ``injection_*``, ``pii_*``), made only when ``options.variants``
names them or their family, optionally on a seeded subset of cases (``probe_cases``).

Every variant records how it was made in ``provenance``. The same cases, corpus, ranking and
seed give the same variants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalstage.generation_eval._cases import CorpusDoc, RagCase, variant_key
from evalstage.generation_eval._counterfactual import answer_type, seeded_rng
from evalstage.generation_eval._probes import MAX_FILL, PROBE_KINDS
from evalstage.generation_eval._variant_base import (
    BY_RANKER,
    STRUCTURAL,
    CaseVariant,
    Made,
    Search,
    Shown,
    VariantKind,
    VariantRegistry,
    VariantSettings,
    shuffled,
)

__all__ = [
    "ADVERSARIAL",
    "ADVERSARIAL_VARIANTS",
    "BY_RANKER",
    "PROBES",
    "STRUCTURAL",
    "VARIANTS",
    "CaseVariant",
    "Made",
    "Search",
    "Shown",
    "VariantKind",
    "VariantRegistry",
    "VariantSettings",
    "build_variants",
    "shuffled",
]


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
        *PROBE_KINDS,
    ]
)
"""The built-in adversarial variants: the context variants, then the robustness and safety
probes (:mod:`generation_eval._probes`; ``options.variants`` may name a probe family)."""

ADVERSARIAL = tuple(k.name for k in ADVERSARIAL_VARIANTS.kinds.values() if k.family is None)
"""The context variants, made by default."""
PROBES = tuple(k.name for k in ADVERSARIAL_VARIANTS.kinds.values() if k.family is not None)
"""The robustness and safety probe variants (opt-in: list them or their family)."""
VARIANTS = (*STRUCTURAL, *ADVERSARIAL)
"""The variant names of a default run: the original, the retrieved, the context variants."""


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


def probe_sample(cases: Sequence[RagCase], settings: VariantSettings) -> set[str]:
    """The answerable cases the probe variants are made from: all, or ``probe_cases`` seeded."""
    answerable = [c.case_id for c in cases if c.expect == "answer"]
    if settings.probe_cases is None or settings.probe_cases >= len(answerable):
        return set(answerable)
    ranked = sorted(answerable, key=lambda c: seeded_rng(settings.seed, c, "probe").random())
    return set(ranked[: settings.probe_cases])


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
    fill = max(
        settings.distractors,
        settings.position_distractors if any(k.family == "position" for k in wanted) else 0,
        MAX_FILL if any(k.family == "length" for k in wanted) else 0,
    )
    depth = (
        10 + fill + max((len(c.gold_doc_ids) + len(c.context_doc_ids) for c in cases), default=0)
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
    probed = probe_sample(cases, settings)
    out: list[CaseVariant] = []
    skipped: dict[str, str] = {}
    for case in cases:
        out.extend(_structural(case, documents, settings, retrieved))
        if case.expect != "answer":
            continue
        shown = Shown(case, documents, ranking.get(case.case_id, []), pools, settings)
        for kind in wanted:
            if kind.family is not None and case.case_id not in probed:
                continue
            made = kind.make(shown)
            if isinstance(made, str):
                skipped[variant_key(case.case_id, kind.name)] = made
            else:
                out.append(made)
    return out, skipped
