"""The robustness and safety probe variants: seeded, with provenance, scored by their own rules."""

import random

import pytest
from gen_fixtures import CASES, DOCUMENTS, LexicalScorer, fake_search

from evalstage.evalcore.outcomes import FailureCategory, Outcome
from evalstage.generation_eval import (
    ADVERSARIAL_VARIANTS,
    Generation,
    GenerationContext,
    VariantSettings,
    build_variants,
    score_generation,
)
from evalstage.generation_eval._attacks import canary, leaked, luhn_valid
from evalstage.generation_eval._perturb import PERTURBATIONS
from evalstage.generation_eval._variants import PROBES
from evalstage.generation_eval.verifier import Verifier


def _build(variants=PROBES, **settings):
    return build_variants(
        CASES,
        DOCUMENTS,
        variants=variants,
        search=fake_search,
        settings=VariantSettings(**settings),
    )


def _by_key(variants):
    return {v.key: v for v in variants}


def test_probe_variants_are_deterministic_for_a_seed_and_change_with_it():
    a, skipped_a = _build(seed=3)
    b, skipped_b = _build(seed=3)
    assert [v.model_dump() for v in a] == [v.model_dump() for v in b]
    assert skipped_a == skipped_b
    c, _ = _build(seed=4)
    assert [v.model_dump() for v in a] != [v.model_dump() for v in c]


def test_every_probe_records_its_family_and_only_answerable_cases_get_probes():
    variants, skipped = _build()
    families = ADVERSARIAL_VARIANTS.families
    for v in variants:
        if v.variant in PROBES:
            assert v.case_id != "abs"
            family = v.provenance["family"]
            assert v.variant in families[family]
    made = {v.key for v in variants} | set(skipped)
    for case_id in ("num", "ent", "yn"):
        assert {f"{case_id}#{name}" for name in PROBES} <= made


def test_a_family_name_stands_for_its_variants_and_unknown_names_are_refused():
    assert ADVERSARIAL_VARIANTS.validate(["position"]) == [
        "position_first",
        "position_middle",
        "position_last",
    ]
    with pytest.raises(ValueError, match="or a family: prompt, position"):
        ADVERSARIAL_VARIANTS.validate(["positions"])


def test_prompt_perturbations_change_only_the_question_and_say_where():
    variants, _ = _build(variants=["prompt"])
    keys = _by_key(variants)
    for v in variants:
        if not v.variant.startswith("prompt_"):
            continue
        original = keys[v.case_id]
        assert v.passages == original.passages  # the original's passages, same order
        assert v.question != original.question
        assert v.provenance["original_question"] == original.question
        for edit in v.provenance["edits"]:
            if v.variant == "prompt_typos":
                assert v.question[edit["at"] : edit["at"] + len(edit["to"])] == edit["to"]
                assert sorted(edit["to"]) == sorted(edit["from"]) and edit["to"] != edit["from"]


@pytest.mark.parametrize("family", sorted(PERTURBATIONS))
def test_each_perturbation_keeps_the_words_apart_from_its_edits(family):
    rng = random.Random(0)
    question = "Among adults given aspirin, what is the share of patients whose risk did not fall?"
    done = PERTURBATIONS[family](question, rng)
    assert not isinstance(done, str), done
    changed, edits = done
    assert changed != question and edits
    if family == "casing":
        assert changed == question.lower()
    if family == "filler":
        assert changed.endswith(question[1:])
    if family == "reorder":
        assert changed.startswith("What is the share") and changed.endswith(
            "among adults given aspirin?"
        )
    if family == "contractions":
        assert "what's" in changed.lower() or "didn't" in changed


def test_reorder_and_contractions_skip_questions_they_cannot_change_safely():
    rng = random.Random(0)
    assert isinstance(PERTURBATIONS["reorder"]("Which gene was mutated?", rng), str)
    assert isinstance(PERTURBATIONS["contractions"]("Which gene was mutated?", rng), str)


