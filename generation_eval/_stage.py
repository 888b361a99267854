"""The generation stage: ``score_generation`` (one context and a verifier in, one report out).

Decision rules per case variant (first match wins), by what the variant expects. First, for any
expectation: an answer cut at ``max_tokens`` (``finish_reason: "length"``) is ``formatting``.

* ``abstain``: pass when the answer abstains, else ``missed_abstention``; an abstention whose
  citations name no passage is ``formatting`` (an answer of citation markers only does not
  abstain);
* ``flag_conflict``: pass when the answer acknowledges the conflict; else
  ``counterfactual_adopted`` when it answers with the planted value, else ``conflict_ignored``;
* ``answer``: ``over_refusal`` when it abstains; ``formatting`` when a citation names no
  passage; ``hallucination`` when a claim is contradicted or the supported share of its claims
  is below ``faithfulness_threshold``; ``wrong_answer`` when no acceptable answer is in it;
  ``unsupported_citation`` when a claim's citations do not support it; else pass. In
  ``counterfactual_only`` the context-faithful answer is the planted value, so it is the one
  accepted; answering the true value from memory is unsupported by the context.

A ``retrieved`` variant that fails while the oracle ``original`` passes is attributed to
retrieval (``retrieval_miss``). A variant the target failed on is ``error``; one with no output,
or whose claims the verifier could not judge (its request failed: ``checks.error``), is
``unmeasured``; both stay out of the aggregates, whose coverage says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from evalstage.evalcore.metrics import MetricCatalog
from evalstage.evalcore.outcomes import FailureCategory, Outcome
from evalstage.evalcore.records import CaseResult
from evalstage.evalcore.report import (
    CaseHead,
    StageReport,
    declared_metrics,
    rate_columns,
    report_fields,
)
from evalstage.generation_eval._answers import answer_scores, counterfactual_adopted
from evalstage.generation_eval._cases import Generation, RagCase
from evalstage.generation_eval._citations import AnswerCheck, check_answers, passage_text
from evalstage.generation_eval._claims import citation_format_ok, split_claims
from evalstage.generation_eval._decide import decide as _decide
from evalstage.generation_eval._decide import deciding_checks as _deciding_checks
from evalstage.generation_eval._detect import detect_abstention, detect_conflict
from evalstage.generation_eval._metrics import ANSWER_METRICS, GENERATION_METRICS
from evalstage.generation_eval._probe_scores import (
    attribute_probes,
    consistency,
    probe_checks,
    probe_columns,
    probe_denominator,
)
from evalstage.generation_eval._variants import CaseVariant
from evalstage.generation_eval.judge import JudgeScore
from evalstage.generation_eval.verifier import Verifier, checked_sentences

STAGE = "generation"


class GenerationContext(BaseModel):
    """The input of :func:`score_generation`: the case variants and what the generator said.

    ``outputs`` and ``errors`` are keyed by :attr:`CaseVariant.key`; ``skipped`` lists variants
    that could not be made (key -> reason), reported but not scored.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    cases: list[RagCase]
    variants: list[CaseVariant]
    outputs: dict[str, Generation] = Field(default_factory=dict)
    errors: dict[str, str] = Field(default_factory=dict)
    skipped: dict[str, str] = Field(default_factory=dict)
    faithfulness_threshold: float = Field(default=1.0, ge=0.0, le=1.0)
    judge_scores: dict[str, JudgeScore] = Field(
        default_factory=dict,
        description="Key -> a rubric judge's score, kept beside the deterministic checks; it "
        "does not decide the outcome.",
    )
    confidence: float = Field(default=0.95, gt=0.0, lt=1.0)


