"""The generation stage's own decisions before scoring: which retriever, which variants, judging.

Retrieval itself belongs to the retrieval stage: the caller passes ``rank`` (a target spec,
queries and a depth to ranked doc ids) and ``can_search`` (whether a retrieval target can rank
new queries), so this library decides without importing another stage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from evalstage.evalcore.calibration import CalibrationRecord
from evalstage.evalcore.suite import TargetSpec
from evalstage.generation_eval._suite import GenerationInputs
from evalstage.generation_eval._system import is_system, system_variants
from evalstage.generation_eval._targets import GenerationRun
from evalstage.generation_eval._variants import CaseVariant, build_variants
from evalstage.generation_eval.judge import JudgeScore

NEGATIVES_RANKER = TargetSpec(name="bm25", args={"variant": "lucene", "k1": 0.9, "b": 0.4})
"""Ranks the corpus for the hardest non-relevant passages (Pyserini's BM25 settings)."""

Rank = Callable[[TargetSpec, Mapping[str, str], int], dict[str, list[str]]]
"""``rank(spec, queries, k)``: per query id, the doc ids the target ranks, best first."""


def contexts_retriever(
    inputs: GenerationInputs, can_search: Callable[[str], bool]
) -> tuple[TargetSpec, str] | None:
    """The retriever of the ``retrieved`` variant and how the run records it; None off end_to_end.

    The suite's retrieval target when it can search new questions, else BM25 with Pyserini's
    settings (the record says why).
    """
    if inputs.options.contexts != "end_to_end":
        return None
    spec = inputs.retrieval_target
    if spec is not None and can_search(spec.name):
        return spec, f"the suite's retrieval target ({spec.name})"
    why = "no retrieval stage" if spec is None else f"'{spec.name}' cannot search"
    return NEGATIVES_RANKER, f"BM25 (Pyserini settings): {why} new questions"


def make_variants(
    inputs: GenerationInputs, rank: Rank, can_search: Callable[[str], bool]
) -> tuple[list[CaseVariant], dict[str, str]]:
    """Every case's original, retrieved and adversarial variants (seeded), and the skipped."""
    options = inputs.options
    cases = inputs.active_cases

    def search(queries: Mapping[str, str], k: int) -> Mapping[str, Sequence[str]]:
        return rank(NEGATIVES_RANKER, queries, k)

    if is_system(inputs.target):  # the retrieved variant is the system's own end-to-end call
        return system_variants(inputs, search)

    retrieved, retrieved_by = None, ""
    chosen = contexts_retriever(inputs, can_search)
    if chosen is not None:
        spec, retrieved_by = chosen
        retrieved = rank(spec, {c.case_id: c.question for c in cases}, options.top_k)
    return build_variants(
        cases,
        inputs.documents,
        variants=options.variants,
        search=search,
        settings=options.variant_settings().model_copy(update={"retrieved_by": retrieved_by}),
        retrieved=retrieved,
    )


def judge_variants(
    inputs: GenerationInputs,
    variants: Sequence[CaseVariant],
    run: GenerationRun,
    calibrations: Callable[[str], Sequence[CalibrationRecord]],
) -> dict[str, JudgeScore]:
    """Grade every answered variant with the suite's rubric judge (none configured: nothing).

    ``calibrations(model)``: the stored calibrations of the judge's model, newest first; the
    newest with the judge's prompt hash is recorded with each score.
    """
    if inputs.options.judge is None:
        return {}
    from evalstage.generation_eval.judge import GradeItem, load_judge

    judge = load_judge(inputs.suite_root / inputs.options.judge)
    fresh = [
        c
        for c in calibrations(judge.identity.model)
        if c.prompt_sha256 == judge.identity.prompt_sha256
    ]
    scores: dict[str, JudgeScore] = {}
    with judge:
        for item in variants:
            output = run.outputs.get(item.key)
            if output is None or not output.answer.strip():
                continue
            graded = judge.grade(
                GradeItem(id=item.key, question=item.question, answer=output.answer)
            )
            scores[item.key] = JudgeScore.of(
                judge.identity,
                value=graded.score,
                label=graded.level,
                flags=graded.flags,
                reason=graded.reason,
                calibration_id=fresh[0].calibration_id if fresh else None,
            )
    return scores