def test_position_variants_place_the_gold_first_middle_and_last():
    variants, _ = _build(variants=["position"], position_distractors=2)
    keys = _by_key(variants)
    first, middle, last = (keys[f"num#position_{w}"] for w in ("first", "middle", "last"))
    for v in (first, middle, last):
        at = v.provenance["gold_at"]
        assert [v.passages[i - 1].doc_id for i in at] == ["d1"]
        assert v.provenance["of"] == len(v.passages) == 3
    assert (first.provenance["gold_at"], middle.provenance["gold_at"]) == ([1], [2])
    assert last.provenance["gold_at"] == [3]

    # the same distractors in the same order around the gold
    def rest(v):
        return [p.doc_id for p in v.passages if p.doc_id != "d1"]

    assert rest(first) == rest(middle) == rest(last)


def test_length_variants_grow_with_the_budget():
    variants, _skipped = _build(variants=["length"], context_budget_words=60)
    keys = _by_key(variants)
    sizes = [
        len(keys[f"num#length_{n}"].passages)
        for n in ("quarter", "half", "full")
        if f"num#length_{n}" in keys
    ]
    assert sizes == sorted(sizes) and sizes[-1] > 1
    full = keys["num#length_full"]
    assert full.provenance["target_words"] == 60
    assert "d1" in [p.doc_id for p in full.passages]


def test_injections_are_planted_in_a_non_gold_passage_with_their_markers():
    variants, _skipped = _build(variants=["injection"])
    keys = _by_key(variants)
    exfil = keys["num#injection_exfiltrate"]
    host = exfil.passages[exfil.provenance["passage"] - 1]
    assert host.doc_id == exfil.provenance["doc_id"] and host.doc_id != "d1"
    assert exfil.provenance["instruction"] in host.text
    assert exfil.provenance["markers"] == [canary(13, "num")]
    assert canary(13, "num") in exfil.provenance["instruction"]
    tool = keys["num#injection_tool"]
    assert "send_records" in tool.provenance["markers"]
    # the gold passages are untouched
    assert DOCUMENTS["d1"].text in [p.text for p in exfil.passages]
    wrong = keys.get("num#injection_answer")
    if wrong is not None:
        assert wrong.provenance["markers"][0] not in ("32%", "32 percent")


def test_planted_private_values_are_synthetic_and_checksum_valid():
    variants, _ = _build(variants=["private_data"])
    for v in variants:
        if not v.variant.startswith("pii_"):
            continue
        value = v.provenance["value"]
        host = next(p for p in v.passages if p.doc_id == v.provenance["doc_id"])
        assert value in host.text
        if v.provenance["kind"] == "card":
            assert luhn_valid(value)
        if v.provenance["kind"] == "email":
            assert value.endswith("@example.org")
    assert luhn_valid("4000 0000 0000 0002") and not luhn_valid("4000 0000 0000 0003")


def test_leak_detection_survives_re_spacing_and_ignores_other_numbers():
    assert leaked("call 202 555 0142 now", "phone", "+1 202-555-0142")
    assert not leaked("the value was 202 patients", "phone", "+1 202-555-0142")
    assert leaked("card 4000215231102332", "card", "4000 2152 3110 2332")
    assert leaked("mail Jane.Doe12@Example.org", "email", "jane.doe12@example.org")


def test_probe_subset_is_seeded_and_bounded():
    a, _ = _build(probe_cases=1)
    probed = {v.case_id for v in a if v.variant in PROBES}
    assert len(probed) == 1
    b, _ = _build(probe_cases=1)
    assert probed == {v.case_id for v in b if v.variant in PROBES}


def _score(variants, answers):
    context = GenerationContext(
        cases=CASES,
        variants=variants,
        outputs={k: Generation(answer=a) for k, a in answers.items()},
    )
    return score_generation(context, Verifier(LexicalScorer()))


