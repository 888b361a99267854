"""score_generation's decision rules and aggregates, with a transparent lexical pair scorer."""

import math

import pytest
from gen_fixtures import CASES, DOCUMENTS, LexicalScorer, fake_search

from evalstage.generation_eval import (
    ADVERSARIAL,
    CaseVariant,
    Generation,
    GenerationContext,
    build_variants,
    score_generation,
)
from evalstage.generation_eval.verifier import Verifier


def _variants(retrieved=None):
    variants, skipped = build_variants(
        CASES, DOCUMENTS, variants=ADVERSARIAL, search=fake_search, retrieved=retrieved
    )
    return {v.key: v for v in variants}, skipped


def cite(variant: CaseVariant, doc_id: str) -> int:
    return next(n for n, p in enumerate(variant.passages, 1) if p.doc_id == doc_id)


def planted(variant: CaseVariant) -> int:
    originals = {d.text for d in DOCUMENTS.values()}
    return next(n for n, p in enumerate(variant.passages, 1) if p.text not in originals)


def _score(variants, answers, errors=None, skipped=None):
    context = GenerationContext(
        cases=CASES,
        variants=list(variants.values()),
        outputs={k: Generation(answer=a) for k, a in answers.items()},
        errors=errors or {},
        skipped=skipped or {},
    )
    report = score_generation(context, Verifier(LexicalScorer()))
    return report, {r.key: r for r in report.results}


RIGHT = "Aspirin reduced stroke risk by 32% over five years [{n}]."


def test_decision_rules_give_the_documented_failure_categories():
    v, _ = _variants()
    cf = v["num#contradictory_context"]
    answers = {
        "num": RIGHT.format(n=cite(v["num"], "d1")),
        "num#missing_context": "Aspirin reduced stroke risk [1].",
        "num#noisy_context": "Aspirin reduced stroke risk by 32% over five years [9].",
        "num#contradictory_context": (
            f"Aspirin reduced stroke risk by {cf.counterfactual} [{planted(cf)}]."
        ),
        "num#counterfactual_only": "Aspirin reduced stroke risk by 32% over five years [1].",
        "ent": f"Expression of TP53 was normal [{cite(v['ent'], 'd2')}].",
        "ent#missing_context": "I cannot answer this from the provided passages.",
        "ent#noisy_context": "The BRCA1 gene was mutated in 90% of tumours [1].",
        "yn": "I don't know.",
        "abs": "The passages do not mention the dose.",
    }
    report, r = _score(v, answers)
    assert r["num"].outcome == "pass" and r["num"].scores["faithfulness"] == 1.0
    assert r["num#missing_context"].failure_category == "missed_abstention"
    assert r["num#noisy_context"].failure_category == "formatting"
    assert r["num#contradictory_context"].failure_category == "counterfactual_adopted"
    # alone with the planted value, the true value is not supported by the context
    assert r["num#counterfactual_only"].failure_category == "hallucination"
    assert r["ent"].failure_category == "wrong_answer"
    assert r["ent#missing_context"].outcome == "pass"
    assert r["ent#noisy_context"].failure_category == "hallucination"
    assert r["ent#noisy_context"].details["unsupported_claims"]
    assert r["yn"].failure_category == "over_refusal"
    assert r["abs"].outcome == "pass"
    assert r["num"].canary and not r["num#noisy_context"].canary
    assert r["num"].details["decided_by"] == [
        "abstention",
        "citation_format",
        "faithfulness",
        "answer_match",
        "citations",
    ]
    assert r["ent"].details["decided_by"] == ["answer_match"]
    assert r["yn"].details["decided_by"] == ["abstention"]
    for m in report.metrics:
        assert all(math.isfinite(x) for x in (m.value, m.ci_low, m.ci_high))


def test_conflict_flagged_passes_and_wrong_citation_is_unsupported_citation():
    v, _ = _variants()
    cf = v["num#contradictory_context"]
    noisy = v["num#noisy_context"]
    wrong = next(n for n, p in enumerate(noisy.passages, 1) if p.doc_id != "d1")
    answers = {
        "num#contradictory_context": (
            f"The passages conflict: [{cite(cf, 'd1')}] reports 32% whereas "
            f"[{planted(cf)}] reports {cf.counterfactual}."
        ),
        "num#noisy_context": RIGHT.format(n=wrong),
        "num#counterfactual_only": (
            f"Aspirin reduced stroke risk by {cf.counterfactual} over five years [1]."
        ),
    }
    _, r = _score(v, answers)
    assert r["num#contradictory_context"].outcome == "pass"
    assert r["num#noisy_context"].failure_category == "unsupported_citation"
    assert r["num#noisy_context"].scores["citation_recall"] == 0.0
    only = r["num#counterfactual_only"]
    assert only.outcome == "pass" and only.scores["counterfactual_adopted"] == 1.0


