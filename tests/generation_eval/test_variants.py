import random

import pytest
from gen_fixtures import CASES, DOCUMENTS, fake_search

from evalstage.generation_eval import (
    ADVERSARIAL,
    VariantSettings,
    answer_type,
    build_variants,
    make_counterfactual,
)
from evalstage.generation_eval._counterfactual import negate_sentence, perturb_number


def _build(**kwargs):
    return build_variants(CASES, DOCUMENTS, variants=ADVERSARIAL, search=fake_search, **kwargs)


def test_every_answerable_case_gets_every_variant_and_abstain_cases_only_the_original():
    variants, skipped = _build()
    by_case: dict[str, set[str]] = {}
    for v in variants:
        by_case.setdefault(v.case_id, set()).add(v.variant)
    assert by_case["abs"] == {"original"}
    for case_id in ("num", "ent", "yn"):
        made = by_case[case_id] | {k.split("#")[1] for k in skipped if k.startswith(case_id)}
        assert made == {"original", *ADVERSARIAL}
    assert len({v.key for v in variants}) == len(variants)


def test_variants_are_deterministic_for_a_seed_and_change_with_it():
    a, _ = _build(settings=VariantSettings(seed=1))
    b, _ = _build(settings=VariantSettings(seed=1))
    assert [v.model_dump() for v in a] == [v.model_dump() for v in b]
    c, _ = _build(settings=VariantSettings(seed=2))
    assert [v.model_dump() for v in a] != [v.model_dump() for v in c]


def test_missing_context_removes_gold_and_uses_top_ranked_non_relevant():
    variants, _ = _build()
    missing = next(v for v in variants if v.key == "num#missing_context")
    assert missing.expect == "abstain"
    assert "d1" not in {p.doc_id for p in missing.passages}
    ranked = [d for d in fake_search({"q": CASES[0].question}, 10)["q"] if d != "d1"]
    assert [s["doc_id"] for s in missing.provenance["substitutes"]] == ranked[:1]


def test_contradictory_context_plants_a_same_type_counterfactual_beside_the_original():
    variants, _ = _build()
    cf = next(v for v in variants if v.key == "num#contradictory_context")
    assert cf.expect == "flag_conflict"
    texts = [p.text for p in cf.passages]
    assert DOCUMENTS["d1"].text in texts
    planted = next(t for t in texts if t != DOCUMENTS["d1"].text)
    assert "32%" not in planted and cf.counterfactual in planted
    assert answer_type(cf.counterfactual) == "number"
    assert cf.provenance["span"] == "32%" and cf.provenance["method"] == "number_perturbation"
    alone = next(v for v in variants if v.key == "num#counterfactual_only")
    assert [p.text for p in alone.passages] == [planted]


def test_entity_counterfactual_comes_from_another_case_and_yes_no_is_negated():
    cases = [*CASES, CASES[1].model_copy(update={"case_id": "ent2", "answers": ["KRAS"]})]
    made = make_counterfactual(cases[1], DOCUMENTS, {"entity": ["BRCA1", "KRAS"]}, seed=3)
    assert not isinstance(made, str)
    assert made.substitute == "KRAS" and "KRAS gene was mutated" in made.passage.text
    yn = make_counterfactual(CASES[2], DOCUMENTS, {}, seed=3)
    assert not isinstance(yn, str)
    assert yn.substitute == "yes" and "did reduce" in yn.passage.text.replace("  ", " ")


def test_a_case_without_an_answer_span_records_why_its_counterfactual_was_skipped():
    case = CASES[1].model_copy(update={"answers": ["HER2"]})
    variants, skipped = build_variants([case], DOCUMENTS, variants=ADVERSARIAL, search=fake_search)
    assert "contradictory_context" not in {v.variant for v in variants}
    assert "no answer span" in skipped["ent#contradictory_context"]


@pytest.mark.parametrize(
    ("span", "kind"),
    [
        ("32%", "number"),
        ("1998", "year"),
        ("Yes", "yes_no"),
        ("BRCA1", "entity"),
        ("2.5 mg", "number"),
    ],
)
def test_answer_type(span, kind):
    assert answer_type(span) == kind


def test_perturb_number_keeps_format_and_changes_value():
    rng = random.Random(0)
    for span in ("32%", "412", "0.45", "1,200 patients", "HR 1.8"):
        new = perturb_number(span, rng)
        assert new is not None and new != span
        if not span[-1].isdigit():
            assert new.endswith(span[-1])


def test_negate_sentence_inserts_or_removes_negation():
    assert negate_sentence("Statins did not reduce risk.") == "Statins did reduce risk."
    assert negate_sentence("The drug was effective.") == "The drug was not effective."
    assert negate_sentence("Levels increased after treatment.") == (
        "Levels decreased after treatment."
    )


def _doc(text: str):
    from evalstage.generation_eval import CorpusDoc

    return {"x": CorpusDoc(doc_id="x", title="", text=text)}


def test_counterfactual_replaces_whole_tokens_only_and_inserts_the_substitute_literally():
    from evalstage.generation_eval import RagCase

    case = RagCase(case_id="c", question="q?", answers=["3"], gold_doc_ids=["x"])
    made = make_counterfactual(case, _doc("In 2013, 3 patients out of 30 died (3.5%)."), {}, 1)
    assert not isinstance(made, str)
    assert (
        made.passage.text.startswith("In 2013, ") and "out of 30 died (3.5%)" in made.passage.text
    )
    us = RagCase(case_id="u", question="q?", answers=["US"], gold_doc_ids=["x"])
    made = make_counterfactual(
        us, _doc("The US team, based in Texas, thus won."), {"entity": ["C:\\new", "US"]}, 1
    )
    assert not isinstance(made, str)
    assert made.passage.text == "The C:\\new team, based in Texas, thus won."


def test_counterfactual_never_plants_one_of_the_cases_own_aliases_and_types_the_found_alias():
    from evalstage.generation_eval import RagCase

    case = RagCase(case_id="c", question="q?", answers=["USA", "United States"], gold_doc_ids=["x"])
    for seed in range(6):
        made = make_counterfactual(
            case, _doc("Born in the United States."), {"entity": ["USA", "Kenya"]}, seed
        )
        assert not isinstance(made, str) and made.substitute == "Kenya"
    year = RagCase(
        case_id="y", question="q?", answers=["1969", "nineteen sixty-nine"], gold_doc_ids=["x"]
    )
    made = make_counterfactual(
        year, _doc("It landed in nineteen sixty-nine."), {"entity": ["Mars"]}, 1
    )
    assert not isinstance(made, str) and made.substitute == "Mars"


def test_distractors_never_state_the_answer_and_orders_do_not_depend_on_other_variants():
    from evalstage.generation_eval import CorpusDoc

    docs = {
        **DOCUMENTS,
        "d6": CorpusDoc(doc_id="d6", title="", text="BRCA1 carriers were screened yearly."),
    }

    def search(queries, k):
        return {q: ["d6", "d5", "d3"] for q in queries}

    variants, _ = build_variants(CASES[1:2], docs, variants=ADVERSARIAL, search=search)
    missing = next(v for v in variants if v.variant == "missing_context")
    assert [s["doc_id"] for s in missing.provenance["substitutes"]] == ["d5"]
    every, _ = build_variants(CASES, DOCUMENTS, variants=ADVERSARIAL, search=fake_search)
    fewer, _ = build_variants(CASES, DOCUMENTS, variants=["noisy_context"], search=fake_search)
    noisy = {v.key: v for v in every if v.variant == "noisy_context"}
    assert all(v.passages == noisy[v.key].passages for v in fewer if v.variant == "noisy_context")