class GenerationReport(StageReport):
    """Per-variant results and aggregates of the generation stage."""

    declared: MetricCatalog = GENERATION_METRICS
    per_variant: dict[str, dict[str, float]] = Field(
        description='Variant -> {"n", "pass_rate", and each answer metric measured on it}.'
    )
    matrix: dict[str, dict[str, int]] = Field(
        description="Variant -> outcome or failure category -> variants (the adversarial matrix)."
    )
    skipped: dict[str, str] = Field(default_factory=dict)
    consistency: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Case -> its prompt perturbations' consistency rate and worst outcome.",
    )
    verifier: dict[str, Any] = Field(default_factory=dict)
    end_to_end: dict[str, int] = Field(
        default_factory=dict,
        description="The retrieved variants by outcome, a failure by the stage that broke: "
        '{"n", "pass", "failed_at_retrieval", "failed_at_generation", "error", "unmeasured"}.',
    )

    def breakdowns(self) -> dict[str, Any]:
        """The shared breakdowns, the per-variant figures, the matrix, skips and the verifier."""
        extras = {"end_to_end": self.end_to_end} if self.end_to_end else {}
        return {
            **super().breakdowns(),
            "per_variant": self.per_variant,
            "matrix": self.matrix,
            "skipped": self.skipped,
            "consistency": self.consistency,
            "verifier": self.verifier,
            **extras,
        }


def end_to_end_counts(results: Sequence[CaseResult]) -> dict[str, int]:
    """The ``retrieved`` variants by outcome, each failure by the stage that broke."""
    rows = [r for r in results if r.variant == "retrieved"]
    if not rows:
        return {}
    counts = Counter(
        f"failed_at_{r.details.get('failed_stage', 'generation')}"
        if r.outcome == Outcome.FAIL
        else r.outcome.value
        for r in rows
    )
    return {"n": len(rows), **dict(sorted(counts.items()))}


def _usage(output: Generation | None) -> dict[str, Any]:
    if output is None:
        return {}
    usage = {
        "latency_ms": output.latency_ms,
        "prompt_tokens": output.prompt_tokens,
        "completion_tokens": output.completion_tokens,
        "truncated": output.truncated or None,
        "notes": output.notes or None,
    }
    return {k: v for k, v in usage.items() if v is not None}


def _examine(item: CaseVariant, output: Generation) -> tuple[dict[str, Any], AnswerCheck | None]:
    answer = output.answer
    abstention = detect_abstention(answer)
    conflict = detect_conflict(answer)
    found: dict[str, Any] = {
        "abstained": abstention.detected,
        "abstention_cue": abstention.cue,
        "conflict_flagged": conflict.detected,
        "conflict_cue": conflict.cue,
        "truncated": output.truncated,
    }
    ok, reason = citation_format_ok(answer, len(item.passages))
    found["format_ok"], found["format_reason"] = ok, reason
    # an answer expected over planted contexts (counterfactual_only): faithful is the plant
    planted = item.counterfactual is not None and item.expect == "answer"
    expected = [item.counterfactual] if planted else item.answers
    if item.counterfactual and item.answers:
        found["counterfactual_adopted"] = counterfactual_adopted(
            answer, item.counterfactual, item.answers
        )
    if expected and not abstention.detected:
        found.update(answer_scores(answer, [a for a in expected if a]))
    found.update(probe_checks(item, answer))
    claims = split_claims(answer)
    if output.citations and not any(c.citations for c in claims):
        # structured citations are per answer sentence: pair them before dropping any sentence
        claims = [
            c.model_copy(update={"citations": list(dict.fromkeys(refs))})
            for c, refs in zip(claims, output.citations, strict=False)
        ]
        bad = sorted({n for c in claims for n in c.citations if not 1 <= n <= len(item.passages)})
        if bad and found["format_ok"]:
            found["format_ok"] = False
            found["format_reason"] = (
                f"citations name passages {bad}, outside 1..{len(item.passages)}"
            )
    if abstention.detected:  # its citation format is still checked (above)
        return found, None
    claims = [c for c in claims if not detect_abstention(c.text).detected]
    checked = checked_sentences([c.text for c in claims], item.question)
    if not all(checked):  # "Sure!", "I hope this helps.": nothing to check, so not counted
        pairs = list(zip(claims, checked, strict=True))
        found["claims_not_checked"] = [c.text for c, keep in pairs if not keep]
        claims = [c for c, keep in pairs if keep]
    passages = [passage_text(p) for p in item.passages]
    return found, AnswerCheck(claims=claims, passages=passages, question=item.question)


def _rate(values: Sequence[bool]) -> list[float]:
    return [float(v) for v in values]