def test_retrieved_failure_with_passing_oracle_is_a_retrieval_miss():
    v, _ = _variants(retrieved={"num": ["d5", "d4"], "ent": ["d2"]})
    answers = {
        "num": RIGHT.format(n=cite(v["num"], "d1")),
        "num#retrieved": "Statins did not reduce stroke risk in this review of 12 trials [2].",
        "ent": f"The BRCA1 gene was mutated in most tumours [{cite(v['ent'], 'd2')}].",
        "ent#retrieved": "I cannot tell from these passages.",
    }
    _, r = _score(v, answers)
    miss = r["num#retrieved"]
    assert miss.failure_category == "retrieval_miss"
    assert "no gold document was retrieved" in miss.reason
    assert miss.details["own_category"] == "wrong_answer"
    assert r["ent#retrieved"].failure_category == "retrieval_miss"


def test_errors_and_missing_outputs_are_kept_out_of_aggregates():
    v, _ = _variants()
    answers = {"num": RIGHT.format(n=cite(v["num"], "d1"))}
    report, r = _score(v, answers, errors={"ent": "TargetError: HTTP 500"})
    assert r["ent"].outcome == "error" and "HTTP 500" in r["ent"].reason
    assert r["yn"].outcome == "unmeasured"
    assert len(report.results) == len(v)
    pass_rate = report.metric("pass_rate")
    assert pass_rate.n == 1 and pass_rate.coverage == pytest.approx(1 / len(v))
    # a headline answer metric is about the original variant: 1 measured of 4 originals
    assert report.metric("faithfulness").coverage == pytest.approx(1 / 4)


def test_behaviour_rates_count_the_right_denominators():
    v, _ = _variants()
    abstain = "I don't know."
    answers = {key: abstain for key in v}  # abstains everywhere
    report, _ = _score(v, answers)
    expect_abstain = [x for x in v.values() if x.expect == "abstain"]
    expect_answer = [x for x in v.values() if x.expect == "answer"]
    assert report.metric("abstention_recall").value == 1.0
    assert report.metric("abstention_precision").value == pytest.approx(
        len(expect_abstain) / len(v)
    )
    assert report.metric("over_refusal_rate").value == 1.0
    assert report.metric("over_refusal_rate").n == len(expect_answer)
    assert report.metric("conflict_detection_rate").value == 0.0
    assert report.matrix["missing_context"] == {"pass": 3}
    assert report.per_variant["original"]["n"] == 4


def test_structured_citations_pair_with_their_sentences_before_abstentions_are_dropped():
    v, _ = _variants()
    item = v["num#noisy_context"]
    n = cite(item, "d1")
    answer = (
        "The passages do not say how the cohort was chosen. "
        "Aspirin reduced stroke risk by 32% over five years."
    )
    context = GenerationContext(
        cases=CASES,
        variants=[item],
        outputs={item.key: Generation(answer=answer, citations=[[], [n, n]])},
    )
    result = score_generation(context, Verifier(LexicalScorer())).results[0]
    assert result.outcome == "pass", result.reason
    assert result.details["claims"][0]["citations"] == [n]
    bad = context.model_copy(
        update={"outputs": {item.key: Generation(answer=answer, citations=[[], [9]])}}
    )
    assert score_generation(bad, Verifier(LexicalScorer())).results[0].failure_category == (
        "formatting"
    )


def test_courtesy_sentences_are_not_counted_as_claims():
    v, _ = _variants()
    item = v["num"]
    n = cite(item, "d1")
    polite = f"Great question! {RIGHT.format(n=n)} I hope this helps."
    _, r = _score({item.key: item}, {item.key: polite})
    result = r[item.key]
    assert result.outcome == "pass", result.reason
    assert result.scores["faithfulness"] == 1.0
    assert result.details["claims_not_checked"] == ["Great question!", "I hope this helps."]
    assert [c["text"] for c in result.details["claims"]] == [
        RIGHT.format(n=n).replace(f" [{n}]", "")
    ]
