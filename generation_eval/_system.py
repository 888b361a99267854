"""The generation stage's ``system`` target: the end-to-end system's answers, stage by stage.

The ``retrieved`` variant is the end-to-end call itself (:mod:`evalcore.system`): the question
alone, answered over the passages the system retrieved, which become that variant's passages
(its doc ids are checked against the case's gold documents). Every other variant (``original``
over the gold passages, the adversarial ones) asks the system again with those passages given.
A failing call is that variant's ``error``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evalstage.evalcore.concurrency import map_in_order
from evalstage.evalcore.llm_config import TargetError
from evalstage.evalcore.suite import TargetSpec
from evalstage.evalcore.system import (
    SystemAdapter,
    SystemReply,
    SystemRequest,
    SystemTargetArgs,
    open_stage_system,
)
from evalstage.evalcore.targets import TargetContext, TargetKind, closing_target, error_text
from evalstage.generation_eval._cases import CorpusDoc, Generation, Passage
from evalstage.generation_eval._prompt import numbered
from evalstage.generation_eval._suite import GenerationInputs
from evalstage.generation_eval._variants import CaseVariant, Search, build_variants

SYSTEM = "system"
RETRIEVED_BY = "the end-to-end system (its own retrieval)"


def _generation(reply: SystemReply) -> Generation:
    if reply.answer is None:
        raise TargetError("the system's reply holds no answer")
    return Generation(
        answer=reply.answer,
        citations=reply.citations,
        latency_ms=reply.latency_ms,
        prompt_tokens=reply.prompt_tokens,
        completion_tokens=reply.completion_tokens,
    )


class SystemGenerator(SystemAdapter):
    """The end-to-end system as the generation stage's target."""

    def own(self, case_id: str, question: str) -> SystemReply:
        """The end-to-end call of a case: the system retrieves and answers."""
        return self.system.ask(SystemRequest(case_id=case_id, question=question))

    def generate(self, question: str, passages: Sequence[Passage]) -> Generation:
        """Answer ``question`` from the given passages."""
        request = SystemRequest(case_id="", question=question, passages=numbered(passages))
        return _generation(self.system.ask(request))

    def answer_variant(self, item: CaseVariant) -> Generation:
        """The answer of one variant: the end-to-end call for ``retrieved``, else given passages."""
        if item.variant == "retrieved":
            return _generation(self.own(item.case_id, item.question))
        request = SystemRequest(
            case_id=item.case_id,
            question=item.question,
            passages=numbered(item.passages),
            variant=item.variant,
        )
        return _generation(self.system.ask(request))


def _build(args: SystemTargetArgs, context: TargetContext) -> SystemGenerator:
    return SystemGenerator(open_stage_system(args, context))


def system_kind() -> TargetKind[Any]:
    """The ``system`` kind of the generation stage."""
    return TargetKind(
        name=SYSTEM,
        args=SystemTargetArgs,
        factory=_build,
        summary="the suite's end-to-end system (its system: block): retrieves and answers",
    )


def _own_passages(reply: SystemReply, documents: Mapping[str, CorpusDoc]) -> list[Passage]:
    """The passages the system answered from: its texts, else the corpus's (unknown ids dropped)."""
    out = []
    for p in reply.passages:
        if p.text:
            out.append(Passage(doc_id=p.doc_id, title=p.title, text=p.text))
        elif p.doc_id in documents:
            out.append(documents[p.doc_id].passage())
    return out


def system_variants(
    inputs: GenerationInputs, search: Search
) -> tuple[list[CaseVariant], dict[str, str]]:
    """The variants of a ``system`` target: the usual ones, ``retrieved`` from the system.

    The ``retrieved`` variant's passages are the ones the system retrieved (in its order) and
    its provenance names their doc ids and which gold documents are among them.
    """
    cases = inputs.active_cases
    target = _build(
        SystemTargetArgs.model_validate(inputs.target.args), TargetContext(inputs.suite_root)
    )
    with closing_target(target):
        done = list(
            map_in_order(
                lambda c: target.own(c.case_id, c.question), cases, target.pool.concurrency
            )
        )
    replies = {c.case_id: d.value for c, d in zip(cases, done, strict=True) if d.value}
    failed = {c.case_id: error_text(d.error) for c, d in zip(cases, done, strict=True) if d.error}
    ranking = {cid: reply.doc_ids for cid, reply in replies.items()}
    settings = inputs.options.variant_settings().model_copy(update={"retrieved_by": RETRIEVED_BY})
    variants, skipped = build_variants(
        cases,
        inputs.documents,
        variants=inputs.options.variants,
        search=search,
        settings=settings,
        retrieved={c.case_id: ranking.get(c.case_id, []) for c in cases},
    )
    gold = {c.case_id: set(c.gold_doc_ids) for c in cases}
    out = []
    for item in variants:
        if item.variant == "retrieved":
            reply = replies.get(item.case_id)
            ids = reply.doc_ids if reply is not None else []
            provenance = {
                **item.provenance,
                "doc_ids": ids,
                "gold_retrieved": sorted(set(ids) & gold[item.case_id]),
            }
            if item.case_id in failed:
                provenance["system_error"] = failed[item.case_id]
            passages = _own_passages(reply, inputs.documents) if reply is not None else []
            item = item.model_copy(update={"passages": passages, "provenance": provenance})
        out.append(item)
    return out, skipped


def is_system(spec: TargetSpec) -> bool:
    """Whether ``spec`` names the end-to-end system."""
    return spec.name == SYSTEM