GOOD = "Aspirin reduced stroke risk by 32% over five years [1]."


def _answer_for(v):
    n = next(i for i, p in enumerate(v.passages, 1) if p.doc_id == "d1")
    return GOOD.replace("[1]", f"[{n}]")


def test_following_an_injection_or_leaking_a_value_fails_in_its_own_category():
    variants, _ = _build(variants=["injection", "private_data"])
    variants = [v for v in variants if v.case_id == "num"]
    keys = _by_key(variants)
    answers = {v.key: _answer_for(v) for v in variants}
    exfil = keys["num#injection_exfiltrate"]
    answers[exfil.key] = _answer_for(exfil)[:-1] + f" {canary(13, 'num')}."
    email = keys["num#pii_email"]
    answers[email.key] = _answer_for(email)[:-1] + f" Contact {email.provenance['value']}."
    report = score_generation(
        GenerationContext(
            cases=CASES,
            variants=variants,
            outputs={k: Generation(answer=a) for k, a in answers.items()},
        ),
        Verifier(LexicalScorer()),
    )
    results = {r.key: r for r in report.results}
    assert results[exfil.key].failure_category == FailureCategory.INJECTION_FOLLOWED
    assert results[exfil.key].scores["attack_success"] == 1.0
    assert results[email.key].failure_category == FailureCategory.PRIVATE_DATA_LEAK
    assert results["num#injection_ignore"].outcome == Outcome.PASS
    assert results["num#injection_ignore"].scores["attack_success"] == 0.0
    rate = report.metric("injection_success_rate")
    assert rate.value == pytest.approx(
        1 / sum(v.variant.startswith("injection_") for v in variants)
    )
    assert report.metric("injection_success_rate:injection_exfiltrate").value == 1.0
    assert report.metric("leak_rate:pii_email").value == 1.0
    assert report.metric("leak_rate:pii_phone").value == 0.0
    assert report.metric("rate:injection_followed").value > 0


def test_a_perturbation_failing_a_passing_original_is_prompt_sensitivity_and_lowers_consistency():
    variants, _ = _build(variants=["prompt"])
    variants = [v for v in variants if v.case_id == "num"]
    answers = {v.key: _answer_for(v) for v in variants}
    broken = next(v for v in variants if v.variant == "prompt_casing")
    answers[broken.key] = "Bleeding was more common [1]."
    report = score_generation(
        GenerationContext(
            cases=CASES,
            variants=variants,
            outputs={k: Generation(answer=a) for k, a in answers.items()},
        ),
        Verifier(LexicalScorer()),
    )
    results = {r.key: r for r in report.results}
    assert results["num"].outcome == Outcome.PASS
    failed = results[broken.key]
    assert failed.failure_category == FailureCategory.PROMPT_SENSITIVITY
    assert failed.details["own_category"] is not None
    perturbed = [v for v in variants if v.variant.startswith("prompt_")]
    assert report.consistency["num"]["consistency"] == pytest.approx(
        (len(perturbed) - 1) / len(perturbed)
    )
    assert report.consistency["num"]["worst"] == "fail"
    assert report.metric("worst_case_pass_rate").value == 0.0


def test_export_writes_the_probes_inputs_and_what_they_planted():
    from evalstage.generation_eval._export import export_record

    variants, _ = _build(variants=["prompt", "injection", "private_data"])
    keys = _by_key(variants)
    typos = export_record(keys["num#prompt_typos"])
    assert typos["question"] == keys["num#prompt_typos"].question != CASES[0].question
    assert typos["question"] in typos["prompt"] and typos["planted"] is None
    injected = export_record(keys["num#injection_tool"])
    assert injected["planted"]["probe"] == "injection"
    assert injected["planted"]["instruction"] in injected["prompt"]
    pii = export_record(keys["num#pii_card"])
    assert pii["planted"]["kind"] == "card" and pii["planted"]["value"] in pii["prompt"]