def score_generation(context: GenerationContext, verifier: Verifier) -> GenerationReport:
    """Score every case variant (see the module docstring for the rules) and aggregate."""
    cases = {c.case_id: c for c in context.cases}
    pending: list[tuple[CaseVariant, dict[str, Any], AnswerCheck]] = []
    examined: dict[str, dict[str, Any]] = {}
    for item in context.variants:
        output = context.outputs.get(item.key)
        if output is None or item.key in context.errors:
            continue
        found, check = _examine(item, output)
        examined[item.key] = found
        if check is not None:
            pending.append((item, found, check))
    for (_, found, _), scores in zip(
        pending, check_answers([c for _, _, c in pending], verifier), strict=True
    ):
        found.update(scores)
    results: list[CaseResult] = []
    for item in context.variants:
        case = cases[item.case_id]
        output = context.outputs.get(item.key)
        head = CaseHead(
            stage=STAGE,
            case_id=item.case_id,
            variant=item.variant,
            category=case.category,
            canary=case.canary and item.variant == "original",
        )
        details: dict[str, Any] = {
            "question": item.question,
            "expect": item.expect,
            "answers": item.answers,
            "passages": [p.model_dump() for p in item.passages],
            "provenance": item.provenance,
            "counterfactual": item.counterfactual,
            **_usage(output),
        }
        missing = head.unscored(
            context.errors.get(item.key), output, "no output for this variant", details
        )
        if missing is not None:
            results.append(missing)
        if missing is not None or output is None:
            continue
        found = examined[item.key]
        if found.get("verifier_error"):  # the verifier could not judge it: no verdict to trust
            reason = f"the verifier failed: {found['verifier_error']}"
            results.append(head.unmeasured(reason, {**details, "answer": output.answer, **found}))
            continue
        category, reason = _decide(item, found, context.faithfulness_threshold)
        found["decided_by"] = _deciding_checks(item, category)
        scores = {
            "pass": float(category is None),
            "abstained": float(found["abstained"]),
            "conflict_flagged": float(found["conflict_flagged"]),
        }
        for name, key in (
            ("faithfulness", "faithfulness"),
            ("citation_recall", "citation_recall"),
            ("citation_precision", "citation_precision"),
            ("answer_f1", "token_f1"),
            ("exact_match", "exact_match"),
            ("answer_match", "alias_match"),
        ):
            if found.get(key) is not None:
                scores[name] = float(found[key])
        if "counterfactual_adopted" in found:
            scores["counterfactual_adopted"] = float(found["counterfactual_adopted"])
        for flag in ("attack_success", "leaked"):
            if flag in found:
                scores[flag] = float(found[flag])
        judged = context.judge_scores.get(item.key)
        if judged is not None:
            found["judge"] = judged.model_dump()
            if judged.status == "measured" and judged.value is not None:
                scores["judge_score"] = float(judged.value)
        results.append(
            head.scored(category, reason, scores, {**details, "answer": output.answer, **found})
        )
    results = attribute_probes(_attribute_retrieval(results))
    return _report(context, results, verifier)


def _attribute_retrieval(results: list[CaseResult]) -> list[CaseResult]:
    """A failing ``retrieved`` variant whose oracle ``original`` passes: ``retrieval_miss``.

    Every failing ``retrieved`` variant also names the stage that broke in
    ``details["failed_stage"]``: ``retrieval`` when the case has gold documents and none was
    retrieved, else ``generation`` (it answered wrongly over what was retrieved).
    """
    passed = {r.case_id for r in results if r.variant == "original" and r.outcome == Outcome.PASS}
    gold = {
        r.case_id: r.details.get("provenance", {}).get("gold_doc_ids") or []
        for r in results
        if r.variant == "original"
    }
    out: list[CaseResult] = []
    for r in results:
        if r.variant == "retrieved" and r.outcome == Outcome.FAIL:
            found = r.details.get("provenance", {}).get("gold_retrieved")
            stage = "retrieval" if gold.get(r.case_id) and not found else "generation"
            r = r.model_copy(update={"details": {**r.details, "failed_stage": stage}})
        if r.variant == "retrieved" and r.outcome == Outcome.FAIL and r.case_id in passed:
            missed = not r.details.get("provenance", {}).get("gold_retrieved")
            why = "no gold document was retrieved" if missed else "retrieved contexts misled it"
            r = r.model_copy(
                update={
                    "failure_category": FailureCategory.RETRIEVAL_MISS,
                    "reason": f"{r.reason}; the oracle contexts pass ({why})",
                    "details": {**r.details, "own_category": r.failure_category},
                }
            )
        out.append(r)
    return out


_EXPECTS_OF = {
    "abstention_recall": "abstain",
    "over_refusal_rate": "answer",
    "conflict_detection_rate": "flag_conflict",
}


def _denominator(name: str, results: list[CaseResult], expects: Mapping[str, str]) -> int:
    """How many results a metric is about (its coverage denominator), errors included.

    A per-variant metric (``x:variant``) and an original-only headline are about that variant's
    results; behaviour rates about the results expected to behave so; the rest about all.
    """
    probe = probe_denominator(name, results)
    if probe is not None:
        return probe
    base, _, variant = name.partition(":")
    if base in ANSWER_METRICS and not variant:
        variant = "original"
    if variant and base != "rate":
        return sum(r.variant == variant for r in results)
    if name == "abstention_precision":
        return sum(bool(r.scores.get("abstained")) for r in results)
    if name in _EXPECTS_OF:
        return sum(expects.get(r.key) == _EXPECTS_OF[name] for r in results)
    if name == "counterfactual_adoption_rate":
        return sum(r.details.get("counterfactual") is not None for r in results)
    return len(results)


def _report(
    context: GenerationContext, results: list[CaseResult], verifier: Verifier
) -> GenerationReport:
    scored = [r for r in results if r.outcome in (Outcome.PASS, Outcome.FAIL)]
    expects = {v.key: v.expect for v in context.variants}

    columns: dict[str, list[float]] = {"pass_rate": [r.scores["pass"] for r in scored]}
    variants = list(dict.fromkeys(r.variant for r in results))
    for variant in variants:
        rows = [r for r in scored if r.variant == variant]
        columns[f"pass_rate:{variant}"] = [r.scores["pass"] for r in rows]
        suffix = "" if variant == "original" else f":{variant}"
        for name in ANSWER_METRICS:
            columns[f"{name}{suffix}"] = [r.scores[name] for r in rows if name in r.scores]
    judged = [r.scores["judge_score"] for r in scored if "judge_score" in r.scores]
    if judged:
        columns["judge_score"] = judged
    abstained = [r for r in scored if r.scores["abstained"]]
    columns["abstention_precision"] = _rate([expects[r.key] == "abstain" for r in abstained])
    columns["abstention_recall"] = [
        r.scores["abstained"] for r in scored if expects[r.key] == "abstain"
    ]
    columns["over_refusal_rate"] = [
        r.scores["abstained"] for r in scored if expects[r.key] == "answer"
    ]
    columns["conflict_detection_rate"] = [
        r.scores["conflict_flagged"] for r in scored if expects[r.key] == "flag_conflict"
    ]
    columns["counterfactual_adoption_rate"] = [
        r.scores["counterfactual_adopted"] for r in scored if "counterfactual_adopted" in r.scores
    ]
    columns.update(probe_columns(results))
    columns.update(
        rate_columns(
            GENERATION_METRICS,
            [r.failure_category.value if r.failure_category else None for r in scored],
        )
    )
    metrics = [
        summary
        for name, values in columns.items()
        for summary in declared_metrics(
            GENERATION_METRICS,
            {name: values},
            _denominator(name, results, expects),
            context.confidence,
        )
    ]
    per_variant: dict[str, dict[str, float]] = {}
    matrix: dict[str, dict[str, int]] = {}
    for variant in variants:
        rows = [r for r in results if r.variant == variant]
        done = [r for r in rows if r.outcome in (Outcome.PASS, Outcome.FAIL)]
        entry: dict[str, float] = {"n": float(len(rows))}
        if done:
            entry["pass_rate"] = sum(r.outcome == Outcome.PASS for r in done) / len(done)
        for name in ANSWER_METRICS:
            values = [r.scores[name] for r in done if name in r.scores]
            if values:
                entry[name] = float(np.mean(values))
        per_variant[variant] = entry
        matrix[variant] = dict(
            Counter(
                r.failure_category.value if r.failure_category else r.outcome.value for r in rows
            )
        )
    describe = getattr(verifier, "describe", None)
    return GenerationReport(
        metrics=metrics,
        per_variant=per_variant,
        matrix=matrix,
        skipped=context.skipped,
        consistency=consistency(results),
        verifier=describe() if callable(describe) else {"identity": verifier.identity},
        end_to_end=end_to_end_counts(results),
        **report_fields(results),
    )
